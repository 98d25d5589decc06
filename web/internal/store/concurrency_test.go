package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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
				if _, err := s.Events(ctx, sess, 0, 10, t0); err != nil {
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

// Racing logins of one new customer, each on its own device, by email, by
// externalId or by both, find or make one customer, never two.
func testConcurrentLoginsMakeOneCustomer(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	const rounds, racers = 3, 8
	for round := range rounds {
		email, externalID := fmt.Sprintf("racer-%d@example.com", round), fmt.Sprintf("ext-%d-x", round)
		for _, by := range []LoginParams{{Email: email}, {ExternalID: externalID}, {Email: "both-" + email, ExternalID: "both-" + externalID}} {
			results, errs := make([]LoginResult, racers), make([]error, racers)
			var wg sync.WaitGroup
			for i := range racers {
				wg.Go(func() {
					p := by
					p.TrackingID, p.Now = fmt.Sprintf("%s|%s|%d", p.Email, p.ExternalID, i), t0
					results[i], errs[i] = s.Login(ctx, p)
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("%+v: racer %d: %v", by, i, err)
				}
				if id := results[i].Identity.CustomerID; id != results[0].Identity.CustomerID {
					t.Fatalf("%+v: two customers, %s and %s", by, results[0].Identity.CustomerID, id)
				}
			}
			for _, q := range []string{by.Email, by.ExternalID} {
				if q == "" {
					continue
				}
				found, _, err := s.SearchCustomers(ctx, q, Page{})
				if err != nil || len(found) != 1 || found[0].ID != results[0].Identity.CustomerID ||
					found[0].Email != by.Email || found[0].ExternalID != by.ExternalID {
					t.Fatalf("%+v: search %q found %+v, %v; want the one customer", by, q, found, err)
				}
			}
		}
	}
}

// Racing logins carrying one anonymous customer's tracking token (its tabs,
// or other devices replaying it), as one customer or as several: exactly one
// moves its conversations, once.
func testConcurrentAdoptionsHaveOneWinner(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	const racers, convs = 8, 3
	for _, oneCustomer := range []bool{true, false} {
		anon, tok, err := s.CreateAnonymous(ctx, fmt.Sprint("anonymous-", oneCustomer), t0)
		if err != nil {
			t.Fatal(err)
		}
		sess, err := s.Session(ctx, tok, t0)
		if err != nil {
			t.Fatal(err)
		}
		for i := range convs {
			startConversation(t, s, sess, fmt.Sprint("before login ", i), t0)
		}
		results, errs := make([]LoginResult, racers), make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				email := fmt.Sprintf("adopter-%v@example.com", oneCustomer)
				if !oneCustomer {
					email = fmt.Sprintf("adopter-%d@example.com", i)
				}
				results[i], errs[i] = s.Login(ctx, LoginParams{Email: email, TrackingID: fmt.Sprint("device-", i), TrackingToken: tok, Now: t0})
			})
		}
		wg.Wait()
		winners := 0
		for i, res := range results {
			if errs[i] != nil {
				t.Fatalf("one customer %v: racer %d: %v", oneCustomer, i, errs[i])
			}
			want := 0
			if res.MergedFrom != "" {
				winners++
				if res.MergedFrom != anon.CustomerID {
					t.Fatalf("merged from %s, want %s", res.MergedFrom, anon.CustomerID)
				}
			}
			if oneCustomer || res.MergedFrom != "" {
				want = convs
			}
			got, _, err := s.Conversations(ctx, res.Identity.CustomerID, Page{})
			if err != nil || len(got) != want {
				t.Fatalf("one customer %v: racer %d (merged %q) has %d conversations, %v; want %d", oneCustomer, i, res.MergedFrom, len(got), err, want)
			}
		}
		if winners != 1 {
			t.Fatalf("one customer %v: %d logins moved the conversations, want 1", oneCustomer, winners)
		}
		if got, _, err := s.Conversations(ctx, anon.CustomerID, Page{}); err != nil || len(got) != 0 {
			t.Fatalf("the anonymous customer kept %d conversations, %v", len(got), err)
		}
		if _, err := s.Session(ctx, tok, t0); !errors.Is(err, ErrSessionInvalid) {
			t.Fatalf("the adopted session: %v, want ErrSessionInvalid", err)
		}
	}
}

