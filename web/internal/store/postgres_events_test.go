package store

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store/pgtest"
)

// A message of one customer still being stored holds back no other
// customer's poll: with one sequence for all and a horizon, it held every
// poll back until it committed (up to maxHeldBack).
func TestPostgresAnotherCustomersOpenWriteHoldsNoPollBack(t *testing.T) {
	ctx := context.Background()
	s := openPostgres(t, SessionPolicy{})
	a := session(t, s, "a")
	convA := startConversation(t, s, a, "a's first", t0)
	b := session(t, s, "b")
	convB := startConversation(t, s, b, "b's first", t0)
	cursor, err := s.LatestEvents(ctx, b.CustomerID)
	if err != nil {
		t.Fatal(err)
	}

	storing, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer storing.Rollback(ctx)
	open := pgNewCustomerMessage(a, NewMessage{ConversationID: convA.ID, Body: "still being stored"}, millis(t0))
	if _, err := storing.Exec(ctx, pgInsertMessage, pgInsertMessageArgs(a, open)...); err != nil {
		t.Fatal(err)
	}
	reply, _, err := s.AgentReply(ctx, AgentReply{ConversationID: convB.ID, Body: "to b", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ev, err := s.Events(ctx, b, cursor.Cursor, 10, t0)
	if err != nil || len(ev.Messages) != 1 || ev.Messages[0].ID != reply.ID || ev.Cursor != ev.Messages[0].Seq || ev.Unread != 1 {
		t.Fatalf("b's events after %v: %+v, %v; want the reply", time.Since(start), ev, err)
	}
}

// A customer's messages take turns: one waits for the customer's message
// still being stored, and has the next customer_seq once that one commits.
func TestPostgresACustomersMessagesTakeTurns(t *testing.T) {
	ctx := context.Background()
	s := openPostgres(t, SessionPolicy{})
	a := session(t, s, "a")
	conv := startConversation(t, s, a, "first", t0)

	storing, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer storing.Rollback(ctx)
	first := pgNewCustomerMessage(a, NewMessage{ConversationID: conv.ID, Body: "second"}, millis(t0))
	if err := storing.QueryRow(ctx, pgInsertMessage, pgInsertMessageArgs(a, first)...).Scan(&first.Seq, new(int64)); err != nil {
		t.Fatal(err)
	}
	type result struct {
		m   Message
		err error
	}
	added := make(chan result, 1)
	go func() {
		m, _, err := s.AddMessage(ctx, a, NewMessage{ConversationID: conv.ID, Body: "third", Now: t0})
		added <- result{m, err}
	}()
	waitForALockWait(t, s)
	select {
	case r := <-added:
		t.Fatalf("stored while the customer's message before it was open: %+v, %v", r.m, r.err)
	default:
	}
	if err := storing.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-added
	if r.err != nil || r.m.Seq != first.Seq+1 {
		t.Fatalf("the message after: %+v, %v; want customer_seq %d", r.m, r.err, first.Seq+1)
	}
}

// The history an adoption moves comes after the identified customer's own
// messages in its feed, in its order: the customer's other device, polling,
// receives it, and the adopting device's login cursor is past it.
func TestPostgresAdoptedHistoryComesAfterTheCustomersOwn(t *testing.T) {
	ctx := context.Background()
	s := openPostgres(t, SessionPolicy{})
	login := func(trackingID, trackingToken string) LoginResult {
		t.Helper()
		res, err := s.Login(ctx, LoginParams{Email: "ann@example.com", TrackingID: trackingID, TrackingToken: trackingToken, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	phone := login("phone", "")
	phoneSess, err := s.Session(ctx, phone.SessionToken, t0)
	if err != nil {
		t.Fatal(err)
	}
	own := startConversation(t, s, phoneSess, "from the phone", t0)
	if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: own.ID, Body: "reply on the phone", Now: t0}); err != nil {
		t.Fatal(err)
	}
	polled, err := s.Events(ctx, phoneSess, 0, 10, t0)
	if err != nil || len(polled.Messages) != 1 {
		t.Fatalf("the phone's events = %+v, %v", polled, err)
	}

	_, tok, err := s.CreateAnonymous(ctx, "laptop", t0)
	if err != nil {
		t.Fatal(err)
	}
	anon, err := s.Session(ctx, tok, t0)
	if err != nil {
		t.Fatal(err)
	}
	moved := startConversation(t, s, anon, "before logging in", t0)
	for _, body := range []string{"one", "two"} {
		if _, _, err := s.AddMessage(ctx, anon, NewMessage{ConversationID: moved.ID, Body: body, Now: t0}); err != nil {
			t.Fatal(err)
		}
	}
	laptop := login("laptop", tok)
	if laptop.MergedFrom != anon.CustomerID {
		t.Fatalf("merged from %q, want %q", laptop.MergedFrom, anon.CustomerID)
	}

	ev, err := s.Events(ctx, phoneSess, polled.Cursor, 10, t0)
	var bodies []string
	for _, m := range ev.Messages {
		bodies = append(bodies, m.Body)
		if m.CustomerID != phoneSess.CustomerID {
			t.Fatalf("moved message %+v is not the identified customer's", m)
		}
	}
	if err != nil || len(bodies) != 3 || bodies[0] != "before logging in" || bodies[2] != "two" || ev.Cursor != laptop.Cursor {
		t.Fatalf("the phone's events after the adoption = %q (cursor %d), %v; want the moved history up to the login's cursor %d", bodies, ev.Cursor, err, laptop.Cursor)
	}
	history, _, err := s.Messages(ctx, phoneSess.CustomerID, moved.ID, Page{})
	if err != nil || len(history) != 3 || history[0].Seq != ev.Messages[0].Seq || history[2].Seq != laptop.Cursor {
		t.Fatalf("the moved history = %+v, %v", history, err)
	}
}

// A database of schema 2 with messages: each keeps its seq as customer_seq
// and each customer's counter starts at its highest, so a cursor a device
// holds still names the same place in its feed.
func TestPostgresMigrationKeepsEveryCursor(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for v := 1; v <= 2; v++ {
		if _, err := conn.Exec(ctx, postgresMigrations[v]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL);
		INSERT INTO schema_migrations VALUES (1, 0), (2, 0);
		INSERT INTO customers (id, created_at, updated_at) VALUES ('ann', 0, 0), ('bob', 0, 0), ('cy', 0, 0);
		INSERT INTO conversations (id, customer_id, created_at, last_message_at) VALUES ('ca', 'ann', 0, 0), ('cb', 'bob', 0, 0);
		INSERT INTO messages (seq, id, conversation_id, customer_id, author, body, created_at) VALUES
			(700, 'm1', 'ca', 'ann', 'customer', 'a1', 0), (705, 'm2', 'cb', 'bob', 'customer', 'b1', 0),
			(710, 'm3', 'ca', 'ann', 'agent', 'a2', 0);
		INSERT INTO tracking_identities (id, customer_id, tracking_id, created_at, updated_at) VALUES ('ann-phone', 'ann', 'phone', 0, 0);
		INSERT INTO sessions (token_hash, customer_id, identity_id, created_at, last_used_at) VALUES ('\x01', 'ann', 'ann-phone', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	s, err := OpenPostgres(ctx, dsn, PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for customer, want := range map[string]int64{"ann": 710, "bob": 705, "cy": 0} {
		if latest, err := s.LatestEvents(ctx, customer); err != nil || latest.Cursor != want {
			t.Fatalf("%s's cursor %d, %v; want %d", customer, latest.Cursor, err, want)
		}
	}
	annSess := Session{ID: 1, CustomerID: "ann", IdentityID: "ann-phone"}
	ev, err := s.Events(ctx, annSess, 700, 10, t0)
	if err != nil || len(ev.Messages) != 1 || ev.Messages[0].ID != "m3" || ev.Messages[0].Seq != 710 {
		t.Fatalf("ann's events after 700 = %+v, %v", ev, err)
	}
	reply, _, err := s.AgentReply(ctx, AgentReply{ConversationID: "ca", Body: "a3", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if ev, err = s.Events(ctx, annSess, 710, 10, t0); err != nil || len(ev.Messages) != 1 || ev.Messages[0].ID != reply.ID || ev.Cursor != 711 {
		t.Fatalf("ann's events after 710 = %+v, %v; want the new reply at 711", ev, err)
	}
}
