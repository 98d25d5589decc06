package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func session(t *testing.T, s Store, trackingID string) Session {
	t.Helper()
	ctx := context.Background()
	_, tok, err := s.CreateAnonymous(ctx, trackingID, t0)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.Session(ctx, tok, t0)
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

// annOn logs ann@example.com in on device at t0.
func annOn(t *testing.T, s Store, device string) Session {
	t.Helper()
	ctx := context.Background()
	res, err := s.Login(ctx, LoginParams{Email: "ann@example.com", TrackingID: device, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.Session(ctx, res.SessionToken, t0)
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

func testChatScopedToCustomer(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	_, tokA, _ := s.CreateAnonymous(ctx, "a", t0)
	_, tokB, _ := s.CreateAnonymous(ctx, "b", t0)
	a, _ := s.Session(ctx, tokA, t0)
	b, _ := s.Session(ctx, tokB, t0)
	conv, _, _, err := s.CreateConversation(ctx, a, NewMessage{Body: "hello", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Messages(ctx, b.CustomerID, conv.ID, Page{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Messages across customers: %v", err)
	}
	if _, _, err := s.AddMessage(ctx, b, NewMessage{ConversationID: conv.ID, Body: "intrude", Now: t0}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("AddMessage across customers: %v", err)
	}
	if err := s.MarkRead(ctx, b.CustomerID, conv.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("MarkRead across customers: %v", err)
	}
	if convs, _, _ := s.Conversations(ctx, b.CustomerID, Page{}); len(convs) != 0 {
		t.Fatalf("b sees %d conversations", len(convs))
	}
	msgs, _, err := s.Messages(ctx, a.CustomerID, conv.ID, Page{})
	if err != nil || len(msgs) != 1 || msgs[0].Body != "hello" {
		t.Fatalf("owner's messages = %+v, %v", msgs, err)
	}
}

func TestPreviewBoundedInRunes(t *testing.T) {
	long := strings.Repeat("é", 200)
	if got := preview(long); len([]rune(got)) != PreviewRunes || !strings.HasPrefix(long, got) {
		t.Fatalf("preview has %d runes", len([]rune(got)))
	}
	if got := preview("short"); got != "short" {
		t.Fatalf("preview(short) = %q", got)
	}
}

func testRepeatedCreateConversationAnswersItAsItIsNow(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	sess := session(t, s, "a")
	first := NewMessage{ConversationID: "6f1c2b9e-0d4a-4c3b-9a57-1f0e2d3c4b5a", ID: "0b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", Body: "first", Now: t0}
	conv, msg, created, err := s.CreateConversation(ctx, sess, first)
	if err != nil || !created {
		t.Fatalf("CreateConversation = %v, %v", created, err)
	}
	reply, _, err := s.AgentReply(ctx, AgentReply{ConversationID: conv.ID, Body: "a reply", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []NewMessage{first, {ConversationID: first.ConversationID, Body: "first", Now: t0}} {
		again, stored, created, err := s.CreateConversation(ctx, sess, m)
		if err != nil || created {
			t.Fatalf("repeat = %v, %v", created, err)
		}
		if stored.ID != msg.ID || stored.Seq != msg.Seq {
			t.Fatalf("repeat answered message %+v, want %+v", stored, msg)
		}
		if again.Unread != 1 || again.Preview != reply.Body {
			t.Fatalf("repeat answered %+v, want the conversation as it is now", again)
		}
	}
}

func testClientIDsOfOthersConflict(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	a, b := session(t, s, "a"), session(t, s, "b")
	const annConv, annMsg, otherID = "6f1c2b9e-0d4a-4c3b-9a57-1f0e2d3c4b5a", "0b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "a1b2c3d4-e5f6-4789-8abc-def012345678"
	if _, _, _, err := s.CreateConversation(ctx, a, NewMessage{ConversationID: annConv, ID: annMsg, Body: "a's", Now: t0}); err != nil {
		t.Fatal(err)
	}
	aOther, _, _, err := s.CreateConversation(ctx, a, NewMessage{Body: "a's other", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	bConv, _, _, err := s.CreateConversation(ctx, b, NewMessage{Body: "b's", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"b takes a's conversation id": errOf4(s.CreateConversation(ctx, b, NewMessage{ConversationID: annConv, Body: "x", Now: t0})),
		"b takes a's message id":      errOf4(s.CreateConversation(ctx, b, NewMessage{ID: annMsg, Body: "x", Now: t0})),
		"b sends a's message id":      errOf3(s.AddMessage(ctx, b, NewMessage{ConversationID: bConv.ID, ID: annMsg, Body: "x", Now: t0})),
		"a's id in a's other":         errOf3(s.AddMessage(ctx, a, NewMessage{ConversationID: aOther.ID, ID: annMsg, Body: "x", Now: t0})),
		"a's conversation, new first": errOf4(s.CreateConversation(ctx, a, NewMessage{ConversationID: annConv, ID: otherID, Body: "x", Now: t0})),
	} {
		if !errors.Is(err, ErrConflict) {
			t.Errorf("%s: %v, want ErrConflict", name, err)
		}
	}
	// Into a conversation that is not b's, an id changes nothing: not found.
	if _, _, err := s.AddMessage(ctx, b, NewMessage{ConversationID: annConv, ID: annMsg, Body: "x", Now: t0}); !errors.Is(err, ErrNotFound) {
		t.Errorf("b sends a's message into a's conversation: %v, want ErrNotFound", err)
	}
	if convs, _, _ := s.Conversations(ctx, b.CustomerID, Page{}); len(convs) != 1 {
		t.Fatalf("b has %d conversations after the conflicts, want 1", len(convs))
	}
	for _, conv := range []string{annConv, aOther.ID} {
		if msgs, _, _ := s.Messages(ctx, a.CustomerID, conv, Page{}); len(msgs) != 1 {
			t.Fatalf("a's conversation %s has %d messages, want 1", conv, len(msgs))
		}
	}
}

func errOf4[A, B, C any](_ A, _ B, _ C, err error) error { return err }

func errOf3[A, B any](_ A, _ B, err error) error { return err }

func testAgentAuthorName(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	sess := session(t, s, "a")
	conv, _, _, err := s.CreateConversation(ctx, sess, NewMessage{Body: "hi", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	named, _, err := s.AgentReply(ctx, AgentReply{ConversationID: conv.ID, Body: "hello", AuthorName: "Dana", Now: t0})
	if err != nil || named.AuthorName != "Dana" {
		t.Fatalf("AgentReply = %+v, %v", named, err)
	}
	if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: conv.ID, Body: "anonymous agent", Now: t0}); err != nil {
		t.Fatal(err)
	}
	msgs, _, err := s.Messages(ctx, sess.CustomerID, conv.ID, Page{})
	if err != nil || len(msgs) != 3 || msgs[0].AuthorName != "" || msgs[1].AuthorName != "Dana" || msgs[2].AuthorName != "" {
		t.Fatalf("messages = %+v, %v", msgs, err)
	}
	if nulls := s.scalar(t, `SELECT COUNT(*) FROM messages WHERE author_name IS NULL`); nulls != 2 {
		t.Fatalf("%d NULL author names, want 2 (no name is NULL, not '')", nulls)
	}
}

// A conversation started with a session read just before its customer was
// erased finds the customer gone: the session is, too.
func testCreateConversationAfterEraseIsSessionInvalid(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	sess := session(t, s, "device")
	startConversation(t, s, sess, "hello", t0)
	if err := s.EraseCustomer(ctx, sess.CustomerID); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.CreateConversation(ctx, sess, NewMessage{Body: "still there?", Now: t0}); !errors.Is(err, ErrSessionInvalid) {
		t.Fatalf("a conversation for the erased customer: %v, want ErrSessionInvalid", err)
	}
}

// Events answer only while the session is live: each read checks it, so a
// long poll needs no other read to end when its session does.
func testEventsAnswerOnlyALiveSession(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{AnonymousIdle: time.Hour})
	events := func(sess Session, now time.Time) error {
		t.Helper()
		ev, err := s.Events(ctx, sess, 0, 10, now)
		if err == nil && len(ev.Messages) != 1 {
			t.Fatalf("events %+v, want the agent's reply", ev)
		}
		return err
	}
	live := func(name string, sess Session, now time.Time) {
		t.Helper()
		if err := events(sess, now); err != nil {
			t.Fatalf("%s: %v, want the events", name, err)
		}
	}
	ended := func(name string, sess Session, now time.Time) {
		t.Helper()
		if err := events(sess, now); !errors.Is(err, ErrSessionInvalid) {
			t.Fatalf("%s: %v, want ErrSessionInvalid", name, err)
		}
	}
	tok := anonymous(t, s, "phone", t0)
	sess, err := s.Session(ctx, tok, t0)
	if err != nil {
		t.Fatal(err)
	}
	conv := startConversation(t, s, sess, "hello", t0)
	if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: conv.ID, Body: "hi", Now: t0}); err != nil {
		t.Fatal(err)
	}
	live("a live session", sess, t0.Add(59*time.Minute))
	ended("an idle one", sess, t0.Add(61*time.Minute))
	other := session(t, s, "laptop")
	ended("another customer's session", Session{ID: other.ID, CustomerID: sess.CustomerID, IdentityID: sess.IdentityID}, t0)
	if err := s.RevokeSession(ctx, tok, t0); err != nil {
		t.Fatal(err)
	}
	ended("a revoked one", sess, t0)

	kept := session(t, s, "tablet")
	conv = startConversation(t, s, kept, "hello", t0)
	if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: conv.ID, Body: "hi", Now: t0}); err != nil {
		t.Fatal(err)
	}
	live("before the erase", kept, t0)
	if err := s.EraseCustomer(ctx, kept.CustomerID); err != nil {
		t.Fatal(err)
	}
	ended("an erased customer's", kept, t0)
}

// A device's events leave out what it sent itself on any of its sessions (a
// session its next login or a renewal replaced, as well as the current one),
// and carry what the customer's other devices sent and the agents' replies.
func testEventsLeaveOutWhatTheDeviceSentOnAnySession(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	phone, laptop := annOn(t, s, "phone"), annOn(t, s, "laptop")
	conv := startConversation(t, s, phone, "phone, first session", t0)
	phoneAgain := annOn(t, s, "phone")
	if phoneAgain.ID == phone.ID || phoneAgain.IdentityID != phone.IdentityID {
		t.Fatalf("the phone's second login %+v after %+v: want a new session of the same device", phoneAgain, phone)
	}
	for _, m := range []struct {
		sess Session
		body string
	}{{phoneAgain, "phone, second session"}, {laptop, "laptop"}} {
		if _, _, err := s.AddMessage(ctx, m.sess, NewMessage{ConversationID: conv.ID, Body: m.body, Now: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: conv.ID, Body: "agent", Now: t0}); err != nil {
		t.Fatal(err)
	}
	bodies := func(sess Session) []string {
		t.Helper()
		ev, err := s.Events(ctx, sess, 0, 10, t0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ev.Messages {
			out = append(out, m.Body)
		}
		return out
	}
	if got := bodies(phoneAgain); strings.Join(got, "|") != "laptop|agent" {
		t.Fatalf("the phone's events = %q, want the laptop's message and the agent's", got)
	}
	if got := bodies(laptop); strings.Join(got, "|") != "phone, first session|phone, second session|agent" {
		t.Fatalf("the laptop's events = %q, want both of the phone's and the agent's", got)
	}
}
