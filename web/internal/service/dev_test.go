package service

import (
	"testing"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/internal/auth"
)

func TestDevRoutesAbsentWithoutDev(t *testing.T) {
	e := newEnv(t)
	for _, q := range []req{
		{Method: "POST", Path: "/v1/dev/token", Body: map[string]string{"email": "ann@example.com"}},
		{Method: "GET", Path: "/v1/dev/config"},
		{Method: "POST", Path: "/v1/dev/agent-reply", Body: map[string]string{"conversationId": "x", "body": "y"}},
	} {
		r := e.do(q)
		r.expectError(404, codeNotFound)
		if string(r.Body) != string(e.do(req{Method: "GET", Path: "/v1/no-such-route"}).Body) {
			t.Fatalf("%s answers differently from an unknown route: %s", q.Path, r.Body)
		}
	}
}

func TestDevRoutes(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Dev = true })
	cfg := decodeAs[map[string]string](e.do(req{Method: "GET", Path: "/v1/dev/config"}).expect(200))
	if cfg["apiKey"] != testAPIKey {
		t.Fatalf("config = %v", cfg)
	}
	tok := decodeAs[map[string]string](e.do(req{Method: "POST", Path: "/v1/dev/token",
		Body: map[string]string{"email": "carol@example.com", "externalId": "carol-7"}}).expect(200))["jwt"]
	claims, err := auth.Verify(tok, []byte(testSecret), e.clock.Now())
	if err != nil || claims.Email != "carol@example.com" || claims.ExternalID != "carol-7" {
		t.Fatalf("dev token claims = %+v, %v", claims, err)
	}
	if _, err := auth.Verify(tok, []byte(testSecret), e.clock.Now().Add(16*time.Minute)); err == nil {
		t.Fatal("dev token never expires")
	}
	e.do(req{Method: "POST", Path: "/v1/dev/token", Body: map[string]string{}}).expectError(400, codeInvalidArgument)

	s := e.login(tok, "d", "").SessionToken
	c := e.createConversation(s, "hello").Conversation
	m := decodeAs[struct {
		Message messageJSON `json:"message"`
	}](e.do(req{Method: "POST", Path: "/v1/dev/agent-reply", Body: map[string]string{"conversationId": c.ID, "body": "agent here"}}).expect(201)).Message
	if m.Author != "agent" || m.ConversationID != c.ID {
		t.Fatalf("dev agent reply = %+v", m)
	}
	if ev := e.events(s, "?after=0"); len(ev.Messages) != 1 || ev.Messages[0].ID != m.ID {
		t.Fatalf("events = %+v", ev)
	}
	e.do(req{Method: "POST", Path: "/v1/dev/agent-reply", Body: map[string]string{"conversationId": "nope", "body": "x"}}).
		expectError(404, codeNotFound)
}
