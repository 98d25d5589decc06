package sdk

import (
	"strings"
	"testing"
	"time"
)

// With AfterAnswer, a logIn settles before it persists or starts its poller, and
// the next call, a local one included, waits until that work has run.
func TestLogInPersistsAndPollsAfterItsAnswerBeforeTheNextCall(t *testing.T) {
	e := newEnv(t)
	nexts := make(chan func(), 1)
	c := e.client(e.store, e.svc, e.rec, func(cfg *Config) {
		cfg.AfterAnswer = func(next func()) { nexts <- next }
	})
	must(t, c.GetIdentity())
	storedBefore, _, _ := e.store.Get(c.StorageKey())

	id := must(t, c.LogIn(e.emailToken("ann@example.com")))
	if !id.Verified {
		t.Fatalf("identity %+v", id)
	}
	var next func()
	select {
	case next = <-nexts:
	case <-time.After(10 * time.Second):
		t.Fatal("AfterAnswer not called")
	}
	if got, _, _ := e.store.Get(c.StorageKey()); got != storedBefore {
		t.Fatal("the login was persisted before its answer")
	}
	if n := len(e.svc.requests("/v1/events")); n != 0 {
		t.Fatalf("%d event polls before the answer", n)
	}
	after := c.IsLoggedIn("email", "ann@example.com")
	time.Sleep(20 * time.Millisecond)
	if isClosed(after.Done()) {
		t.Fatal("the next call settled before the logIn's deferred work ran")
	}

	next()
	if !must(t, after) {
		t.Fatal("isLoggedIn after the logIn is false")
	}
	if got, _, _ := e.store.Get(c.StorageKey()); !strings.Contains(got, "ann@example.com") {
		t.Fatalf("stored state after the deferred work: %s", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(e.svc.requests("/v1/events")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the poller did not start after the answer")
		}
		time.Sleep(time.Millisecond)
	}
}