// Writers storing messages for one customer (the customer on another device,
// agents) while the customer's device polls Events, and an agent's inbox
// polls AgentEvents, each from its last cursor: both see every message
// exactly once, in seq order. One writer keeps this by committing seqs in
// order; many writers must never let a poll read a seq committed before a
// lower one is.
func testEventsCursorNeverSkips(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	const writers, each = 8, 50
	writer, err := s.Login(ctx, LoginParams{Email: "ann@example.com", TrackingID: "laptop", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	wsess, err := s.Session(ctx, writer.SessionToken, t0)
	if err != nil {
		t.Fatal(err)
	}
	conv := make([]Conversation, writers)
	for i := range conv {
		conv[i] = startConversation(t, s, wsess, fmt.Sprint("conversation ", i), t0)
	}
	reader, err := s.Login(ctx, LoginParams{Email: "ann@example.com", TrackingID: "phone", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	rsess, err := s.Session(ctx, reader.SessionToken, t0)
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := s.AgentEvents(ctx, -1, 0)
	if err != nil {
		t.Fatal(err)
	}

	var done atomic.Bool
	stored := make(chan string, writers*each)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				var m Message
				var err error
				if w%2 == 0 {
					m, _, err = s.AddMessage(ctx, wsess, NewMessage{ConversationID: conv[w].ID, Body: fmt.Sprint(w, "/", i), Now: t0})
				} else {
					m, _, err = s.AgentReply(ctx, AgentReply{ConversationID: conv[w].ID, Body: fmt.Sprint(w, "/", i), Now: t0})
				}
				if err != nil {
					t.Error(err)
					return
				}
				stored <- m.ID
			}
		})
	}
	// poll reads a feed from its cursor until the writers are done and an
	// answer after that is empty, failing on a repeat or a seq out of order.
	poll := func(name string, cursor int64, read func(after int64) ([]Message, int64, error)) map[string]bool {
		seen := map[string]bool{}
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			last := done.Load()
			msgs, next, err := read(cursor)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return seen
			}
			for _, m := range msgs {
				if m.Seq <= cursor || seen[m.ID] {
					t.Errorf("%s: message %s (seq %d) again, after cursor %d", name, m.ID, m.Seq, cursor)
					return seen
				}
				seen[m.ID] = true
				cursor = m.Seq
			}
			if next < cursor {
				t.Errorf("%s: cursor %d went back below %d", name, next, cursor)
				return seen
			}
			cursor = next
			if len(msgs) == 0 {
				if last {
					return seen
				}
				time.Sleep(time.Millisecond)
			}
		}
		t.Errorf("%s: still polling after 30 s", name)
		return seen
	}
	var customerSeen, inboxSeen map[string]bool
	var readers sync.WaitGroup
	readers.Go(func() {
		customerSeen = poll("Events", reader.Cursor, func(after int64) ([]Message, int64, error) {
			ev, err := s.Events(ctx, rsess, after, 16, t0)
			return ev.Messages, ev.Cursor, err
		})
	})
	readers.Go(func() {
		inboxSeen = poll("AgentEvents", inbox.Cursor, func(after int64) ([]Message, int64, error) {
			ev, err := s.AgentEvents(ctx, after, 16)
			return ev.Messages, ev.Cursor, err
		})
	})
	wg.Wait()
	done.Store(true)
	readers.Wait()
	close(stored)
	var ids []string
	for id := range stored {
		ids = append(ids, id)
	}
	if len(ids) != writers*each {
		t.Fatalf("%d messages stored, want %d", len(ids), writers*each)
	}
	for name, seen := range map[string]map[string]bool{"Events": customerSeen, "AgentEvents": inboxSeen} {
		missed := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return seen[id] })
		if len(missed) != 0 || len(seen) != len(ids) {
			t.Errorf("%s saw %d of %d messages; missed %d (%v…)", name, len(seen), len(ids), len(missed), missed[:min(3, len(missed))])
		}
	}
}

// An anonymous customer's tabs sending while its login adopts their
// conversation: every message ends up with its conversation's customer,
// stored before the move (and moved) or refused after it (ErrNotFound),
// never stored for the anonymous customer in a conversation now the
// identified one's.
func testConcurrentMessagesDuringAdoptionMoveWithIt(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	const rounds, senders = 10, 4
	for round := range rounds {
		tok := anonymous(t, s, fmt.Sprint("tab-", round), t0)
		sess, err := s.Session(ctx, tok, t0)
		if err != nil {
			t.Fatal(err)
		}
		conv := startConversation(t, s, sess, "before login", t0)
		var stop atomic.Bool
		var wg sync.WaitGroup
		for range senders {
			wg.Go(func() {
				for !stop.Load() {
					_, _, err := s.AddMessage(ctx, sess, NewMessage{ConversationID: conv.ID, Body: "racing the login", Now: t0})
					if errors.Is(err, ErrNotFound) {
						return // moved: the conversation is not this customer's any more
					}
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		time.Sleep(2 * time.Millisecond)
		res, err := s.Login(ctx, LoginParams{Email: fmt.Sprintf("tabs-%d@example.com", round), TrackingID: "tab", TrackingToken: tok, Now: t0})
		stop.Store(true)
		wg.Wait()
		if err != nil || res.MergedFrom == "" {
			t.Fatalf("login: merged %q, %v", res.MergedFrom, err)
		}
		if n := s.scalar(t, `SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE m.customer_id <> c.customer_id`); n != 0 {
			t.Fatalf("round %d: %d messages stored for another customer than their conversation's", round, n)
		}
	}
}

// Logins that would fill an externalId into a customer known by email race
// logins that would make a new customer with that externalId: all succeed,
// and one customer ends up holding it, the one every login by it finds.
func testConcurrentLoginsFillInOneExternalID(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	const rounds, racers = 5, 8
	for round := range rounds {
		email, externalID := fmt.Sprintf("filler-%d@example.com", round), fmt.Sprintf("fill-%d", round)
		if _, err := s.Login(ctx, LoginParams{Email: email, TrackingID: "first", Now: t0}); err != nil {
			t.Fatal(err)
		}
		byID, errs := make([]LoginResult, racers), make([]error, 2*racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				_, errs[2*i] = s.Login(ctx, LoginParams{Email: email, ExternalID: externalID, TrackingID: fmt.Sprint("both-", i), Now: t0})
			})
			wg.Go(func() {
				byID[i], errs[2*i+1] = s.Login(ctx, LoginParams{ExternalID: externalID, TrackingID: fmt.Sprint("id-", i), Now: t0})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: racer %d: %v", round, i, err)
			}
		}
		for _, r := range byID {
			if r.Identity.CustomerID != byID[0].Identity.CustomerID {
				t.Fatalf("round %d: logins by externalId found %s and %s", round, byID[0].Identity.CustomerID, r.Identity.CustomerID)
			}
		}
		if n := s.scalar(t, `SELECT COUNT(*) FROM customers WHERE external_id = ?`, externalID); n != 1 {
			t.Fatalf("round %d: %d customers hold the externalId", round, n)
		}
	}
}
