package store

import (
	"context"
	"sync"
	"testing"
)

// The invariants a store with many writers (several service instances on one
// database) must keep, raced by goroutines. SQLite keeps them by its single
// writer; another engine has to by its keys and locks.

// Concurrent writers all succeed (SQLite queues them on its single writer
// connection rather than fail with SQLITE_BUSY), and seq values come out
// distinct and increasing.
func testConcurrentWrites(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	_, tok, _ := s.CreateAnonymous(ctx, "a", t0)
	sess, _ := s.Session(ctx, tok, t0)
	conv, _, _, err := s.CreateConversation(ctx, sess, NewMessage{Body: "first", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for range 8 {
		wg.Go(func() {
			for range 25 {
				if _, _, err := s.AddMessage(ctx, sess, NewMessage{ConversationID: conv.ID, Body: "m", Now: t0}); err != nil {
					errs <- err
				}
				if _, err := s.Events(ctx, sess, 0, 10); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	msgs := pages(t, MaxPage, func(p Page) ([]Message, string, error) { return s.Messages(ctx, sess.CustomerID, conv.ID, p) },
		func(m Message) string { return m.ID })
	if len(msgs) != 201 {
		t.Fatalf("%d messages, want 201", len(msgs))
	}
	for i := 1; i < len(msgs); i++ {
		if msgs[i].Seq <= msgs[i-1].Seq {
			t.Fatalf("seq not increasing: %d then %d", msgs[i-1].Seq, msgs[i].Seq)
		}
	}
}

// Many sends of one message at once, as retries racing a slow answer would
// be (on SQLite they share the writer's group commits): exactly one stores it.
func testConcurrentRepeatsStoreOnce(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	sess := session(t, s, "a")
	const convID, firstID, msgID = "6f1c2b9e-0d4a-4c3b-9a57-1f0e2d3c4b5a", "0b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "a1b2c3d4-e5f6-4789-8abc-def012345678"

	const n = 32
	type result struct {
		msg     Message
		created bool
		err     error
	}
	var wg sync.WaitGroup
	convs, sends := make([]result, n), make([]result, n)
	for i := range n {
		wg.Go(func() {
			var r result
			_, r.msg, r.created, r.err = s.CreateConversation(ctx, sess, NewMessage{ConversationID: convID, ID: firstID, Body: "first", Now: t0})
			convs[i] = r
		})
	}
	wg.Wait()
	for i := range n {
		wg.Go(func() {
			var r result
			r.msg, r.created, r.err = s.AddMessage(ctx, sess, NewMessage{ConversationID: convID, ID: msgID, Body: "again", Now: t0})
			sends[i] = r
		})
	}
	wg.Wait()
	for name, rs := range map[string][]result{"CreateConversation": convs, "AddMessage": sends} {
		created := 0
		for _, r := range rs {
			if r.err != nil {
				t.Fatalf("%s: %v", name, r.err)
			}
			if r.created {
				created++
			}
			if r.msg.Seq != rs[0].msg.Seq || r.msg.ID != rs[0].msg.ID {
				t.Fatalf("%s answered %+v and %+v", name, r.msg, rs[0].msg)
			}
		}
		if created != 1 {
			t.Fatalf("%s created %d times, want once", name, created)
		}
	}
	msgs, _, err := s.Messages(ctx, sess.CustomerID, convID, Page{})
	if err != nil || len(msgs) != 2 || msgs[0].ID != firstID || msgs[1].ID != msgID {
		t.Fatalf("messages = %+v, %v; want %s then %s once each", msgs, err, firstID, msgID)
	}
	if convs, _, _ := s.Conversations(ctx, sess.CustomerID, Page{}); len(convs) != 1 || convs[0].Preview != "again" {
		t.Fatalf("conversations = %+v", convs)
	}
}

// Two tabs of one device racing to log in leave one live session; another
// device of the same customer keeps its own.
func testConcurrentLoginsOfOneDeviceLeaveOneLiveSession(t *testing.T, open engine) {
	s := open(t, DefaultSessionPolicy)
	other := login(t, s, "sam@example.com", "dev-other", t0)
	var wg sync.WaitGroup
	tokens := make([]string, 50)
	for i := range tokens {
		wg.Go(func() { tokens[i] = login(t, s, "sam@example.com", "dev-1", t0) })
	}
	wg.Wait()
	if live := s.scalar(t, `SELECT COUNT(*) FROM sessions s JOIN tracking_identities i ON i.id = s.identity_id
		WHERE i.tracking_id = 'dev-1' AND s.revoked_at IS NULL`); live != 1 {
		t.Fatalf("%d live sessions on the device, want 1", live)
	}
	n := 0
	for _, tok := range tokens {
		if _, err := s.Session(context.Background(), tok, t0); err == nil {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d of 50 tokens still answer, want 1", n)
	}
	wantSession(t, s, other, t0, true)
}
