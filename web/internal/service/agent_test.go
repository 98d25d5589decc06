package service

import (
	"strings"
	"testing"
)

func TestAgentAPI(t *testing.T) {
	e := newEnv(t)
	ann := e.login(e.jwt("ann@example.com", ""), "d1", "")
	bob := e.anonymous("d2").SessionToken
	c1 := e.createConversation(ann.SessionToken, "ann asks").Conversation
	c2 := e.createConversation(bob, "bob asks").Conversation

	agent := func(method, path, key string, body any) response {
		h := map[string]string{}
		if key != "" {
			h["Authorization"] = "Bearer " + key
		}
		return e.do(req{Method: method, Path: path, Body: body, Header: h})
	}
	for _, key := range []string{"", "wrong", testAPIKey, ann.SessionToken} {
		agent("GET", "/v1/agent/conversations", key, nil).expectError(401, codeUnauthorized)
		agent("POST", "/v1/agent/conversations/"+c1.ID+"/messages", key, map[string]string{"body": "x"}).expectError(401, codeUnauthorized)
	}

	list := decodeAs[agentConversationsJSON](agent("GET", "/v1/agent/conversations", testAgentKey, nil).expect(200)).Conversations
	if len(list) != 2 || list[0].ID != c2.ID || list[1].ID != c1.ID {
		t.Fatalf("agent list = %+v, want newest activity first", list)
	}
	if list[1].Customer.ID != ann.Identity.CustomerID || list[0].Customer.ID == "" {
		t.Fatalf("agent list lacks customerId: %+v", list)
	}

	m := e.agentReply(c1.ID, "Hi Ann")
	if m.Author != "agent" || m.ConversationID != c1.ID || m.Body != "Hi Ann" {
		t.Fatalf("agent message = %+v", m)
	}
	if msgs := e.messages(ann.SessionToken, c1.ID); len(msgs) != 2 || msgs[1].ID != m.ID {
		t.Fatalf("ann's messages = %+v", msgs)
	}
	agent("POST", "/v1/agent/conversations/00000000-0000-4000-8000-000000000000/messages", testAgentKey,
		map[string]string{"body": "x"}).expectError(404, codeNotFound)
	agent("POST", "/v1/agent/conversations/"+c1.ID+"/messages", testAgentKey, map[string]string{"body": " "}).
		expectError(400, codeInvalidArgument)
	// The SDK's API key is not an agent key and a chat session is not either.
	e.do(req{Method: "GET", Path: "/v1/agent/conversations", APIKey: testAPIKey, Session: ann.SessionToken}).expectError(401, codeUnauthorized)
}

func TestAgentAPIClosedWithoutKey(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.AgentKey = "" })
	e.do(req{Method: "GET", Path: "/v1/agent/conversations", Header: map[string]string{"Authorization": "Bearer "}}).
		expectError(401, codeUnauthorized)
	e.do(req{Method: "GET", Path: "/v1/agent/conversations"}).expectError(401, codeUnauthorized)
}

func TestAgentAuthorName(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Dev = true })
	s := e.anonymous("d").SessionToken
	c := e.createConversation(s, "hello").Conversation
	path := "/v1/agent/conversations/" + c.ID + "/messages"
	agent := func(body any) response {
		return e.do(req{Method: "POST", Path: path, Body: body, Header: map[string]string{"Authorization": "Bearer " + testAgentKey}})
	}

	named := decodeAs[postedJSON](agent(map[string]any{"body": "hi", "authorName": "  Dana Scully \n"}).expect(201)).Message
	unnamed := decodeAs[postedJSON](agent(map[string]any{"body": "hi", "authorName": nil}).expect(201)).Message
	longest := decodeAs[postedJSON](agent(map[string]any{"body": "hi", "authorName": strings.Repeat("é", 80)}).expect(201)).Message
	dev := decodeAs[postedJSON](e.do(req{Method: "POST", Path: "/v1/dev/agent-reply",
		Body: map[string]any{"conversationId": c.ID, "body": "hi", "authorName": "Fox"}}).expect(201)).Message
	for _, bad := range []any{"", "   ", strings.Repeat("é", 81), 42} {
		agent(map[string]any{"body": "x", "authorName": bad}).expectError(400, codeInvalidArgument)
		e.do(req{Method: "POST", Path: "/v1/dev/agent-reply", Body: map[string]any{"conversationId": c.ID, "body": "x", "authorName": bad}}).
			expectError(400, codeInvalidArgument)
	}

	// Every Message carries authorName, null where there is none.
	raw := decodeAs[struct {
		Messages []map[string]any `json:"messages"`
	}](e.sdk("GET", "/v1/conversations/"+c.ID+"/messages", s, nil).expect(200)).Messages
	want := []any{nil, "Dana Scully", nil, strings.Repeat("é", 80), "Fox"}
	if len(raw) != len(want) {
		t.Fatalf("%d messages, want %d: %v", len(raw), len(want), raw)
	}
	for i, m := range raw {
		name, ok := m["authorName"]
		if !ok || name != want[i] {
			t.Fatalf("message %d authorName = %#v (present %v), want %#v", i, name, ok, want[i])
		}
	}
	ev := e.events(s, "?after=0")
	if len(ev.Messages) != 4 || ev.Messages[0].ID != named.ID || *ev.Messages[0].AuthorName != "Dana Scully" ||
		ev.Messages[1].ID != unnamed.ID || ev.Messages[1].AuthorName != nil || ev.Messages[2].ID != longest.ID || ev.Messages[3].ID != dev.ID {
		t.Fatalf("events = %+v", ev.Messages)
	}
}
