package store

import (
	"context"
	"testing"
	"time"
)

// Seqs do not commit in order: a reply whose transaction began first (lower
// seq) may touch the conversation after a later one committed. The later
// message stays the conversation's last; the counters take both.
func TestPostgresAgentReplyOutOfSeqOrderKeepsTheLastMessage(t *testing.T) {
	ctx := context.Background()
	s := openPostgres(t, SessionPolicy{})
	c := startConversation(t, s, session(t, s, "d"), "hello", t0)

	early, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Rollback(ctx)
	if _, err := early.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil { // takes its xid, the lower seq
		t.Fatal(err)
	}
	late, _, err := s.AgentReply(ctx, AgentReply{ConversationID: c.ID, Body: "late", Now: t0.Add(2 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	var seq int64
	if err := early.QueryRow(ctx, `INSERT INTO messages (id, conversation_id, customer_id, author, body, created_at)
		VALUES ($1, $2, $3, 'agent', 'early', $4) RETURNING seq`, newID(), c.ID, c.CustomerID, millis(t0.Add(time.Second))).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	if seq >= late.Seq {
		t.Fatalf("seq %d of the earlier transaction, not below %d", seq, late.Seq)
	}
	if _, err := early.Exec(ctx, pgTouchByAgent, millis(t0.Add(time.Second)), seq, "early", c.ID); err != nil {
		t.Fatal(err)
	}
	if err := early.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got := agentConv(t, s, c.ID)
	if got.LastSeq != late.Seq || got.Preview != "late" || !got.LastMessageAt.Equal(late.CreatedAt) || got.Unread != 2 {
		t.Fatalf("conversation %+v, want the last message seq %d \"late\" and 2 unread", got, late.Seq)
	}
}

// A login moving an anonymous customer's conversation to the identified one
// while an agent replies in it: the reply ends up with the identified
// customer, whichever commits first.
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

	// The adoption's moves, as adoptAnonymous makes them, held open.
	move, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer move.Rollback(ctx)
	if _, err := move.Exec(ctx, `UPDATE conversations SET customer_id = $1 WHERE customer_id = $2`, to, anon.CustomerID); err != nil {
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
	if _, err := move.Exec(ctx, `UPDATE messages SET customer_id = $1 WHERE customer_id = $2`, to, anon.CustomerID); err != nil {
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
	if _, err := storing.Exec(ctx, `INSERT INTO messages (id, conversation_id, customer_id, author, body, created_at)
		VALUES ($1, $2, $3, 'customer', 'more', $4)`, newID(), c.ID, c.CustomerID, millis(t0)); err != nil {
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
