package sdk

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCallsSettleInCallOrder(t *testing.T) {
	e := newServiceEnv(t)
	type settler interface{ Done() <-chan struct{} }
	var mu = make(chan struct{}, 1)
	var calls []settler
	var violations []string
	settled := 0
	allSettled := make(chan struct{})
	c, err := newClient(Config{APIKey: testAPIKey, ServerURL: e.base, Storage: e.store, Transport: e.api, Clock: e.clock}, func(c *Client) {
		c.onSettle = func() {
			mu <- struct{}{}
			for i, call := range calls {
				select {
				case <-call.Done():
					if i > settled {
						violations = append(violations, "call "+itoa(int64(i))+" settled before call "+itoa(int64(settled)))
					}
				default:
					if i <= settled {
						violations = append(violations, "call "+itoa(int64(i))+" not settled in its turn")
					}
				}
			}
			settled++
			if settled == 100 {
				close(allSettled)
			}
			<-mu
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	add := func(s settler) { mu <- struct{}{}; calls = append(calls, s); <-mu }

	var loggedIn, loggedOut *Call[bool]
	var convs *Call[[]Conversation]
	var ids []*Call[*Identity]
	for i := 0; i < 100; i++ {
		switch i {
		case 10:
			add(c.LogIn(e.emailToken("ann@example.com")))
		case 11:
			loggedIn = c.IsLoggedIn("email", "ann@example.com")
			add(loggedIn)
		case 20:
			add(c.CreateConversation("first"))
		case 21:
			convs = c.GetConversations()
			add(convs)
		case 50:
			add(c.LogOut())
		case 51:
			loggedOut = c.IsLoggedIn("email", "ann@example.com")
			add(loggedOut)
		case 60:
			add(c.IsLoggedIn("bad", ""))
		default:
			id := c.GetIdentity()
			ids = append(ids, id)
			add(id)
		}
	}
	if !must(t, loggedIn) || must(t, loggedOut) {
		t.Fatal("isLoggedIn did not see the calls before it")
	}
	if got := must(t, convs); len(got) != 1 {
		t.Fatalf("conversations %+v", got)
	}
	for _, id := range ids {
		must(t, id)
	}
	<-allSettled
	mu <- struct{}{}
	defer func() { <-mu }()
	if settled != 100 || len(violations) != 0 {
		t.Fatalf("settled %d, violations %v", settled, violations)
	}
}

func TestConcurrentCallsFromManyGoroutines(t *testing.T) {
	e := newServiceEnv(t)
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	const workers, each = 12, 20
	errs := make(chan error, workers*each)
	done := make(chan struct{})
	for w := 0; w < workers; w++ {
		go func(w int) {
			defer func() { done <- struct{}{} }()
			for i := 0; i < each; i++ {
				var err error
				switch (w + i) % 6 {
				case 0:
					_, err = e.c.GetIdentity().Wait()
				case 1:
					var ok bool
					ok, err = e.c.IsLoggedIn("email", "ann@example.com").Wait()
					if err == nil && !ok {
						err = errors.New("not logged in")
					}
				case 2:
					_, err = e.c.CreateConversation("hello " + itoa(int64(w))).Wait()
				case 3:
					_, err = e.c.GetConversations().Wait()
				case 4:
					_, err = e.c.GetUnreadCount().Wait()
				case 5:
					_, err = e.c.Reload().Wait()
				}
				errs <- err
			}
		}(w)
	}
	for w := 0; w < workers; w++ {
		<-done
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	convs := must(t, e.c.GetConversations())
	if len(convs) != workers*each/6 {
		t.Fatalf("%d conversations", len(convs))
	}
}

// panicOnceClock panics on its first use only.
type panicOnceClock struct{ used atomic.Bool }

func (c *panicOnceClock) Now() time.Time {
	if !c.used.Swap(true) {
		panic("clock broke")
	}
	return time.Now()
}

func TestPanicInsideACallIsInternalAndTheNextCallWorks(t *testing.T) {
	e := newEnv(t)
	e.svc.setHook(func(r Request) (Response, error, bool) {
		if strings.HasSuffix(r.URL, "/v1/conversations") && r.Method == "POST" {
			panic("transport exploded")
		}
		return Response{}, nil, false
	})
	mustFail(t, e.c.CreateConversation("hi"), CodeInternal)
	if id := must(t, e.c.GetIdentity()); id.CustomerID == "" {
		t.Fatal("the anonymous customer made before the panic is lost")
	}
	e.svc.setHook(nil)
	must(t, e.c.CreateConversation("hi again"))

	// A panic outside the Transport (here the Clock) is recovered by the worker.
	c := e.client(NewMemoryStorage(), e.svc, e.rec, func(cfg *Config) { cfg.Clock = &panicOnceClock{} })
	mustFail(t, c.GetIdentity(), CodeInternal)
	if id := must(t, c.GetIdentity()); id.TrackingID == "" {
		t.Fatalf("identity %+v", id)
	}

	// A panicking listener neither fails the call nor stops the worker.
	rec := newRecorder()
	c2 := e.client(NewMemoryStorage(), e.svc, rec, func(cfg *Config) {
		cfg.Events = eventLog(func(string, any) { panic("listener exploded") })
	})
	must(t, c2.LogIn(e.emailToken("bob@example.com")))
	if !must(t, c2.IsLoggedIn("email", "bob@example.com")) {
		t.Fatal("not logged in")
	}
	if w := rec.warns(); len(w) == 0 || !strings.Contains(w[0], "listener") {
		t.Fatalf("warnings %q", w)
	}
}

func TestCloseSettlesQueuedAndLaterCalls(t *testing.T) {
	e := newEnv(t)
	block, entered := make(chan struct{}), make(chan struct{})
	e.svc.setHook(func(r Request) (Response, error, bool) {
		close(entered)
		<-block
		return Response{}, context.Canceled, true
	})
	first := e.c.CreateConversation("hi")
	queued := e.c.GetIdentity()
	<-entered
	e.c.Close()
	close(block)
	mustFail(t, first, CodeNetworkError)
	mustFail(t, queued, CodeNotConfigured)
	mustFail(t, e.c.GetIdentity(), CodeNotConfigured)
	select {
	case <-e.c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("worker did not stop")
	}
}

func TestFailSettlesInOrder(t *testing.T) {
	e := newServiceEnv(t)
	login := e.c.LogIn(e.emailToken("ann@example.com"))
	f := Fail[struct{}](e.c, &Error{Code: CodeInvalidArgument, Message: "bad"})
	g := Fail[int](e.c, errors.New("plain"))
	mustFail(t, f, CodeInvalidArgument)
	mustFail(t, g, CodeInternal)
	select {
	case <-login.Done():
	default:
		t.Fatal("Fail settled before an earlier call")
	}
}

func TestLocalCallsAnswerAtOnceOnlyWhenNothingIsAhead(t *testing.T) {
	e := newEnv(t)
	idle := e.c.IsLoggedIn("email", "ann@example.com")
	if !isClosed(idle.Done()) {
		t.Fatal("an isLoggedIn with nothing ahead of it did not settle before returning")
	}

	release := make(chan struct{})
	e.svc.setHook(func(req Request) (Response, error, bool) {
		if strings.HasSuffix(req.URL, "/v1/identities/login") {
			<-release
		}
		return Response{}, nil, false
	})
	login := e.c.LogIn(e.emailToken("ann@example.com"))
	behind := e.c.IsLoggedIn("email", "ann@example.com")
	identity := e.c.GetIdentity()
	if isClosed(behind.Done()) || isClosed(identity.Done()) {
		t.Fatal("a local call settled before the logIn ahead of it")
	}
	close(release)
	must(t, login)
	if !must(t, behind) || !must(t, identity).Verified {
		t.Fatal("the local calls did not see the logIn ahead of them")
	}
}
