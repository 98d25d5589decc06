package sdk

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// providerEnv is a device logged in as ann, whose provider answers with answer.
func providerEnv(t *testing.T, answer func(e *env) (string, error)) (*env, *atomic.Int32) {
	t.Helper()
	e := newEnv(t)
	var asked atomic.Int32
	e.c.Close()
	e.c = e.client(e.store, e.svc, e.rec, func(cfg *Config) {
		if answer != nil {
			cfg.TokenProvider = func(<-chan struct{}) (string, error) { asked.Add(1); return answer(e) }
		}
	})
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	return e, &asked
}

func hasEvent(e *env, name string) bool {
	for _, r := range e.rec.all() {
		if r.name == name {
			return true
		}
	}
	return false
}

// An ended session is renewed with the provider's token: the failed call is
// retried, the customer and their chats stay, no event fires.
func TestEndedSessionRenewedFromTheProvider(t *testing.T) {
	e, asked := providerEnv(t, func(e *env) (string, error) { return e.emailToken("ann@example.com"), nil })
	conv := must(t, e.c.CreateConversation("hello"))
	before := must(t, e.c.GetIdentity())
	e.rec.reset()
	e.svc.expire()
	convs := must(t, e.c.GetConversations())
	if len(convs) != 1 || convs[0].ID != conv.ID {
		t.Fatalf("after renewal: %+v", convs)
	}
	after := must(t, e.c.GetIdentity())
	if after.CustomerID != before.CustomerID || !after.Verified || asked.Load() != 1 {
		t.Fatalf("identity %+v after %+v, provider asked %d times", after, before, asked.Load())
	}
	must(t, e.c.SendMessage(conv.ID, "still here"))
	e.svc.agentReply(t, conv.ID, "agent here")
	e.rec.waitFor(t, func(r recorded) bool { return r.name == EventMessageReceived })
	if n := count(e.rec, func(r recorded) bool { return r.name == EventMessageReceived }); n != 1 {
		t.Fatalf("%d messages received, want the agent's only: %+v", n, e.rec.all())
	}
	if hasEvent(e, EventLogout) || hasEvent(e, EventLogin) || len(e.rec.warns()) != 0 {
		t.Fatalf("renewal was visible: %+v, warnings %q", e.rec.all(), e.rec.warns())
	}
}

// A message sent on an ended session is sent once, after the renewal.
func TestSendOnEndedSessionSentOnce(t *testing.T) {
	e, _ := providerEnv(t, func(e *env) (string, error) { return e.emailToken("ann@example.com"), nil })
	conv := must(t, e.c.CreateConversation("hello"))
	e.svc.expire()
	must(t, e.c.SendMessage(conv.ID, "once"))
	msgs := must(t, e.c.GetMessages(conv.ID))
	if len(msgs) != 2 || msgs[1].Body != "once" {
		t.Fatalf("messages %+v", msgs)
	}
	if p := must(t, e.c.GetPendingMessages()); len(p) != 0 {
		t.Fatalf("pending %+v", p)
	}
}

// The poller finds the ended session on an idle device and renews it; an agent's
// reply stored while the session was being renewed still arrives.
func TestPollerRenewsEndedSession(t *testing.T) {
	replied := make(chan struct{})
	e, asked := providerEnv(t, func(e *env) (string, error) {
		<-replied
		return e.emailToken("ann@example.com"), nil
	})
	conv := must(t, e.c.CreateConversation("hello"))
	e.svc.expire()
	deadline := time.Now().Add(5 * time.Second)
	for asked.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the poller did not renew the session")
		}
		time.Sleep(time.Millisecond)
	}
	e.rec.reset()
	e.svc.agentReply(t, conv.ID, "agent here")
	close(replied)
	e.rec.waitFor(t, func(r recorded) bool { return r.name == EventMessageReceived })
}

// Calls queued behind the renewal settle in call order, each on the new session.
func TestRenewalKeepsCallOrder(t *testing.T) {
	e, _ := providerEnv(t, func(e *env) (string, error) {
		time.Sleep(20 * time.Millisecond)
		return e.emailToken("ann@example.com"), nil
	})
	conv := must(t, e.c.CreateConversation("hello"))
	e.svc.expire()
	calls := []*Call[*Message]{}
	for i := range 5 {
		calls = append(calls, e.c.SendMessage(conv.ID, "m"+string(rune('0'+i))))
	}
	for _, call := range calls {
		must(t, call)
	}
	msgs := must(t, e.c.GetMessages(conv.ID))
	if len(msgs) != 6 {
		t.Fatalf("%d messages", len(msgs))
	}
	for i, m := range msgs[1:] {
		if m.Body != "m"+string(rune('0'+i)) {
			t.Fatalf("message %d is %q", i, m.Body)
		}
	}
}

