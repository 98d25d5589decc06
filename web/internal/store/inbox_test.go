package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func convID(c AgentConversation) string { return c.ID }

func startConversation(t *testing.T, s Store, sess Session, body string, at time.Time) Conversation {
	t.Helper()
	c, _, _, err := s.CreateConversation(context.Background(), sess, NewMessage{Body: body, Now: at})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func agentConv(t *testing.T, s Store, id string) AgentConversation {
	t.Helper()
	c, err := s.AgentConversation(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testAgentConversationsStatusFilterAndOrder(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	ann, err := s.Login(ctx, LoginParams{Email: "ann@example.com", ExternalID: "u-ann", TrackingID: "d1", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	annSess, err := s.Session(ctx, ann.SessionToken, t0)
	if err != nil {
		t.Fatal(err)
	}
	bob := session(t, s, "d2")
	// Oldest activity first: c0 … c4.
	var c []Conversation
	for i := range 5 {
		sess := bob
		if i%2 == 0 {
			sess = annSess
		}
		c = append(c, startConversation(t, s, sess, fmt.Sprint("c", i), t0.Add(time.Duration(i)*time.Second)))
	}
	for _, i := range []int{1, 4} {
		if _, err := s.SetStatus(ctx, c[i].ID, StatusClosed); err != nil {
			t.Fatal(err)
		}
	}
	want := map[StatusFilter][]string{
		FilterOpen:   {c[3].ID, c[2].ID, c[0].ID},
		FilterClosed: {c[4].ID, c[1].ID},
		FilterAll:    {c[3].ID, c[2].ID, c[0].ID, c[4].ID, c[1].ID},
	}
	for filter, w := range want {
		for _, size := range []int{1, 2, 3, MaxPage} {
			got := pages(t, size, func(p Page) ([]AgentConversation, string, error) { return s.AgentConversations(ctx, filter, p) }, convID)
			if g := ids(got, convID); !slices.Equal(g, w) {
				t.Fatalf("%s by %d: %v, want %v", filter, size, g, w)
			}
		}
	}
	// A cursor of one list is refused by the others.
	_, openNext, err := s.AgentConversations(ctx, FilterOpen, Page{Limit: 1})
	if err != nil || openNext == "" {
		t.Fatal(openNext, err)
	}
	for _, f := range []StatusFilter{FilterClosed, FilterAll} {
		if _, _, err := s.AgentConversations(ctx, f, Page{Cursor: openNext}); !errors.Is(err, ErrBadCursor) {
			t.Fatalf("%s with an open list's cursor: %v", f, err)
		}
	}

	got := agentConv(t, s, c[0].ID)
	if got.Status != StatusOpen || got.AgentUnread != 1 || got.Unread != 0 || got.Preview != "c0" ||
		got.Customer != (CustomerSummary{ID: annSess.CustomerID, Email: "ann@example.com", ExternalID: "u-ann", Verified: true}) {
		t.Fatalf("ann's conversation %+v", got)
	}
	if got := agentConv(t, s, c[1].ID); got.Status != StatusClosed || got.Customer != (CustomerSummary{ID: bob.CustomerID}) {
		t.Fatalf("bob's conversation %+v", got)
	}
}

func testAgentUnreadCountsAndResets(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	sess := session(t, s, "d")
	c := startConversation(t, s, sess, "one", t0)
	add := func(body string) {
		if _, _, err := s.AddMessage(ctx, sess, NewMessage{ConversationID: c.ID, Body: body, Now: t0}); err != nil {
			t.Fatal(err)
		}
	}
	want := func(agentUnread, unread int) {
		t.Helper()
		if got := agentConv(t, s, c.ID); got.AgentUnread != agentUnread || got.Unread != unread {
			t.Fatalf("agentUnread %d unread %d, want %d %d", got.AgentUnread, got.Unread, agentUnread, unread)
		}
	}
	want(1, 0)
	add("two")
	want(2, 0)
	if err := s.AgentRead(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	want(0, 0)
	add("three")
	want(1, 0)
	if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: c.ID, Body: "answer", Now: t0}); err != nil {
		t.Fatal(err)
	}
	want(0, 1)
	if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: c.ID, Body: "more", Now: t0}); err != nil {
		t.Fatal(err)
	}
	want(0, 2)
	if err := s.MarkRead(ctx, sess.CustomerID, c.ID); err != nil {
		t.Fatal(err)
	}
	want(0, 0)
}

// A customer who writes into a closed conversation is asking again.
func testCustomerMessageReopens(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	sess := session(t, s, "d")
	c := startConversation(t, s, sess, "one", t0)
	if err := s.AgentRead(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	closed, err := s.SetStatus(ctx, c.ID, StatusClosed)
	if err != nil || closed.Status != StatusClosed {
		t.Fatalf("close: %+v %v", closed, err)
	}
	// An agent's reply leaves it closed.
	if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: c.ID, Body: "bye", Now: t0}); err != nil {
		t.Fatal(err)
	}
	if got := agentConv(t, s, c.ID); got.Status != StatusClosed {
		t.Fatalf("after an agent reply: %+v", got)
	}
	if _, _, err := s.AddMessage(ctx, sess, NewMessage{ConversationID: c.ID, Body: "wait", Now: t0}); err != nil {
		t.Fatal(err)
	}
	if got := agentConv(t, s, c.ID); got.Status != StatusOpen || got.AgentUnread != 1 {
		t.Fatalf("after the customer's message: %+v", got)
	}
	if _, err := s.SetStatus(ctx, c.ID, StatusClosed); err != nil {
		t.Fatal(err)
	}
	reopened, err := s.SetStatus(ctx, c.ID, StatusOpen)
	if err != nil || reopened.Status != StatusOpen || reopened.ID != c.ID {
		t.Fatalf("reopen: %+v %v", reopened, err)
	}
}

func testAgentReplyIdempotent(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	sess := session(t, s, "d")
	c := startConversation(t, s, sess, "hi", t0)
	other := startConversation(t, s, session(t, s, "e"), "hey", t0)
	s.exec(t, `INSERT INTO agents (id, email, name, password_hash, created_at, updated_at)
		VALUES ('agent-1', 'dana@example.com', 'Dana', 'x', 0, 0)`)
	const id = "a1b2c3d4-e5f6-4789-8abc-def012345678"
	r := AgentReply{ConversationID: c.ID, ID: id, Body: "hello", AuthorName: "Dana", AgentID: "agent-1", Now: t0}
	first, created, err := s.AgentReply(ctx, r)
	if err != nil || !created || first.ID != id || first.AuthorName != "Dana" || first.Author != AuthorAgent || first.CustomerID != sess.CustomerID {
		t.Fatalf("first: %+v %v %v", first, created, err)
	}
	r.Body = "changed"
	again, created, err := s.AgentReply(ctx, r)
	if err != nil || created || again != first {
		t.Fatalf("repeat: %+v %v %v, want %+v", again, created, err, first)
	}
	if got := agentConv(t, s, c.ID); got.Unread != 1 {
		t.Fatalf("a repeat counted again: unread %d", got.Unread)
	}
	if n := s.scalar(t, `SELECT COUNT(*) FROM messages WHERE id = ? AND agent_id = 'agent-1'`, id); n != 1 {
		t.Fatalf("%d messages %s of agent-1, want 1", n, id)
	}

	// The id elsewhere: in another conversation, or a customer's message.
	if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: other.ID, ID: id, Body: "x", Now: t0}); !errors.Is(err, ErrConflict) {
		t.Fatalf("id in another conversation: %v", err)
	}
	msgs, _, err := s.AgentMessages(ctx, c.ID, OldestFirst, Page{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: c.ID, ID: msgs[0].ID, Body: "x", Now: t0}); !errors.Is(err, ErrConflict) {
		t.Fatalf("id of the customer's message: %v", err)
	}
	for _, id := range []string{"", id, "00000000-0000-4000-8000-000000000000"} {
		if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: "nope", ID: id, Body: "x", Now: t0}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown conversation, id %q: %v", id, err)
		}
	}
	// An integration's reply stores no agent.
	anon, _, err := s.AgentReply(ctx, AgentReply{ConversationID: c.ID, Body: "x", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.scalar(t, `SELECT COUNT(*) FROM messages WHERE id = ? AND agent_id IS NULL`, anon.ID); n != 1 {
		t.Fatalf("%d messages %s without an agent, want 1", n, anon.ID)
	}
}

// 250 messages page both ways, 100 at a time, without a gap or a repeat, and
// only the conversation's own; each way's cursor is refused by the other.
func testAgentMessagesPageBothWays(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	sess := session(t, s, "d")
	c := startConversation(t, s, sess, "m0", t0)
	other := startConversation(t, s, session(t, s, "e"), "elsewhere", t0)
	const n = 250
	want := []string{"m0"}
	for i := 1; i < n; i++ {
		want = append(want, fmt.Sprint("m", i))
		if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: c.ID, Body: want[i], Now: t0}); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 { // interleaved with another conversation's
			if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: other.ID, Body: "elsewhere", Now: t0}); err != nil {
				t.Fatal(err)
			}
		}
	}
	body := func(m Message) string { return m.Body }
	for _, order := range []Order{OldestFirst, NewestFirst} {
		var sizes []int
		got := pages(t, MaxPage, func(p Page) ([]Message, string, error) {
			msgs, next, err := s.AgentMessages(ctx, c.ID, order, p)
			sizes = append(sizes, len(msgs))
			return msgs, next, err
		}, func(m Message) string { return m.ID })
		w := slices.Clone(want)
		if order == NewestFirst {
			slices.Reverse(w)
		}
		if b := ids(got, body); !slices.Equal(b, w) {
			t.Fatalf("%s: messages %v", order, b)
		}
		if !slices.Equal(sizes, []int{100, 100, 50}) {
			t.Fatalf("%s: pages of %v", order, sizes)
		}
		if got[0].CustomerID != sess.CustomerID {
			t.Fatalf("customerId %q", got[0].CustomerID)
		}
	}

	_, oldestNext, err := s.AgentMessages(ctx, c.ID, OldestFirst, Page{})
	if err != nil {
		t.Fatal(err)
	}
	_, newestNext, err := s.AgentMessages(ctx, c.ID, NewestFirst, Page{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AgentMessages(ctx, c.ID, NewestFirst, Page{Cursor: oldestNext}); !errors.Is(err, ErrBadCursor) {
		t.Fatalf("an oldest-first cursor newest first: %v", err)
	}
	if _, _, err := s.AgentMessages(ctx, c.ID, OldestFirst, Page{Cursor: newestNext}); !errors.Is(err, ErrBadCursor) {
		t.Fatalf("a newest-first cursor oldest first: %v", err)
	}
	if _, _, err := s.Messages(ctx, sess.CustomerID, c.ID, Page{Cursor: newestNext}); !errors.Is(err, ErrBadCursor) {
		t.Fatalf("a newest-first cursor on the customer's messages: %v", err)
	}
	if _, _, err := s.AgentMessages(ctx, c.ID, Order("sideways"), Page{}); err == nil || errors.Is(err, ErrBadCursor) {
		t.Fatalf("an unknown order: %v", err)
	}
}

func testSearchCustomers(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	people := []LoginParams{
		{Email: "ann@example.com"},
		{Email: "a_b@example.com"},
		{Email: "axb@example.com"},
		{Email: "100%@example.com"},
		{Email: "1000@example.com"},
		{ExternalID: `Back\Slash`},
		{ExternalID: `BackXSlash`},
		{Email: "carl@shop.test", ExternalID: "ANN-77"},
		{ExternalID: "Émile-9"},
	}
	for i, p := range people {
		p.TrackingID, p.Now = fmt.Sprint("d", i), t0
		if _, err := s.Login(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	session(t, s, "anonymous")
	key := func(c Customer) string { return c.Email + "|" + c.ExternalID }
	for q, want := range map[string][]string{
		"ANN":           {"carl@shop.test|ANN-77", "ann@example.com|"}, // newest first, either field, any case
		"a_b":           {"a_b@example.com|"},
		"0%":            {"100%@example.com|"},
		`k\s`:           {`|Back\Slash`},
		"example.com":   {"1000@example.com|", "100%@example.com|", "axb@example.com|", "a_b@example.com|", "ann@example.com|"},
		"nobody":        {},
		"%":             {"100%@example.com|"},
		"_":             {"a_b@example.com|"},
		"@EXAMPLE.COM":  {"1000@example.com|", "100%@example.com|", "axb@example.com|", "a_b@example.com|", "ann@example.com|"},
		"back\\slash":   {`|Back\Slash`},
		"carl@shop.tes": {"carl@shop.test|ANN-77"},
		"ÉMILE":         {"|Émile-9"}, // ASCII case ignored...
		"émile":         {},           // ...and only that, as SQLite's LIKE does
	} {
		got := pages(t, 2, func(p Page) ([]Customer, string, error) { return s.SearchCustomers(ctx, q, p) }, func(c Customer) string { return c.ID })
		if g := ids(got, key); !slices.Equal(g, want) {
			t.Fatalf("search %q: %v, want %v", q, g, want)
		}
	}
	if _, _, err := s.SearchCustomers(ctx, "a", Page{Cursor: encodeCursor(openCursor, 1, 2)}); !errors.Is(err, ErrBadCursor) {
		t.Fatalf("foreign cursor: %v", err)
	}
}

func testCustomerDetailsAndLastSeen(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	_, tok, err := s.CreateAnonymous(ctx, "d", t0)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.Session(ctx, tok, t0)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Customer(ctx, sess.CustomerID)
	if err != nil || c != (Customer{ID: sess.CustomerID, FirstSeenAt: t0, LastSeenAt: t0}) {
		t.Fatalf("anonymous customer %+v %v", c, err)
	}
	seen := func(at time.Time, want time.Time) {
		t.Helper()
		if _, err := s.Session(ctx, tok, at); err != nil {
			t.Fatal(err)
		}
		if c, err := s.Customer(ctx, sess.CustomerID); err != nil || !c.LastSeenAt.Equal(want) {
			t.Fatalf("use at +%s: last seen %s (%v), want +%s", at.Sub(t0), c.LastSeenAt.Sub(t0), err, want.Sub(t0))
		}
	}
	seen(t0.Add(30*time.Second), t0) // a session's use is recorded at most once a minute
	seen(t0.Add(2*time.Minute), t0.Add(2*time.Minute))

	later := t0.Add(time.Hour)
	res, err := s.Login(ctx, LoginParams{Email: "ann@example.com", ExternalID: "u-1", TrackingID: "d", TrackingToken: tok, Now: later})
	if err != nil {
		t.Fatal(err)
	}
	c, err = s.Customer(ctx, res.Identity.CustomerID)
	want := Customer{ID: res.Identity.CustomerID, Email: "ann@example.com", ExternalID: "u-1", Verified: true,
		VerifiedAt: later, FirstSeenAt: later, LastSeenAt: later}
	if err != nil || c != want {
		t.Fatalf("identified customer %+v %v, want %+v", c, err, want)
	}
	again := later.Add(time.Hour)
	if _, err := s.Login(ctx, LoginParams{Email: "ann@example.com", TrackingID: "d2", Now: again}); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Customer(ctx, want.ID); !c.LastSeenAt.Equal(again) || !c.FirstSeenAt.Equal(later) || !c.VerifiedAt.Equal(later) {
		t.Fatalf("after a second login %+v", c)
	}
}

// Every method that takes an id answers ErrNotFound for an unknown one.
func testInboxUnknownIDs(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	startConversation(t, s, session(t, s, "d"), "hi", t0)
	const id = "00000000-0000-4000-8000-000000000000"
	for name, call := range map[string]func() error{
		"AgentConversation":    func() error { _, err := s.AgentConversation(ctx, id); return err },
		"AgentMessages":        func() error { _, _, err := s.AgentMessages(ctx, id, OldestFirst, Page{}); return err },
		"AgentMessages newest": func() error { _, _, err := s.AgentMessages(ctx, id, NewestFirst, Page{}); return err },
		"AgentReply": func() error {
			_, _, err := s.AgentReply(ctx, AgentReply{ConversationID: id, Body: "x", Now: t0})
			return err
		},
		"AgentRead":             func() error { return s.AgentRead(ctx, id) },
		"SetStatus":             func() error { _, err := s.SetStatus(ctx, id, StatusClosed); return err },
		"Customer":              func() error { _, err := s.Customer(ctx, id); return err },
		"CustomerConversations": func() error { _, _, err := s.CustomerConversations(ctx, id, Page{}); return err },
		"ExportCustomer":        func() error { _, err := s.ExportCustomer(ctx, id); return err },
		"EraseCustomer":         func() error { return s.EraseCustomer(ctx, id) },
	} {
		if err := call(); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
}

func testCustomerConversations(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	ann, bob := session(t, s, "a"), session(t, s, "b")
	a0 := startConversation(t, s, ann, "a0", t0)
	startConversation(t, s, bob, "b0", t0.Add(time.Second))
	a1 := startConversation(t, s, ann, "a1", t0.Add(2*time.Second))
	if _, err := s.SetStatus(ctx, a1.ID, StatusClosed); err != nil {
		t.Fatal(err)
	}
	got := pages(t, 1, func(p Page) ([]AgentConversation, string, error) {
		return s.CustomerConversations(ctx, ann.CustomerID, p)
	}, convID)
	if g := ids(got, convID); !slices.Equal(g, []string{a1.ID, a0.ID}) {
		t.Fatalf("ann's conversations %v", g)
	}
	empty, next, err := s.CustomerConversations(ctx, session(t, s, "c").CustomerID, Page{})
	if err != nil || len(empty) != 0 || empty == nil || next != "" {
		t.Fatalf("a customer without conversations: %v %q %v", empty, next, err)
	}
}

func testExportCustomer(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	_, anonTok, err := s.CreateAnonymous(ctx, "phone", t0)
	if err != nil {
		t.Fatal(err)
	}
	anon, _ := s.Session(ctx, anonTok, t0)
	c0 := startConversation(t, s, anon, "first", t0)
	if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: c0.ID, Body: "reply", AuthorName: "Dana", Now: t0.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(time.Minute)
	res, err := s.Login(ctx, LoginParams{Email: "ann@example.com", TrackingID: "phone", TrackingToken: anonTok, Now: later})
	if err != nil {
		t.Fatal(err)
	}
	laptop, err := s.Login(ctx, LoginParams{Email: "ann@example.com", TrackingID: "laptop", Now: later.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	sess, _ := s.Session(ctx, laptop.SessionToken, later.Add(time.Second))
	c1 := startConversation(t, s, sess, "second", later.Add(2*time.Second))
	if err := s.RevokeSession(ctx, res.SessionToken, later.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	// Someone else's data stays out.
	startConversation(t, s, session(t, s, "other"), "not ann's", t0)

	ex, err := s.ExportCustomer(ctx, res.Identity.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Customer.Email != "ann@example.com" || ex.Customer.ID != res.Identity.CustomerID {
		t.Fatalf("customer %+v", ex.Customer)
	}
	// The anonymous customer the login adopted was Ann on her phone: its
	// device and its session are hers too.
	if got := ids(ex.Devices, func(d Device) string { return d.TrackingID }); !slices.Equal(got, []string{"phone", "phone", "laptop"}) ||
		!ex.Devices[0].CreatedAt.Equal(t0) {
		t.Fatalf("devices %v", ex.Devices)
	}
	if len(ex.Sessions) != 3 || !ex.Sessions[0].CreatedAt.Equal(t0) || !ex.Sessions[0].RevokedAt.Equal(later) ||
		!ex.Sessions[1].CreatedAt.Equal(later) || !ex.Sessions[1].RevokedAt.Equal(later.Add(3*time.Second)) ||
		!ex.Sessions[2].RevokedAt.IsZero() {
		t.Fatalf("sessions %+v", ex.Sessions)
	}
	if len(ex.Conversations) != 2 || ex.Conversations[0].ID != c0.ID || ex.Conversations[1].ID != c1.ID {
		t.Fatalf("conversations %+v", ex.Conversations)
	}
	bodies := ids(ex.Conversations[0].Messages, func(m Message) string { return string(m.Author) + ":" + m.Body + ":" + m.AuthorName })
	if !slices.Equal(bodies, []string{"customer:first:", "agent:reply:Dana"}) || len(ex.Conversations[1].Messages) != 1 {
		t.Fatalf("messages %v / %+v", bodies, ex.Conversations[1].Messages)
	}
}

func testEraseCustomer(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	// Ann chatted anonymously on her tablet first; her login there adopted it.
	tablet, tabletTok, err := s.CreateAnonymous(ctx, "tablet-ann", t0)
	if err != nil {
		t.Fatal(err)
	}
	anonSess, _ := s.Session(ctx, tabletTok, t0)
	anonConv := startConversation(t, s, anonSess, "asked before logging in", t0)
	if _, err := s.Login(ctx, LoginParams{Email: "ann@example.com", TrackingID: "tablet-ann", TrackingToken: tabletTok, Now: t0}); err != nil {
		t.Fatal(err)
	}
	// A request of the tablet's, under way while that login adopted its
	// customer, stored after the move.
	late := startConversation(t, s, anonSess, "sent while logging in", t0)
	res, err := s.Login(ctx, LoginParams{Email: "ann@example.com", ExternalID: "u-ann", TrackingID: "phone-ann", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	ann, _ := s.Session(ctx, res.SessionToken, t0)
	second, err := s.Login(ctx, LoginParams{Email: "ann@example.com", TrackingID: "laptop-ann", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	c := startConversation(t, s, ann, "ann's secret", t0)
	reply, _, err := s.AgentReply(ctx, AgentReply{ConversationID: c.ID, Body: "agent to ann", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	_, bobTok, err := s.CreateAnonymous(ctx, "phone-bob", t0)
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := s.Session(ctx, bobTok, t0)
	bc := startConversation(t, s, bob, "bob's words", t0)
	before := s.cells(t)

	if err := s.EraseCustomer(ctx, ann.CustomerID); err != nil {
		t.Fatal(err)
	}
	gone := []string{ann.CustomerID, ann.IdentityID, second.Identity.ID, "ann@example.com", "u-ann", "phone-ann", "laptop-ann",
		c.ID, "ann's secret", reply.ID, "agent to ann",
		tablet.CustomerID, tablet.ID, "tablet-ann", anonConv.ID, "asked before logging in", late.ID, "sent while logging in"}
	after := s.cells(t)
	for table, vals := range after {
		for _, v := range vals {
			if slices.Contains(gone, v) {
				t.Errorf("table %s still holds %q", table, v)
			}
		}
	}
	// Bob's rows are all still there.
	for _, v := range []string{bob.CustomerID, bob.IdentityID, "phone-bob", bc.ID, "bob's words"} {
		n := 0
		for _, vals := range after {
			n += len(slices.DeleteFunc(slices.Clone(vals), func(x string) bool { return x != v }))
		}
		if n == 0 {
			t.Errorf("bob's %q is gone", v)
		}
	}
	for _, table := range []string{"customers", "tracking_identities", "sessions", "conversations", "messages"} {
		if len(after[table]) >= len(before[table]) {
			t.Errorf("table %s: %d cells before, %d after", table, len(before[table]), len(after[table]))
		}
	}
	for _, tok := range []string{res.SessionToken, second.SessionToken} {
		if _, err := s.Session(ctx, tok, t0); !errors.Is(err, ErrSessionInvalid) {
			t.Fatalf("an erased customer's session: %v", err)
		}
	}
	if _, err := s.Session(ctx, bobTok, t0); err != nil {
		t.Fatalf("bob's session: %v", err)
	}
	if err := s.EraseCustomer(ctx, ann.CustomerID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("erasing again: %v", err)
	}
	// The email is free again: a login makes a new customer.
	again, err := s.Login(ctx, LoginParams{Email: "ann@example.com", TrackingID: "phone-ann", Now: t0})
	if err != nil || again.Identity.CustomerID == ann.CustomerID {
		t.Fatalf("login after erase: %+v %v", again, err)
	}
	if convs, _, err := s.Conversations(ctx, again.Identity.CustomerID, Page{}); err != nil || len(convs) != 0 {
		t.Fatalf("the new customer's conversations %+v %v", convs, err)
	}
}

func testAgentEvents(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	if ev, err := s.AgentEvents(ctx, -1, 100); err != nil || ev.Cursor != 0 || len(ev.Messages) != 0 {
		t.Fatalf("empty: %+v %v", ev, err)
	}
	ann, bob := session(t, s, "a"), session(t, s, "b")
	startConversation(t, s, ann, "a0", t0)
	bc := startConversation(t, s, bob, "b0", t0)
	reply, _, err := s.AgentReply(ctx, AgentReply{ConversationID: bc.ID, Body: "r", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := s.AgentEvents(ctx, 0, 2)
	if err != nil || len(ev.Messages) != 2 || ev.Messages[0].Body != "a0" || ev.Messages[1].Body != "b0" || ev.Cursor != ev.Messages[1].Seq {
		t.Fatalf("first two: %+v %v", ev, err)
	}
	if ev.Messages[1].CustomerID != bob.CustomerID {
		t.Fatalf("customerId %q", ev.Messages[1].CustomerID)
	}
	ev, err = s.AgentEvents(ctx, ev.Cursor, 2)
	if err != nil || len(ev.Messages) != 1 || ev.Messages[0].ID != reply.ID || ev.Cursor != reply.Seq {
		t.Fatalf("the rest: %+v %v", ev, err)
	}
	if ev, err := s.AgentEvents(ctx, -1, 100); err != nil || ev.Cursor != reply.Seq || len(ev.Messages) != 0 {
		t.Fatalf("latest: %+v %v", ev, err)
	}
	// Erasing the customer of the latest messages never moves the cursor back.
	if err := s.EraseCustomer(ctx, bob.CustomerID); err != nil {
		t.Fatal(err)
	}
	if ev, err := s.AgentEvents(ctx, -1, 100); err != nil || ev.Cursor != reply.Seq {
		t.Fatalf("latest after erase: %+v %v", ev, err)
	}
	if ev, err := s.AgentEvents(ctx, 0, 100); err != nil || len(ev.Messages) != 1 || ev.Messages[0].Body != "a0" {
		t.Fatalf("after erase: %+v %v", ev, err)
	}
}
