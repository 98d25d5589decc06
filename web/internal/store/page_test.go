package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// pages reads a whole list through its cursors, failing on a repeat.
func pages[T any](t *testing.T, size int, read func(Page) ([]T, string, error), key func(T) string) []T {
	t.Helper()
	var all []T
	seen := map[string]bool{}
	cursor := ""
	for range 100 {
		items, next, err := read(Page{Cursor: cursor, Limit: size})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) > size {
			t.Fatalf("page of %d items, limit %d", len(items), size)
		}
		for _, it := range items {
			if seen[key(it)] {
				t.Fatalf("%s on two pages", key(it))
			}
			seen[key(it)] = true
		}
		all = append(all, items...)
		if next == "" {
			return all
		}
		cursor = next
	}
	t.Fatal("cursors never end")
	return nil
}

// Conversations whose last messages share a millisecond still page without a
// gap or a repeat: the seq breaks the tie.
func testListsPageThroughEverything(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	sess := session(t, s, "a")
	other := session(t, s, "b")
	const convs = 7
	for i := range convs {
		at := t0.Add(time.Duration(i/3) * time.Millisecond) // three per millisecond
		if _, _, _, err := s.CreateConversation(ctx, sess, NewMessage{Body: fmt.Sprint("c", i), Now: at}); err != nil {
			t.Fatal(err)
		}
	}
	conv, _, _, err := s.CreateConversation(ctx, other, NewMessage{Body: "m0", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 5; i++ {
		if _, _, err := s.AddMessage(ctx, other, NewMessage{ConversationID: conv.ID, Body: fmt.Sprint("m", i), Now: t0}); err != nil {
			t.Fatal(err)
		}
	}

	got := pages(t, 3, func(p Page) ([]Conversation, string, error) { return s.Conversations(ctx, sess.CustomerID, p) },
		func(c Conversation) string { return c.ID })
	if len(got) != convs {
		t.Fatalf("%d conversations over the pages, want %d", len(got), convs)
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if a.LastMessageAt.Before(b.LastMessageAt) || a.LastMessageAt.Equal(b.LastMessageAt) && a.LastSeq < b.LastSeq {
			t.Fatalf("out of order at %d: %+v then %+v", i, a, b)
		}
	}
	if all := pages(t, 2, func(p Page) ([]AgentConversation, string, error) { return s.AgentConversations(ctx, FilterAll, p) },
		func(c AgentConversation) string { return c.ID }); len(all) != convs+1 {
		t.Fatalf("agent pages hold %d conversations, want %d", len(all), convs+1)
	}
	msgs := pages(t, 2, func(p Page) ([]Message, string, error) { return s.Messages(ctx, other.CustomerID, conv.ID, p) },
		func(m Message) string { return m.ID })
	for i, m := range msgs {
		if m.Body != fmt.Sprint("m", i) {
			t.Fatalf("message %d is %q", i, m.Body)
		}
	}
	if len(msgs) != 5 {
		t.Fatalf("%d messages over the pages, want 5", len(msgs))
	}
}

func testPageSizeBounded(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	sess := session(t, s, "a")
	conv, _, _, err := s.CreateConversation(ctx, sess, NewMessage{Body: "m", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	for range MaxPage {
		if _, _, err := s.AddMessage(ctx, sess, NewMessage{ConversationID: conv.ID, Body: "m", Now: t0}); err != nil {
			t.Fatal(err)
		}
	}
	for _, limit := range []int{0, -1, MaxPage + 1, 1 << 30} {
		msgs, next, err := s.Messages(ctx, sess.CustomerID, conv.ID, Page{Limit: limit})
		if err != nil || len(msgs) != MaxPage || next == "" {
			t.Fatalf("limit %d: %d messages, next %q, %v; want %d and a cursor", limit, len(msgs), next, err, MaxPage)
		}
	}
}

func testForeignCursorsRefused(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	sess := session(t, s, "a")
	conv, _, _, err := s.CreateConversation(ctx, sess, NewMessage{Body: "m", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	msgCursor, convCursor := messageCursorOf(Message{Seq: 1}), conversationCursorOf(conv)
	for _, c := range []string{"x", "!!", convCursor + "A", encodeCursor(messageCursor, 1, 2), "bS5h"} {
		if _, _, err := s.Messages(ctx, sess.CustomerID, conv.ID, Page{Cursor: c}); !errors.Is(err, ErrBadCursor) {
			t.Fatalf("messages cursor %q: %v, want ErrBadCursor", c, err)
		}
	}
	if _, _, err := s.Messages(ctx, sess.CustomerID, conv.ID, Page{Cursor: convCursor}); !errors.Is(err, ErrBadCursor) {
		t.Fatalf("a conversations cursor on messages: %v", err)
	}
	for _, read := range []func(Page) error{
		func(p Page) error { _, _, err := s.Conversations(ctx, sess.CustomerID, p); return err },
		func(p Page) error { _, _, err := s.AgentConversations(ctx, FilterAll, p); return err },
		func(p Page) error { _, _, err := s.AgentConversations(ctx, FilterOpen, p); return err },
		func(p Page) error { _, _, err := s.CustomerConversations(ctx, sess.CustomerID, p); return err },
	} {
		if err := read(Page{Cursor: msgCursor}); !errors.Is(err, ErrBadCursor) {
			t.Fatalf("a messages cursor on conversations: %v", err)
		}
	}
}

func testLoginBoundsLiveSessions(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	const max = 3
	var tokens []string
	for i := range 5 {
		res, err := s.Login(ctx, LoginParams{Email: "ann@example.com", TrackingID: fmt.Sprint("d", i), MaxSessions: max, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, res.SessionToken)
	}
	for i, tok := range tokens {
		_, err := s.Session(ctx, tok, t0)
		if live := i >= len(tokens)-max; live != (err == nil) {
			t.Fatalf("session %d: %v; want live %v (the %d newest)", i, err, live, max)
		}
	}
	// Another customer's sessions are not counted nor revoked.
	bob, err := s.Login(ctx, LoginParams{Email: "bob@example.com", TrackingID: "d", MaxSessions: 1, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, bob.SessionToken, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, tokens[len(tokens)-1], t0); err != nil {
		t.Fatalf("bob's login revoked ann's session: %v", err)
	}
}
