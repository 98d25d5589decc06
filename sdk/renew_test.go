package sdk

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// providerEnv is a device of the fake service logged in as ann, whose provider
// answers with answer.
func providerEnv(t *testing.T, answer func(e *env) (string, error)) (*env, *atomic.Int32) {
	t.Helper()
	return withProvider(newEnv(t), answer)
}

// withProvider logs e's device in as ann, with a provider that answers with answer.
func withProvider(e *env, answer func(e *env) (string, error)) (*env, *atomic.Int32) {
	t := e.t
	t.Helper()
	var asked atomic.Int32
	e.c.Close()
	e.c = e.client(e.store, e.api, e.rec, func(cfg *Config) {
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
	e, asked := withProvider(newServiceEnv(t), func(e *env) (string, error) { return e.emailToken("ann@example.com"), nil })
	conv := must(t, e.c.CreateConversation("hello"))
	before := must(t, e.c.GetIdentity())
	e.rec.reset()
	e.api.expire()
	convs := must(t, e.c.GetConversations())
	if len(convs) != 1 || convs[0].ID != conv.ID {
		t.Fatalf("after renewal: %+v", convs)
	}
	after := must(t, e.c.GetIdentity())
	if after.CustomerID != before.CustomerID || !after.Verified || asked.Load() != 1 {
		t.Fatalf("identity %+v after %+v, provider asked %d times", after, before, asked.Load())
	}
	must(t, e.c.SendMessage(conv.ID, "still here"))
	e.api.agentReply(t, conv.ID, "agent here")
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
	e, _ := withProvider(newServiceEnv(t), func(e *env) (string, error) { return e.emailToken("ann@example.com"), nil })
	conv := must(t, e.c.CreateConversation("hello"))
	e.api.expire()
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
	e, _ := withProvider(newServiceEnv(t), func(e *env) (string, error) {
		time.Sleep(20 * time.Millisecond)
		return e.emailToken("ann@example.com"), nil
	})
	conv := must(t, e.c.CreateConversation("hello"))
	e.api.expire()
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
			e, _ := withProvider(newServiceEnv(t), answer)
			e.c.providerTimeout = 50 * time.Millisecond
			must(t, e.c.CreateConversation("hello"))
			before := must(t, e.c.GetIdentity())
			e.rec.reset()
			e.api.expire()
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
	e := newServiceEnv(t)
	must(t, e.c.CreateConversation("hello"))
	before := must(t, e.c.GetIdentity())
	e.api.expire()
	// The call that meets the ended session answers as the fresh visitor.
	if convs := must(t, e.c.GetConversations()); len(convs) != 0 {
		t.Fatalf("conversations %+v", convs)
	}
	id := must(t, e.c.GetIdentity())
	if id.CustomerID != "" || id.TrackingID == before.TrackingID || hasEvent(e, EventLogout) || len(e.rec.warns()) != 1 {
		t.Fatalf("identity %+v, events %+v, warnings %q", id, e.rec.all(), e.rec.warns())
	}
	must(t, e.c.CreateConversation("a new start"))
}

// A new conversation started on an ended anonymous session is started by the
// fresh visitor, not refused.
func TestNewConversationOnEndedAnonymousSessionStartsAFreshVisitor(t *testing.T) {
	e := newServiceEnv(t)
	first := must(t, e.c.CreateConversation("hello"))
	before := must(t, e.c.GetIdentity())
	e.api.expire()
	conv := must(t, e.c.CreateConversation("a new start"))
	id := must(t, e.c.GetIdentity())
	if conv.ID == first.ID || id.CustomerID == "" || id.CustomerID == before.CustomerID {
		t.Fatalf("conversation %+v, identity %+v (before %+v)", conv, id, before)
	}
	if convs := must(t, e.c.GetConversations()); len(convs) != 1 || convs[0].ID != conv.ID {
		t.Fatalf("conversations %+v", convs)
	}
}

// SetTokenProvider sets the provider in call order.
func TestSetTokenProvider(t *testing.T) {
	e := newServiceEnv(t)
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	must(t, e.c.SetTokenProvider(func(<-chan struct{}) (string, error) { return e.emailToken("ann@example.com"), nil }))
	e.api.expire()
	must(t, e.c.GetConversations())
	if id := must(t, e.c.GetIdentity()); !id.Verified {
		t.Fatal("not renewed")
	}
}

// A message sent on an ended session that cannot be renewed is not said to be kept:
// the outbox went with the old visitor.
func TestSendOnUnrenewableSessionIsNotKept(t *testing.T) {
	e, _ := withProvider(newServiceEnv(t), nil)
	conv := must(t, e.c.CreateConversation("hello"))
	e.api.expire()
	_, err := waitCall(t, e.c.SendMessage(conv.ID, "lost"))
	if err == nil || CodeOf(err) != CodeTokenRejected && CodeOf(err) != CodeNotFound || strings.Contains(err.Error(), "kept") {
		t.Fatalf("SendMessage: %v", err)
	}
	if p := must(t, e.c.GetPendingMessages()); len(p) != 0 {
		t.Fatalf("pending %+v", p)
	}
}

// heldAnswers passes requests to inner but, while hold is set, keeps their answers
// until release is closed: a tab that is asleep while another works.
type heldAnswers struct {
	inner   Transport
	hold    atomic.Bool
	release chan struct{}
}

func (h *heldAnswers) Do(cancel <-chan struct{}, req Request) (Response, error) {
	resp, err := h.inner.Do(cancel, req)
	if h.hold.Load() {
		select {
		case <-h.release:
		case <-cancel:
		}
	}
	return resp, err
}

// Two tabs share the device's session. When it ends, the tab that finds out first
// renews it with the provider; the other, finding it ended too, takes the new session
// from storage without asking its provider again, fires no event, and its poller goes
// on from where it was: a reply stored while it had not yet caught up still arrives.
func TestAnotherTabsRenewalIsTakenNotRepeated(t *testing.T) {
	e, asked := providerEnv(t, func(e *env) (string, error) { return e.emailToken("ann@example.com"), nil })
	conv := must(t, e.c.CreateConversation("hello"))

	var asked2 atomic.Int32
	tr := &heldAnswers{inner: e.svc, release: make(chan struct{})}
	tab2Rec := newRecorder()
	tab2 := e.client(e.store, tr, tab2Rec, func(cfg *Config) {
		cfg.TokenProvider = func(<-chan struct{}) (string, error) { asked2.Add(1); return e.emailToken("ann@example.com"), nil }
	})
	old := must(t, tab2.GetIdentity())
	tab2Rec.waitFor(t, isUnread(0)) // tab 2's poller has its cursor
	waitLongPoll(t, e.svc)

	tr.hold.Store(true) // tab 2 learns of the end only after tab 1 has renewed
	e.svc.expire()
	must(t, e.c.GetConversations())
	if asked.Load() != 1 {
		t.Fatalf("tab 1 asked its provider %d times", asked.Load())
	}
	renewed := e.stored()
	e.svc.agentReply(t, conv.ID, "while tab 2 slept")
	close(tr.release)

	tab2Rec.waitFor(t, isMessage("while tab 2 slept"))
	if convs := must(t, tab2.GetConversations()); len(convs) != 1 || convs[0].ID != conv.ID {
		t.Fatalf("tab 2's conversations %+v", convs)
	}
	if n := asked2.Load(); n != 0 || asked.Load() != 1 {
		t.Fatalf("providers asked %d (tab 2) and %d (tab 1) times, want 0 and 1", n, asked.Load())
	}
	if e.stored() != renewed {
		t.Fatal("tab 2 stored another state than tab 1's renewal")
	}
	if id := must(t, tab2.GetIdentity()); id.CustomerID != old.CustomerID || !id.Verified {
		t.Fatalf("tab 2's identity %+v", id)
	}
	for _, r := range tab2Rec.all() {
		if r.name == EventLogin || r.name == EventLogout {
			t.Fatalf("tab 2 fired %s", r.name)
		}
	}
	if n := count(tab2Rec, isMessage("while tab 2 slept")); n != 1 || len(tab2Rec.warns()) != 0 {
		t.Fatalf("the reply came %d times; warnings %q", n, tab2Rec.warns())
	}
}

// A renewed session's poller goes on from the old one's cursor: another device's
// message stored before this device's own last one, but not yet received when the
// session ended, still arrives, and this device's own do not.
func TestRenewedPollerMissesNothingStoredBeforeTheDevicesOwn(t *testing.T) {
	e := newEnv(t)
	// The polls fail from the start, so that everything below waits for the renewal.
	e.svc.setHook(func(r Request) (Response, error, bool) {
		if !strings.Contains(r.URL, "/v1/events") {
			return Response{}, nil, false
		}
		return Response{Status: 503, Body: []byte(`{"error":{"code":"SERVER_ERROR","message":"x"}}`)}, nil, true
	})
	e, asked := withProvider(e, func(e *env) (string, error) { return e.emailToken("ann@example.com"), nil })
	conv := must(t, e.c.CreateConversation("hello"))
	e.svc.mu.Lock()
	laptop := e.svc.newSession(e.svc.convs[conv.ID].customerID, "laptop", false)
	e.svc.addMessage(e.svc.convs[conv.ID], "", "", "from the laptop", laptop)
	e.svc.mu.Unlock()
	mine := must(t, e.c.SendMessage(conv.ID, "mine"))
	e.svc.expire()
	e.svc.setHook(nil)

	e.rec.waitFor(t, func(r recorded) bool { return r.name == EventMessageReceived })
	must(t, e.c.SendMessage(conv.ID, "on the new session"))
	e.svc.agentReply(t, conv.ID, "agent")
	e.rec.waitFor(t, func(r recorded) bool {
		m, ok := r.payload.(*Message)
		return r.name == EventMessageReceived && ok && m.Body == "agent"
	})
	var received []string
	for _, r := range e.rec.all() {
		if m, ok := r.payload.(*Message); r.name == EventMessageReceived && ok {
			received = append(received, m.Body)
			if m.ID == mine.ID {
				t.Fatalf("this device's own message came back: %+v", m)
			}
		}
	}
	if strings.Join(received, "|") != "from the laptop|agent" || asked.Load() != 1 {
		t.Fatalf("received %q after %d renewals, want the laptop's message and the agent's after one", received, asked.Load())
	}
}
