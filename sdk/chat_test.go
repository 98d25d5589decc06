package sdk

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAnonymousConversationThenLogInSendsTheTrackingToken(t *testing.T) {
	e := newServiceEnv(t)
	anon := must(t, e.c.GetIdentity())
	if len(e.api.requests("")) != 0 {
		t.Fatal("loading the state sent a request")
	}
	conv := must(t, e.c.CreateConversation("I need help"))
	if conv.ID == "" || conv.Preview != "I need help" {
		t.Fatalf("conversation %+v", conv)
	}
	ev := e.rec.waitFor(t, func(r recorded) bool { return r.name == EventConversationCreate })
	if ev.payload.(*Conversation).ID != conv.ID {
		t.Fatalf("onConversationCreate %+v", ev.payload)
	}
	reqs := e.api.requests("/v1/identities/anonymous")
	if len(reqs) != 1 {
		t.Fatalf("%d anonymous requests", len(reqs))
	}
	var body map[string]string
	_ = json.Unmarshal(reqs[0].Body, &body)
	if body["trackingId"] != anon.TrackingID {
		t.Fatalf("anonymous body %v", body)
	}
	id := must(t, e.c.GetIdentity())
	if id.Verified || id.CustomerID == "" || id.TrackingID != anon.TrackingID {
		t.Fatalf("anonymous customer %+v", id)
	}
	st, _ := decodeState(e.stored())
	if st.session == "" || st.identity.CustomerID != id.CustomerID {
		t.Fatalf("stored %s", e.stored())
	}
	// A second conversation reuses the customer.
	must(t, e.c.CreateConversation("another"))
	if n := len(e.api.requests("/v1/identities/anonymous")); n != 1 {
		t.Fatalf("%d anonymous customers", n)
	}

	ann := must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	login := e.api.requests("/v1/identities/login")
	var lb map[string]string
	_ = json.Unmarshal(login[0].Body, &lb)
	if lb["trackingToken"] != st.session || lb["trackingId"] != anon.TrackingID {
		t.Fatalf("login body sends trackingToken %q trackingId %q", lb["trackingToken"], lb["trackingId"])
	}
	if ann.TrackingID != anon.TrackingID {
		t.Fatal("login changed the device id")
	}
	convs := must(t, e.c.GetConversations())
	if len(convs) != 2 {
		t.Fatalf("conversations after login %+v", convs)
	}
}

