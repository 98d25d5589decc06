package store

import (
	"context"
	"testing"
	"time"
)

// An agent's reply whose transaction took its id (the lower seq) first but
// stores the reply last: the conversation's last message is the one
// committed last, and the customer's feed has it last.
func TestPostgresAgentReplyCommittedLastIsTheLastMessage(t *testing.T) {
	ctx := context.Background()
	s := openPostgres(t, SessionPolicy{})
	sess := session(t, s, "d")
	c := startConversation(t, s, sess, "hello", t0)

	early, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Rollback(ctx)
	if _, err := early.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil { // takes its xid, the lower seq
		t.Fatal(err)
	}
	second, _, err := s.AgentReply(ctx, AgentReply{ConversationID: c.ID, Body: "second", Now: t0.Add(2 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	third, err := scanMessage(early.QueryRow(ctx, pgInsertAgentMessage, newID(), nil, nil, "third", millis(t0.Add(time.Second)), c.ID))
	if err != nil {
		t.Fatal(err)
	}
	if third.Seq >= second.Seq {
		t.Fatalf("seq %d of the earlier transaction, not below %d: the test tests nothing", third.Seq, second.Seq)
	}
	if _, err := early.Exec(ctx, pgTouchByAgent, millis(third.CreatedAt), third.Seq, "third", c.ID); err != nil {
		t.Fatal(err)
	}
	if err := early.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got := agentConv(t, s, c.ID)
	if got.LastSeq != third.Seq || got.Preview != "third" || !got.LastMessageAt.Equal(third.CreatedAt) || got.Unread != 2 {
		t.Fatalf("conversation %+v, want the last message seq %d \"third\" and 2 unread", got, third.Seq)
	}
	ev, err := s.Events(ctx, sess, 0, 10, t0)
	if err != nil || len(ev.Messages) != 2 || ev.Messages[0].ID != second.ID || ev.Messages[1].ID != third.ID {
		t.Fatalf("the customer's events = %+v, %v", ev, err)
	}
	// The agents' history pages follow the commit order too, one message a
	// page, and answer the agents' seqs.
	for order, want := range map[Order][]Message{OldestFirst: {second, third}, NewestFirst: {third, second}} {
		var got []Message
		page := Page{Limit: 1}
		for {
			msgs, next, err := s.AgentMessages(ctx, c.ID, order, page)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, msgs...)
			if next == "" {
				break
			}
			page.Cursor = next
		}
		if order == OldestFirst {
			got = got[1:] // "hello"
		} else {
			got = got[:2]
		}
		if len(got) != 2 || got[0].ID != want[0].ID || got[0].Seq != want[0].Seq || got[1].ID != want[1].ID || got[1].Seq != want[1].Seq {
			t.Fatalf("%s history %+v, want %+v", order, got, want)
		}
	}
}

// A login moving an anonymous customer's conversation to the identified one
// while an agent replies in it: the reply, which read the conversation as
// the anonymous customer's and waited for its row, is stored again for the
// identified customer, after the moved history in its feed.
func TestPostgresAgentReplyDuringAnAdoption(t *testing.T) {
	ctx := context.Background()
	s := openPostgres(t, SessionPolicy{})
	anon := session(t, s, "d")
	c := startConversation(t, s, anon, "hello", t0)
	ann, err := s.Login(ctx, LoginParams{Email: "ann@example.com", TrackingID: "e", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	to := ann.Identity.CustomerID

	// The adoption, as Login makes it, held open.
	move, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer move.Rollback(ctx)
	if _, err := move.Exec(ctx, `SELECT 1 FROM customers WHERE id = $1 FOR UPDATE`, to); err != nil {
		t.Fatal(err)
	}
	if _, err := move.Exec(ctx, `SELECT 1 FROM customers WHERE id = $1 FOR NO KEY UPDATE`, anon.CustomerID); err != nil {
		t.Fatal(err)
	}
	type result struct {
		m   Message
		err error
	}
	replied := make(chan result, 1)
	go func() {
		m, _, err := s.AgentReply(ctx, AgentReply{ConversationID: c.ID, Body: "hi", Now: t0})
		replied <- result{m, err}
	}()
	waitForALockWait(t, s)
	if err := pgMoveCustomer(ctx, move, anon.CustomerID, to, millis(t0)); err != nil {
		t.Fatal(err)
	}
	if err := move.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-replied
	if r.err != nil {
		t.Fatal(r.err)
	}
	var owner string
	if err := s.pool.QueryRow(ctx, `SELECT customer_id FROM messages WHERE id = $1`, r.m.ID).Scan(&owner); err != nil {
		t.Fatal(err)
	}
	if owner != to || r.m.CustomerID != to {
		t.Fatalf("the reply is stored for %s (answered %s), want the adopting customer %s", owner, r.m.CustomerID, to)
	}
	annSess, err := s.Session(ctx, ann.SessionToken, t0)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := s.Events(ctx, annSess, 0, 10, t0)
	if err != nil || len(ev.Messages) != 2 || ev.Messages[0].Body != "hello" || ev.Messages[1].ID != r.m.ID {
		t.Fatalf("the identified customer's events = %+v, %v", ev, err)
	}
}

// waitForALockWait returns once a connection of the store waits for a row lock.
func waitForALockWait(t *testing.T, s *Postgres) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var n int
		if err := s.pool.QueryRow(context.Background(), `SELECT COUNT(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
	t.Fatal("no connection came to wait for a lock")
}

// An erase while a message of the customer is being stored: the erase waits
// for it (the customer's row lock) and deletes it too, rather than failing
// on the message's foreign keys or leaving it behind.
func TestPostgresEraseWaitsForAMessageBeingStored(t *testing.T) {
	ctx := context.Background()
	s := openPostgres(t, SessionPolicy{})
	c := startConversation(t, s, session(t, s, "d"), "hello", t0)

	storing, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer storing.Rollback(ctx)
	more := pgNewCustomerMessage(Session{CustomerID: c.CustomerID}, NewMessage{ConversationID: c.ID, Body: "more", Now: t0}, millis(t0))
	if _, err := storing.Exec(ctx, pgInsertMessage, pgInsertMessageArgs(Session{CustomerID: c.CustomerID}, more)...); err != nil {
		t.Fatal(err)
	}
	erased := make(chan error, 1)
	go func() { erased <- s.EraseCustomer(ctx, c.CustomerID) }()
	waitForALockWait(t, s)
	if err := storing.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-erased; err != nil {
		t.Fatal(err)
	}
	var left int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE customer_id = $1`, c.CustomerID).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d messages left (%v)", left, err)
	}
}
