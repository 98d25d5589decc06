package service

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func withLimits(l Limits) func(*Options) { return func(o *Options) { o.Limits = l } }

// expectLimited checks a 429 in the API's format whose Retry-After is secs.
func (r response) expectLimited(secs int) {
	r.t.Helper()
	r.expectError(http.StatusTooManyRequests, codeRateLimited)
	if got := r.Header.Get("Retry-After"); got != strconv.Itoa(secs) {
		r.t.Fatalf("Retry-After %q, want %d", got, secs)
	}
}

func (e *env) anonymousFrom(addr, trackingID string) response {
	e.t.Helper()
	return e.do(req{Method: "POST", Path: "/v1/identities/anonymous", APIKey: testAPIKey, RemoteAddr: addr,
		Body: map[string]string{"trackingId": trackingID}})
}

func TestAnonymousCreationLimitedPerAddress(t *testing.T) {
	e := newEnv(t, withLimits(Limits{Anonymous: Limit{Events: 30, Per: time.Minute, Burst: 3}}))
	for i := range 3 {
		e.anonymousFrom("198.51.100.7:1000", fmt.Sprint("d", i)).expect(201)
	}
	// Another port is the same address; 30/min is one every 2 s.
	e.anonymousFrom("198.51.100.7:2000", "d").expectLimited(2)
	e.anonymousFrom("198.51.100.8:1000", "d").expect(201)
	e.clock.Advance(2 * time.Second)
	e.anonymousFrom("198.51.100.7:1000", "d").expect(201)
	e.anonymousFrom("198.51.100.7:1000", "d").expectLimited(2)
}

// A login is counted before its token is checked, so that a flood of bad
// tokens costs no verification, and a good one is refused all the same.
func TestLoginsLimitedPerAddress(t *testing.T) {
	e := newEnv(t, withLimits(Limits{Logins: Limit{Events: 60, Per: time.Minute, Burst: 2}}))
	login := func(addr, jwt string) response {
		return e.do(req{Method: "POST", Path: "/v1/identities/login", APIKey: testAPIKey, RemoteAddr: addr,
			Body: map[string]string{"jwt": jwt, "trackingId": "d"}})
	}
	login("203.0.113.5:1", "not.a.token").expectError(401, codeTokenRejected)
	login("203.0.113.5:1", e.jwt("ann@example.com", "")).expect(200)
	login("203.0.113.5:1", e.jwt("ann@example.com", "")).expectLimited(1)
	login("203.0.113.6:1", e.jwt("ann@example.com", "")).expect(200)
}

// IPv6 counts by /64; a v4-mapped address is its IPv4 address.
func TestClientAddressKeys(t *testing.T) {
	e := newEnv(t, withLimits(Limits{Anonymous: Limit{Events: 1, Per: time.Hour, Burst: 1}}))
	e.anonymousFrom("[2001:db8:1:2::1]:1", "d").expect(201)
	e.anonymousFrom("[2001:db8:1:2:ffff::9]:1", "d").expectLimited(3600)
	e.anonymousFrom("[2001:db8:1:3::1]:1", "d").expect(201)
	e.anonymousFrom("192.0.2.44:1", "d").expect(201)
	e.anonymousFrom("[::ffff:192.0.2.44]:1", "d").expectLimited(3600)
}

func TestTrustedProxyHeader(t *testing.T) {
	limit := Limits{Anonymous: Limit{Events: 1, Per: time.Hour, Burst: 1}}
	fromProxy := func(e *env, xff ...string) response {
		r := e.do(req{Method: "POST", Path: "/v1/identities/anonymous", APIKey: testAPIKey, RemoteAddr: "10.0.0.1:5",
			Body: map[string]string{"trackingId": "d"}, Header: map[string]string{"X-Forwarded-For": xff[0]}})
		return r
	}
	// Off by default: a client's own X-Forwarded-For does not make it someone else.
	e := newEnv(t, withLimits(limit))
	fromProxy(e, "198.51.100.1").expect(201)
	fromProxy(e, "198.51.100.2").expectLimited(3600)

	limit.TrustedProxyHeader = "x-forwarded-for"
	e = newEnv(t, withLimits(limit))
	fromProxy(e, "198.51.100.1").expect(201)
	fromProxy(e, "198.51.100.2").expect(201)
	// Only the last entry, the proxy's, counts: the client wrote the others.
	fromProxy(e, "203.0.113.9, 198.51.100.2").expectLimited(3600)
	fromProxy(e, "198.51.100.1, 198.51.100.3").expect(201)
	// Unreadable: the connection's address.
	fromProxy(e, "bogus").expect(201)
	fromProxy(e, "").expectLimited(3600)
}