func TestChatWithoutSessionAndBadArguments(t *testing.T) {
	e := newServiceEnv(t)
	mustFail(t, e.c.SendMessage("conv-1", "hi"), CodeNotFound)
	mustFail(t, e.c.GetMessages("conv-1"), CodeNotFound)
	mustFail(t, e.c.MarkRead("conv-1"), CodeNotFound)
	if convs := must(t, e.c.GetConversations()); convs == nil || len(convs) != 0 {
		t.Fatalf("conversations %#v", convs)
	}
	if n := must(t, e.c.GetUnreadCount()); n != 0 {
		t.Fatalf("unread %d", n)
	}
	mustFail(t, e.c.CreateConversation(""), CodeInvalidArgument)
	mustFail(t, e.c.CreateConversation(" \n\t "), CodeInvalidArgument)
	mustFail(t, e.c.SendMessage("", "hi"), CodeInvalidArgument)
	mustFail(t, e.c.SendMessage("conv-1", "   "), CodeInvalidArgument)
	mustFail(t, e.c.GetMessages(""), CodeInvalidArgument)
	mustFail(t, e.c.MarkRead(""), CodeInvalidArgument)
	if n := len(e.api.requests("")); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

func TestChatFlow(t *testing.T) {
	e := newServiceEnv(t)
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	first := must(t, e.c.CreateConversation("first"))
	second := must(t, e.c.CreateConversation("second"))
	sent := must(t, e.c.SendMessage(first.ID, "more"))
	if sent.Author != "customer" || sent.ConversationID != first.ID || sent.Body != "more" {
		t.Fatalf("message %+v", sent)
	}
	msgs := must(t, e.c.GetMessages(first.ID))
	if len(msgs) != 2 || msgs[0].Body != "first" || msgs[1].Body != "more" {
		t.Fatalf("messages %+v", msgs)
	}
	if n := must(t, e.c.GetUnreadCount()); n != 0 {
		t.Fatalf("unread %d", n)
	}
	e.api.agentReply(t, first.ID, "a1")
	e.api.agentReply(t, second.ID, "a2")
	e.api.agentReply(t, second.ID, "a3")
	if n := must(t, e.c.GetUnreadCount()); n != 3 {
		t.Fatalf("unread %d, want 3", n)
	}
	must(t, e.c.MarkRead(second.ID))
	if n := must(t, e.c.GetUnreadCount()); n != 1 {
		t.Fatalf("unread after markRead %d, want 1", n)
	}
	convs := must(t, e.c.GetConversations())
	if len(convs) != 2 {
		t.Fatalf("conversations %+v", convs)
	}

	// Another customer's conversation, and ids that try to leave the path.
	bob := e.client(NewMemoryStorage(), e.api, newRecorder(), nil)
	must(t, bob.LogIn(e.emailToken("bob@example.com")))
	mustFail(t, bob.GetMessages(first.ID), CodeNotFound)
	mustFail(t, bob.SendMessage(first.ID, "hijack"), CodeNotFound)
	mustFail(t, bob.MarkRead(first.ID), CodeNotFound)
	n := len(e.api.chatRequests())
	mustFail(t, bob.GetMessages(".."), CodeNotFound)
	mustFail(t, bob.GetMessages("."), CodeNotFound)
	if len(e.api.chatRequests()) != n {
		t.Fatal("a dot-segment id was sent")
	}
	mustFail(t, bob.GetMessages("../identities/logout?x=1#"), CodeNotFound)
	last := e.api.requests("/v1/conversations/")
	if got := last[len(last)-1].URL; got != e.base+"/v1/conversations/%2E%2E%2Fidentities%2Flogout%3Fx%3D1%23/messages" {
		t.Fatalf("escaped URL %s", got)
	}
}

func TestChatRequestsCarryTheHeaders(t *testing.T) {
	e := newServiceEnv(t)
	conv := must(t, e.c.CreateConversation("hi"))
	must(t, e.c.SendMessage(conv.ID, "again"))
	must(t, e.c.GetMessages(conv.ID))
	st, _ := decodeState(e.stored())
	for _, r := range e.api.requests("") {
		if r.Header["X-Kustomer-Api-Key"] != testAPIKey {
			t.Fatalf("%s %s without the API key", r.Method, r.URL)
		}
		path := strings.TrimPrefix(r.URL, e.base)
		if path != "/v1/identities/anonymous" && r.Header["Authorization"] != "Bearer "+st.session {
			t.Fatalf("%s %s without the session", r.Method, path)
		}
		if r.Body != nil && r.Header["Content-Type"] != "application/json" {
			t.Fatalf("%s %s body without a JSON content type", r.Method, path)
		}
	}
}

func TestChatErrorMapping(t *testing.T) {
	cases := []struct {
		name    string
		hook    func(Request) (Response, error, bool)
		code    Code
		message string
	}{
		{"offline", func(Request) (Response, error, bool) { return Response{}, errors.New("Failed to fetch"), true }, CodeNetworkError, ""},
		{"api key unknown", status(401, `{"error":{"code":"TOKEN_REJECTED","message":"x"}}`), CodeTokenRejected, ""},
		{"404", status(404, `{"error":{"code":"NOT_FOUND","message":"x"}}`), CodeNotFound, ""},
		{"400", status(400, `{"error":{"code":"INVALID_ARGUMENT","message":"x"}}`), CodeInvalidArgument, ""},
		{"429", status(429, `{"error":{"code":"RATE_LIMITED","message":"x"}}`), CodeRateLimited, ""},
		{"500", status(500, `{"error":{"code":"SERVER_ERROR","message":"x"}}`), CodeServerError, ""},
		{"502 empty", status(502, ``), CodeServerError, ""},
		{"200 garbage", status(200, `<html>`), CodeServerError, ""},
		{"201 wrong types", status(201, `{"message":{"id":1}}`), CodeServerError, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			conv := must(t, e.c.CreateConversation("hi"))
			e.svc.setHook(func(r Request) (Response, error, bool) {
				if strings.Contains(r.URL, "/v1/conversations") {
					return tc.hook(r)
				}
				return Response{}, nil, false
			})
			err := mustFail(t, e.c.SendMessage(conv.ID, "again"), tc.code)
			if !strings.HasPrefix(err.Message, tc.message) {
				t.Fatalf("message %q", err.Message)
			}
			if tc.name != "201 wrong types" {
				mustFail(t, e.c.GetConversations(), tc.code)
				mustFail(t, e.c.GetUnreadCount(), tc.code)
			}
			if !strings.HasPrefix(tc.name, "20") { // markRead reads no body
				mustFail(t, e.c.MarkRead(conv.ID), tc.code)
			}
			e.svc.setHook(nil)
			must(t, e.c.SendMessage(conv.ID, "works again"))
		})
	}
}