// Without a provider, or when it fails, hangs, or names another customer, the
// device becomes a fresh anonymous visitor, warns, and fires onLogout.
func TestEndedSessionFallsBackToAnonymous(t *testing.T) {
	cases := map[string]func(e *env) (string, error){
		"no provider":      nil,
		"provider fails":   func(*env) (string, error) { return "", errors.New("backend down") },
		"empty token":      func(*env) (string, error) { return "", nil },
		"another customer": func(e *env) (string, error) { return e.emailToken("bob@example.com"), nil },
		"not a token":      func(*env) (string, error) { return "garbage", nil },
		"panics":           func(*env) (string, error) { panic("oops") },
		"hangs":            func(*env) (string, error) { time.Sleep(time.Hour); return "", nil },
	}
	for name, answer := range cases {
		t.Run(name, func(t *testing.T) {
			e, _ := providerEnv(t, answer)
			e.c.providerTimeout = 50 * time.Millisecond
			must(t, e.c.CreateConversation("hello"))
			before := must(t, e.c.GetIdentity())
			e.rec.reset()
			e.svc.expire()
			// The call fails, unless the poller found the session ended first.
			if _, err := waitCall(t, e.c.GetConversations()); err != nil && CodeOf(err) != CodeTokenRejected {
				t.Fatalf("GetConversations: %v", err)
			}
			e.rec.waitFor(t, func(r recorded) bool { return r.name == EventLogout })
			id := must(t, e.c.GetIdentity())
			if id.Verified || id.CustomerID != "" || id.TrackingID == before.TrackingID {
				t.Fatalf("not a fresh anonymous device: %+v", id)
			}
			if !hasEvent(e, EventLogout) {
				t.Fatalf("no onLogout: %+v", e.rec.all())
			}
			if w := e.rec.warns(); len(w) != 1 || !strings.Contains(w[0], "anonymous") {
				t.Fatalf("warnings %q", w)
			}
			if convs := must(t, e.c.GetConversations()); len(convs) != 0 {
				t.Fatalf("the new visitor sees %+v", convs)
			}
		})
	}
}

// An anonymous session cannot be renewed: the device starts a fresh visitor,
// with a warning and no onLogout.
func TestEndedAnonymousSessionStartsAFreshVisitor(t *testing.T) {
	e := newEnv(t)
	must(t, e.c.CreateConversation("hello"))
	before := must(t, e.c.GetIdentity())
	e.svc.expire()
	if _, err := waitCall(t, e.c.GetConversations()); err != nil && CodeOf(err) != CodeTokenRejected {
		t.Fatalf("GetConversations: %v", err)
	}
	id := must(t, e.c.GetIdentity())
	if id.CustomerID != "" || id.TrackingID == before.TrackingID || hasEvent(e, EventLogout) || len(e.rec.warns()) != 1 {
		t.Fatalf("identity %+v, events %+v, warnings %q", id, e.rec.all(), e.rec.warns())
	}
	must(t, e.c.CreateConversation("a new start"))
}

// SetTokenProvider sets the provider in call order.
func TestSetTokenProvider(t *testing.T) {
	e := newEnv(t)
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	must(t, e.c.SetTokenProvider(func(<-chan struct{}) (string, error) { return e.emailToken("ann@example.com"), nil }))
	e.svc.expire()
	must(t, e.c.GetConversations())
	if id := must(t, e.c.GetIdentity()); !id.Verified {
		t.Fatal("not renewed")
	}
}

// A message sent on an ended session that cannot be renewed is not said to be kept:
// the outbox went with the old visitor.
func TestSendOnUnrenewableSessionIsNotKept(t *testing.T) {
	e, _ := providerEnv(t, nil)
	conv := must(t, e.c.CreateConversation("hello"))
	e.svc.expire()
	_, err := waitCall(t, e.c.SendMessage(conv.ID, "lost"))
	if err == nil || CodeOf(err) != CodeTokenRejected && CodeOf(err) != CodeNotFound || strings.Contains(err.Error(), "kept") {
		t.Fatalf("SendMessage: %v", err)
	}
	if p := must(t, e.c.GetPendingMessages()); len(p) != 0 {
		t.Fatalf("pending %+v", p)
	}
}
