package service

import (
	"context"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// startNATS runs a NATS server in the test's process on port (-1: a free one).
func startNATS(t *testing.T, port int) *natsserver.Server {
	t.Helper()
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(5 * time.Second) {
		t.Fatal("the NATS server did not start")
	}
	t.Cleanup(ns.Shutdown)
	return ns
}

// twoInstances returns two instances of the service on one SQLite file and
// one clock, each with its own connection to the NATS server at natsURL and
// reached through its own HTTP server, as behind a load balancer.
func twoInstances(t *testing.T, natsURL string, bMods ...func(*Options)) (a, b *env) {
	t.Helper()
	a = newEnv(t, withNATS(t, natsURL))
	b = newEnvAt(t, a.path, store.SQLiteOptions{}, append([]func(*Options){withNATS(t, natsURL), func(o *Options) { o.Now = a.clock.Now }}, bMods...)...)
	b.clock = a.clock
	for _, e := range []*env{a, b} {
		ts := httptest.NewServer(e.h)
		t.Cleanup(ts.Close)
		u, err := url.Parse(ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		e.h = httputil.NewSingleHostReverseProxy(u)
	}
	return a, b
}

func withNATS(t *testing.T, natsURL string) func(*Options) {
	w, err := ConnectNATS(natsURL, slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return func(o *Options) { o.Wakeups = w }
}

// answerWithin returns poll's answer, failing if it takes longer than d.
func answerWithin(t *testing.T, poll <-chan response, d time.Duration, what string) response {
	t.Helper()
	select {
	case r := <-poll:
		return r
	case <-time.After(d):
		t.Fatalf("no answer within %s of %s", d, what)
		return response{}
	}
}

func TestNATSWakesPollsOnOtherInstances(t *testing.T) {
	a, b := twoInstances(t, startNATS(t, -1).ClientURL())
	phone := a.login(a.jwt("ann@example.com", ""), "phone", "").SessionToken
	laptop := b.login(b.jwt("ann@example.com", ""), "laptop", "").SessionToken
	conv := a.createConversation(phone, "hello").Conversation.ID
	cursor := b.events(laptop, "").Cursor

	// A customer's message from another device, then an agent's reply, both
	// through A, wake the customer's poll held by B.
	for _, send := range []struct {
		what string
		do   func() messageJSON
	}{
		{"a message from the customer's phone", func() messageJSON { return a.send(phone, conv, "from my phone") }},
		{"an agent's reply", func() messageJSON { return a.agentReply(conv, "from an agent") }},
	} {
		poll := b.poll(context.Background(), laptop, "?after="+itoa(cursor)+"&wait=20")
		b.waitSubscribed(1)
		sent := send.do()
		ev := decodeAs[eventsJSON](answerWithin(t, poll, time.Second, send.what).expect(200))
		if len(ev.Messages) != 1 || ev.Messages[0].ID != sent.ID {
			t.Fatalf("after %s: %+v", send.what, ev)
		}
		cursor = ev.Cursor
		b.waitSubscribed(0)
	}

	// A logout through A ends the session's poll on B at once.
	poll := b.poll(context.Background(), laptop, "?after="+itoa(cursor)+"&wait=20")
	b.waitSubscribed(1)
	a.sdk("POST", "/v1/identities/logout", laptop, nil).expect(204)
	answerWithin(t, poll, time.Second, "a logout").expectError(401, codeSessionInvalid)
	b.waitSubscribed(0)

	// The agents' poll on B wakes at a customer's message through A, and at
	// a change only agents see.
	agentCursor := decodeAs[agentEventsJSON](b.agentAPI("GET", "/v1/agent/events", nil).expect(200)).Cursor
	agentsPoll := b.agentPoll(context.Background(), "?after="+itoa(agentCursor)+"&wait=20")
	b.waitSubscribed(1)
	sent := a.send(phone, conv, "anyone there?")
	ev := decodeAs[agentEventsJSON](answerWithin(t, agentsPoll, time.Second, "a customer's message").expect(200))
	if len(ev.Messages) != 1 || ev.Messages[0].ID != sent.ID {
		t.Fatalf("agents' poll after a customer's message: %+v", ev)
	}
	b.waitSubscribed(0)
	agentsPoll = b.agentPoll(context.Background(), "?after="+itoa(ev.Cursor)+"&wait=20")
	b.waitSubscribed(1)
	a.agentAPI("POST", "/v1/agent/conversations/"+conv+"/close", nil).expect(200)
	if got := decodeAs[agentEventsJSON](answerWithin(t, agentsPoll, time.Second, "a close").expect(200)); !got.Changed || len(got.Messages) != 0 {
		t.Fatalf("agents' poll after a close: %+v", got)
	}
}

// The time from a message sent through A to its event on a poll held by B.
func TestNATSWakeLatency(t *testing.T) {
	a, b := twoInstances(t, startNATS(t, -1).ClientURL())
	phone := a.login(a.jwt("ann@example.com", ""), "phone", "").SessionToken
	laptop := b.login(b.jwt("ann@example.com", ""), "laptop", "").SessionToken
	conv := a.createConversation(phone, "hello").Conversation.ID
	cursor := b.events(laptop, "").Cursor
	const n = 50
	var took []time.Duration
	for range n {
		poll := b.poll(context.Background(), laptop, "?after="+itoa(cursor)+"&wait=20")
		b.waitSubscribed(1)
		began := time.Now()
		a.send(phone, conv, "ping")
		ev := decodeAs[eventsJSON](answerWithin(t, poll, time.Second, "a message").expect(200))
		took = append(took, time.Since(began))
		if len(ev.Messages) != 1 {
			t.Fatalf("events: %+v", ev)
		}
		cursor = ev.Cursor
		b.waitSubscribed(0)
	}
	slices.Sort(took)
	t.Logf("message sent through A → event on B's poll, %d wakes: p50 %s, p99 %s, max %s", n, took[n/2], took[n*99/100], took[n-1])
}

// feedReads tells of every events read of its store, once it has answered.
type feedReads struct {
	store.Store
	read chan struct{}
}

func (f feedReads) Events(ctx context.Context, s store.Session, after int64, limit int, now time.Time) (store.Events, error) {
	defer f.done()
	return f.Store.Events(ctx, s, after, limit, now)
}

func (f feedReads) AgentEvents(ctx context.Context, after int64, limit int) (store.AgentEvents, error) {
	defer f.done()
	return f.Store.AgentEvents(ctx, after, limit)
}

func (f feedReads) done() {
	select {
	case f.read <- struct{}{}:
	default:
	}
}

// A wake-up lost while NATS is down (here A's, dropped with its connection
// as in a crash) delays B's polls only until B is connected again.
func TestNATSReconnectWakesEveryPoll(t *testing.T) {
	ns := startNATS(t, -1)
	port := ns.Addr().(*net.TCPAddr).Port
	reads := make(chan struct{}, 16)
	a, b := twoInstances(t, ns.ClientURL(), func(o *Options) { o.Store = feedReads{o.Store, reads} })
	phone := a.login(a.jwt("ann@example.com", ""), "phone", "").SessionToken
	laptop := b.login(b.jwt("ann@example.com", ""), "laptop", "").SessionToken
	conv := a.createConversation(phone, "hello").Conversation.ID
	// A's wake-up for the new conversation reaches B before B's polls wait:
	// one that came later would make a poll read again, maybe after the
	// message sent below is stored, and answer it. NATS hands one subject's
	// messages to B in order, so once a later one is handled, so is it.
	marker, unsubscribe := b.srv.notifier.subscribe("marker")
	a.srv.wakeups.PublishCustomer("marker")
	select {
	case <-marker:
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up reached B")
	}
	unsubscribe()
	cursor := b.events(laptop, "").Cursor
	agentCursor := decodeAs[agentEventsJSON](b.agentAPI("GET", "/v1/agent/events", nil).expect(200)).Cursor
	for len(reads) > 0 {
		<-reads
	}
	customerPoll := b.poll(context.Background(), laptop, "?after="+itoa(cursor)+"&wait=20")
	agentsPoll := b.agentPoll(context.Background(), "?after="+itoa(agentCursor)+"&wait=20")
	b.waitSubscribed(2)
	// Subscribed, each poll reads once before it waits: a first read that came
	// after the message sent below would answer it without any wake-up.
	for range 2 {
		select {
		case <-reads:
		case <-time.After(5 * time.Second):
			t.Fatal("the polls did not read")
		}
	}

	ns.Shutdown()
	for _, e := range []*env{a, b} {
		for e.srv.wakeups.(*NATSWakeups).conn.IsConnected() {
			time.Sleep(time.Millisecond)
		}
	}
	sent := a.send(phone, conv, "while NATS is down")
	a.srv.wakeups.(*NATSWakeups).Close()
	select {
	case r := <-customerPoll:
		t.Fatalf("answered without a wake-up: %s", r.Body)
	case <-time.After(200 * time.Millisecond):
	}

	restarted := time.Now()
	startNATS(t, port)
	// nats.go retries every 2 s.
	ev := decodeAs[eventsJSON](answerWithin(t, customerPoll, 5*time.Second, "the NATS restart").expect(200))
	if len(ev.Messages) != 1 || ev.Messages[0].ID != sent.ID {
		t.Fatalf("customer's poll: %+v", ev)
	}
	agentEv := decodeAs[agentEventsJSON](answerWithin(t, agentsPoll, time.Second, "the customer's poll's answer").expect(200))
	if len(agentEv.Messages) != 1 || agentEv.Messages[0].ID != sent.ID {
		t.Fatalf("agents' poll: %+v", agentEv)
	}
	t.Logf("answered %s after the NATS restart", time.Since(restarted))
}

// A session that ends through one instance is refused by the other, which
// had it cached, as soon as NATS carries the news: well before the cache's
// own bound (sessionCacheTTL) would end it.
func TestSessionsEndedOnOneInstanceEndOnTheOther(t *testing.T) {
	a, b := twoInstances(t, startNATS(t, -1).ClientURL())
	jwt := a.jwt("ann@example.com", "")
	live := func(token string) {
		t.Helper()
		b.sdk("GET", "/v1/conversations", token, nil).expect(200) // now cached on B
	}
	refusedOnB := func(what, token string) {
		t.Helper()
		for deadline := time.Now().Add(time.Second); ; time.Sleep(5 * time.Millisecond) {
			r := b.sdk("GET", "/v1/conversations", token, nil)
			if r.Code == 401 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: B still answers %d a second later", what, r.Code)
			}
		}
	}

	phone := a.login(jwt, "phone", "")
	live(phone.SessionToken)
	a.sdk("POST", "/v1/identities/logout", phone.SessionToken, nil).expect(204)
	refusedOnB("a logout on A", phone.SessionToken)

	laptop := a.login(jwt, "laptop", "").SessionToken
	live(laptop)
	a.login(jwt, "laptop", "") // a new session of the device revokes its earlier one
	refusedOnB("the device's next login on A", laptop)

	tablet := a.login(jwt, "tablet", "")
	live(tablet.SessionToken)
	a.agentAPI("DELETE", "/v1/agent/customers/"+tablet.Identity.CustomerID, nil).expect(204)
	refusedOnB("an erase on A", tablet.SessionToken)
}