func TestAnonymousCustomerCreationFailsCleanly(t *testing.T) {
	e := newEnv(t)
	anon := must(t, e.c.GetIdentity())
	raw := e.stored()
	e.svc.setHook(status(500, `{"error":{"code":"SERVER_ERROR","message":"x"}}`))
	mustFail(t, e.c.CreateConversation("hi"), CodeServerError)
	if e.stored() != raw {
		t.Fatal("storage changed")
	}
	if id := must(t, e.c.GetIdentity()); *id != *anon {
		t.Fatalf("identity %+v", id)
	}
	if names := e.rec.names(); len(names) != 0 {
		t.Fatalf("events %v", names)
	}
}

func TestRequestTimeoutBoundsACall(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	defer close(release)
	c := e.client(e.store, e.svc, e.rec, func(cfg *Config) { cfg.RequestTimeout = 50 * time.Millisecond })
	e.svc.setHook(func(Request) (Response, error, bool) { <-release; return Response{}, nil, false })
	start := time.Now()
	mustFail(t, c.CreateConversation("hi"), CodeNetworkError)
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %v", d)
	}
	must(t, c.IsLoggedIn("email", "x"))
}

// isUUIDv4 tells whether s is a lower-case UUID of version 4, variant 10.
func isUUIDv4(s string) bool {
	return isUUID(s) && s == strings.ToLower(s) && s[14] == '4' && strings.ContainsRune("89ab", rune(s[19]))
}

func TestSendsCarryClientMadeIDs(t *testing.T) {
	e := newServiceEnv(t)
	conv := must(t, e.c.CreateConversation("hello"))
	msg := must(t, e.c.SendMessage(conv.ID, "more"))
	creates := e.api.requests("/v1/conversations")
	var create map[string]string
	if err := json.Unmarshal(creates[0].Body, &create); err != nil || len(create) != 3 {
		t.Fatalf("create body %s", creates[0].Body)
	}
	if !isUUIDv4(create["id"]) || !isUUIDv4(create["messageId"]) || create["id"] == create["messageId"] || create["message"] != "hello" {
		t.Fatalf("create body %v", create)
	}
	if conv.ID != create["id"] {
		t.Fatalf("conversation %q, made %q", conv.ID, create["id"])
	}
	sends := e.api.requests("/v1/conversations/" + conv.ID + "/messages")
	var send map[string]string
	if err := json.Unmarshal(sends[0].Body, &send); err != nil || len(send) != 2 || !isUUIDv4(send["id"]) || send["body"] != "more" {
		t.Fatalf("send body %s", sends[0].Body)
	}
	if msg.ID != send["id"] {
		t.Fatalf("message %q, made %q", msg.ID, send["id"])
	}
	if send["id"] == create["messageId"] || send["id"] == create["id"] {
		t.Fatal("ids repeat")
	}
}

func TestConflictIsInvalidArgument(t *testing.T) {
	e := newEnv(t)
	conv := must(t, e.c.CreateConversation("hello"))
	e.svc.setHook(status(409, `{"error":{"code":"CONFLICT","message":"id used"}}`))
	mustFail(t, e.c.SendMessage(conv.ID, "again"), CodeInvalidArgument)
	mustFail(t, e.c.CreateConversation("new"), CodeInvalidArgument)
}