func TestSendingLimitedPerSession(t *testing.T) {
	e := newEnv(t, withLimits(Limits{
		Conversations: Limit{Events: 6, Per: time.Minute, Burst: 2},
		Messages:      Limit{Events: 60, Per: time.Minute, Burst: 3},
	}))
	a, b := e.anonymous("a").SessionToken, e.anonymous("b").SessionToken
	conv := e.createConversation(a, "one").Conversation.ID
	e.createConversation(a, "two")
	e.sdk("POST", "/v1/conversations", a, map[string]string{"message": "three"}).expectLimited(10)
	e.createConversation(b, "b's own")
	for range 3 {
		e.send(a, conv, "m")
	}
	e.sdk("POST", "/v1/conversations/"+conv+"/messages", a, map[string]string{"body": "m"}).expectLimited(1)
	e.clock.Advance(time.Second)
	e.send(a, conv, "m")
}

// Buckets that have refilled go first when the map is full; a live one
// stays, so a client cannot reset its own bucket by spraying keys slowly.
func TestLimiterMemoryBounded(t *testing.T) {
	k := newKeyedLimiter(Limit{Events: 60, Per: time.Minute, Burst: 2}, 8)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 7 {
		k.take(fmt.Sprint("idle", i), t0)
	}
	hot := t0.Add(2 * time.Second) // the idle ones refilled by then
	k.take("hot", hot)
	k.take("hot", hot)
	if _, ok := k.take("hot", hot); ok {
		t.Fatal("hot not limited")
	}
	k.take("new", hot)
	if n := len(k.buckets); n != 2 {
		t.Fatalf("%d buckets after eviction, want hot and new", n)
	}
	if _, ok := k.take("hot", hot); ok {
		t.Fatal("eviction refilled a live bucket")
	}
	for i := range 1000 {
		k.take(fmt.Sprint("spray", i), hot)
		if len(k.buckets) > 8 {
			t.Fatalf("%d buckets, cap 8", len(k.buckets))
		}
	}
}

func TestLoginBoundsSessionsPerCustomer(t *testing.T) {
	e := newEnv(t, withLimits(Limits{SessionsPerCustomer: 2}))
	var tokens []string
	for i := range 3 {
		tokens = append(tokens, e.login(e.jwt("ann@example.com", ""), fmt.Sprint("d", i), "").SessionToken)
	}
	e.sdk("GET", "/v1/conversations", tokens[0], nil).expectError(401, codeSessionInvalid)
	for _, tok := range tokens[1:] {
		e.sdk("GET", "/v1/conversations", tok, nil).expect(200)
	}
}

func TestLongPollsCapped(t *testing.T) {
	e := newEnv(t, withLimits(Limits{PollsPerSession: 2, Polls: 3}))
	a, b, c := e.anonymous("a").SessionToken, e.anonymous("b").SessionToken, e.anonymous("c").SessionToken
	cursor := itoa(e.events(a, "").Cursor)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 3)
	hold := func(session string) {
		go func() {
			done <- e.do(req{Method: "GET", Path: "/v1/events?after=" + cursor + "&wait=25", APIKey: testAPIKey,
				Session: session, Ctx: ctx}).Code
		}()
	}
	waiting := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			e.srv.polls.mu.Lock()
			count := e.srv.polls.count
			e.srv.polls.mu.Unlock()
			if count == n {
				return
			}
		}
		t.Fatalf("never %d polls waiting", n)
	}
	hold(a)
	hold(a)
	waiting(2)
	e.sdk("GET", "/v1/events?after="+cursor+"&wait=25", a, nil).expectLimited(5)
	e.events(a, "?after="+cursor) // an answer at once holds no place
	hold(b)
	waiting(3)
	e.sdk("GET", "/v1/events?after="+cursor+"&wait=25", c, nil).expectLimited(5)
	cancel()
	for range 3 {
		<-done
	}
	waiting(0)
	if n := len(e.srv.polls.held); n != 0 {
		t.Fatalf("%d sessions still counted", n)
	}
	e.events(c, "?after="+cursor+"&wait=1")
}

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]Limit{
		"60/1m,20":   {Events: 60, Per: time.Minute, Burst: 20},
		"5/1s,1":     {Events: 5, Per: time.Second, Burst: 1},
		"off":        {},
		"60/1m0s,20": {Events: 60, Per: time.Minute, Burst: 20},
	} {
		got, err := ParseLimit(in)
		if err != nil || got != want {
			t.Fatalf("ParseLimit(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if again, err := ParseLimit(got.String()); err != nil || again != got {
			t.Fatalf("%q does not read back: %+v, %v", got.String(), again, err)
		}
	}
	for _, in := range []string{"", "60", "60/1m", "0/1m,1", "60/0s,1", "60/1m,0", "-1/1m,1", "x/1m,1", "60/1q,1", "60/1m,20,3"} {
		if _, err := ParseLimit(in); err == nil {
			t.Fatalf("ParseLimit(%q) accepted", in)
		}
	}
}
