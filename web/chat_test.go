package web

import (
	"fmt"
	"strings"
	"testing"
)

func TestAnonymousChat(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("device-1").SessionToken
	first := e.createConversation(s, "  Hello, is anyone there?  ")
	c, m := first.Conversation, first.Message
	if c.ID == "" || c.Preview != "Hello, is anyone there?" || c.Unread != 0 || !rfc3339Millis.MatchString(c.LastMessageAt) {
		t.Fatalf("conversation = %+v", c)
	}
	if m.ConversationID != c.ID || m.Author != "customer" || m.Body != "Hello, is anyone there?" || m.Seq <= 0 {
		t.Fatalf("message = %+v", m)
	}
	m2 := e.send(s, c.ID, "second")
	if m2.Seq <= m.Seq {
		t.Fatalf("seq %d after %d", m2.Seq, m.Seq)
	}
	msgs := e.messages(s, c.ID)
	if len(msgs) != 2 || msgs[0].ID != m.ID || msgs[1].ID != m2.ID {
		t.Fatalf("messages not oldest first: %+v", msgs)
	}

	// Newest activity first: a reply in the older conversation moves it up.
	other := e.createConversation(s, "another topic").Conversation
	if got := e.conversations(s); len(got) != 2 || got[0].ID != other.ID {
		t.Fatalf("conversations = %+v, want %s first", got, other.ID)
	}
	e.send(s, c.ID, strings.Repeat("é", 200))
	got := e.conversations(s)
	if got[0].ID != c.ID {
		t.Fatalf("conversations = %+v, want %s first", got, c.ID)
	}
	if got[0].Preview != strings.Repeat("é", 140) {
		t.Fatalf("preview has %d characters, want 140", len([]rune(got[0].Preview)))
	}
}

func TestMessageTextLimits(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	c := e.createConversation(s, "hi").Conversation
	path := "/v1/conversations/" + c.ID + "/messages"
	for _, body := range []any{
		map[string]string{"body": ""},
		map[string]string{"body": " \n\t "},
		map[string]string{"body": strings.Repeat("ü", 4001)},
		map[string]int{"body": 5},
		map[string]string{},
		"not json",
	} {
		e.sdk("POST", path, s, body).expectError(400, codeInvalidArgument)
	}
	e.sdk("POST", path, s, map[string]string{"body": strings.Repeat("ü", 4000)}).expect(201)
	e.sdk("POST", "/v1/conversations", s, map[string]string{"message": ""}).expectError(400, codeInvalidArgument)
	e.sdk("POST", "/v1/conversations", s, map[string]string{"text": "wrong field"}).expectError(400, codeInvalidArgument)
	if n := len(e.messages(s, c.ID)); n != 2 {
		t.Fatalf("%d messages stored, want 2", n)
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	c := e.createConversation(s, "hi").Conversation
	big := fmt.Sprintf(`{"message": %q}`, strings.Repeat("a", MaxBodyBytes))
	e.sdk("POST", "/v1/conversations", s, big).expectError(413, codeInvalidArgument)
	e.sdk("POST", "/v1/conversations/"+c.ID+"/messages", s, strings.Replace(big, "message", "body", 1)).expectError(413, codeInvalidArgument)
	e.sdk("POST", "/v1/identities/login", "", fmt.Sprintf(`{"jwt": %q, "trackingId": "d"}`, strings.Repeat("a", MaxBodyBytes))).
		expectError(413, codeInvalidArgument)
	e.do(req{Method: "POST", Path: "/v1/agent/conversations/" + c.ID + "/messages", Body: strings.Replace(big, "message", "body", 1),
		Header: map[string]string{"Authorization": "Bearer " + testAgentKey}}).expectError(413, codeInvalidArgument)
	// Just under the cap is read (and then refused for its length, not its size).
	under := fmt.Sprintf(`{"message": %q}`, strings.Repeat("a", MaxBodyBytes-20))
	e.sdk("POST", "/v1/conversations", s, under).expectError(400, codeInvalidArgument)
}

func TestOtherCustomersConversationIsNotFound(t *testing.T) {
	e := newEnv(t)
	ann := e.login(e.jwt("ann@example.com", ""), "d1", "").SessionToken
	bob := e.login(e.jwt("", "bob-42"), "d2", "").SessionToken
	annConv := e.createConversation(ann, "ann's secret").Conversation
	e.createConversation(bob, "bob's own")

	unknown := e.sdk("GET", "/v1/conversations/00000000-0000-4000-8000-000000000000/messages", bob, nil)
	unknown.expectError(404, codeNotFound)
	for _, q := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/conversations/" + annConv.ID + "/messages", nil},
		{"POST", "/v1/conversations/" + annConv.ID + "/messages", map[string]string{"body": "intrusion"}},
		{"POST", "/v1/conversations/" + annConv.ID + "/read", nil},
	} {
		r := e.sdk(q.method, q.path, bob, q.body)
		r.expectError(404, codeNotFound)
		if string(r.Body) != string(unknown.Body) {
			t.Fatalf("%s %s: %s differs from an unknown id's %s", q.method, q.path, r.Body, unknown.Body)
		}
	}
	for _, c := range e.conversations(bob) {
		if c.ID == annConv.ID {
			t.Fatal("bob lists ann's conversation")
		}
	}
	for _, m := range e.events(bob, "?after=0").Messages {
		if m.ConversationID == annConv.ID {
			t.Fatal("bob's events carry ann's message")
		}
	}
	if msgs := e.messages(ann, annConv.ID); len(msgs) != 1 {
		t.Fatalf("ann's conversation has %d messages after bob's attempts, want 1", len(msgs))
	}
	e.sdk("GET", "/v1/conversations/"+strings.Repeat("z", 65)+"/messages", bob, nil).expectError(404, codeNotFound)
}

func TestUnreadCountsAndMarkRead(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	c1 := e.createConversation(s, "one").Conversation
	c2 := e.createConversation(s, "two").Conversation
	e.agentReply(c1.ID, "a")
	e.agentReply(c1.ID, "b")
	e.agentReply(c2.ID, "c")
	e.send(s, c1.ID, "customer messages are never unread")

	unread := func() map[string]int {
		m := map[string]int{}
		for _, c := range e.conversations(s) {
			m[c.ID] = c.Unread
		}
		return m
	}
	if u := unread(); u[c1.ID] != 2 || u[c2.ID] != 1 {
		t.Fatalf("unread = %v, want 2 and 1", u)
	}
	if ev := e.events(s, ""); ev.Unread != 3 {
		t.Fatalf("events unread = %d, want 3", ev.Unread)
	}
	e.sdk("POST", "/v1/conversations/"+c1.ID+"/read", s, nil).expect(204)
	if u := unread(); u[c1.ID] != 0 || u[c2.ID] != 1 {
		t.Fatalf("after markRead unread = %v", u)
	}
	if ev := e.events(s, "?after=0"); ev.Unread != 1 {
		t.Fatalf("events unread = %d, want 1", ev.Unread)
	}
	e.agentReply(c1.ID, "again")
	if u := unread(); u[c1.ID] != 1 {
		t.Fatalf("a reply after markRead: unread = %v", u)
	}
}
