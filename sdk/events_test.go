package sdk

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func isMessage(body string) func(recorded) bool {
	return func(r recorded) bool {
		m, ok := r.payload.(*Message)
		return r.name == EventMessageReceived && ok && m.Body == body
	}
}

func isUnread(n int) func(recorded) bool {
	return func(r recorded) bool { v, ok := r.payload.(int); return r.name == EventUnread && ok && v == n }
}

func TestPollerEmitsMessagesAndStopsOnLogOut(t *testing.T) {
	e := newServiceEnv(t)
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	conv := must(t, e.c.CreateConversation("hello"))
	e.api.agentReply(t, conv.ID, "how can I help?")
	ev := e.rec.waitFor(t, isMessage("how can I help?"))
	if m := ev.payload.(*Message); m.Author != "agent" || m.ConversationID != conv.ID {
		t.Fatalf("message %+v", m)
	}
	e.rec.waitFor(t, isUnread(1))
	for _, r := range e.rec.all() {
		if isMessage("hello")(r) {
			t.Fatal("the customer's own message came back as an event")
		}
	}
	// From the login's cursor, first at once for the unread total, then
	// waiting (a poll that has news to catch up on may again not wait, so
	// which one is last depends on timing).
	waitLongPoll(t, e.api)
	polls := e.api.requests("/v1/events")
	waited := slices.ContainsFunc(polls[1:], func(r Request) bool { return strings.Contains(r.URL, "wait=20") })
	if !strings.HasSuffix(polls[0].URL, "/v1/events?after=0") || !waited {
		t.Fatalf("poll URLs %s ... %s", polls[0].URL, polls[len(polls)-1].URL)
	}

	must(t, e.c.LogOut())
	e.rec.waitFor(t, isUnread(0))
	n := len(e.api.requests("/v1/events"))
	e.rec.reset()
	e.api.agentReply(t, conv.ID, "are you there?")
	must(t, e.c.GetIdentity())
	if len(e.api.requests("/v1/events")) != n {
		t.Fatal("the poller polled after logout")
	}
	for _, r := range e.rec.all() {
		if r.name == EventMessageReceived {
			t.Fatal("message received after logout")
		}
	}
}

func TestPollerSeesTheSameCustomerOnAnotherDevice(t *testing.T) {
	e := newServiceEnv(t)
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	conv := must(t, e.c.CreateConversation("from laptop"))

	phoneRec := newRecorder()
	phone := e.client(NewMemoryStorage(), e.api, phoneRec, nil)
	must(t, phone.LogIn(e.emailToken("ann@example.com")))
	must(t, phone.SendMessage(conv.ID, "from phone"))
	e.rec.waitFor(t, isMessage("from phone"))
	must(t, e.c.SendMessage(conv.ID, "laptop again"))
	phoneRec.waitFor(t, isMessage("laptop again"))
	for _, r := range phoneRec.all() {
		if isMessage("from phone")(r) {
			t.Fatal("a device got its own message back")
		}
	}
}

func TestPollerBacksOffOnErrorsAndRecovers(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	failures := 0
	e.svc.setHook(func(r Request) (Response, error, bool) {
		if !strings.Contains(r.URL, "/v1/events") {
			return Response{}, nil, false
		}
		mu.Lock()
		defer mu.Unlock()
		if failures < 3 {
			failures++
			return Response{Status: 500, Body: []byte(`{"error":{"code":"SERVER_ERROR","message":"x"}}`)}, nil, true
		}
		return Response{}, nil, false
	})
	conv := must(t, e.c.CreateConversation("hi"))
	e.svc.agentReply(t, conv.ID, "reply") // likely before the poller's first answer, which fails
	e.rec.waitFor(t, isMessage("reply"))
	mu.Lock()
	defer mu.Unlock()
	if failures != 3 {
		t.Fatalf("%d failures", failures)
	}
}

func TestBackoffSchedule(t *testing.T) {
	c := &Client{backoffMin: time.Second, backoffMax: 30 * time.Second}
	var got []time.Duration
	var b time.Duration
	for i := 0; i < 7; i++ {
		b = c.nextBackoff(b)
		got = append(got, b/time.Second)
	}
	if fmt.Sprint(got) != "[1ns 2ns 4ns 8ns 16ns 30ns 30ns]" {
		t.Fatalf("schedule %v", got)
	}
}

func TestReloadEmitsTheRightEvents(t *testing.T) {
	e := newServiceEnv(t) // tab 1
	tab2 := e.client(e.store, e.api, newRecorder(), nil)
	anon := must(t, e.c.GetIdentity())

	must(t, e.c.Reload())
	if len(e.rec.all()) != 0 {
		t.Fatalf("reload without a change emitted %v", e.rec.names())
	}

	ann := must(t, tab2.LogIn(e.emailToken("ann@example.com")))
	if ann.TrackingID != anon.TrackingID {
		t.Fatal("tabs do not share the device id")
	}
	must(t, e.c.Reload())
	ev := e.rec.waitFor(t, func(r recorded) bool { return r.name == EventLogin })
	if *ev.payload.(*Identity) != *ann {
		t.Fatalf("onLogin payload %+v", ev.payload)
	}
	if !must(t, e.c.IsLoggedIn("email", "ann@example.com")) {
		t.Fatal("tab 1 does not see the login")
	}
	// Tab 1 now polls Ann's session, from the service's cursor: the login and its
	// history were tab 2's, and tab 1 knows no seq of Ann's.
	e.rec.waitFor(t, isUnread(0))
	conv := must(t, tab2.CreateConversation("hi"))
	e.api.agentReply(t, conv.ID, "agent to ann")
	e.rec.waitFor(t, isMessage("agent to ann"))

	e.rec.reset()
	must(t, e.c.Reload())
	if names := lifecycle(e.rec.names()); len(names) != 0 {
		t.Fatalf("reload of the same login emitted %v", names)
	}

	must(t, tab2.LogOutThenLogIn(e.emailToken("bob@example.com")))
	must(t, e.c.Reload())
	if names := lifecycle(e.rec.names()); strings.Join(names, ",") != "onLogout,onLogin" {
		t.Fatalf("switch emitted %v", e.rec.names())
	}
	if !must(t, e.c.IsLoggedIn("email", "bob@example.com")) {
		t.Fatal("tab 1 does not see bob")
	}

	e.rec.reset()
	must(t, tab2.LogOut())
	must(t, e.c.Reload())
	if names := lifecycle(e.rec.names()); strings.Join(names, ",") != "onLogout" {
		t.Fatalf("logout emitted %v", e.rec.names())
	}
	if must(t, e.c.IsLoggedIn("email", "bob@example.com")) {
		t.Fatal("tab 1 still logged in")
	}

	// A corrupt write by someone else: fresh anonymous, a warning, an onLogout.
	must(t, tab2.LogIn(e.emailToken("ann@example.com")))
	must(t, e.c.Reload())
	e.rec.reset()
	_ = e.store.Set(e.c.StorageKey(), "{garbage")
	must(t, e.c.Reload())
	if names := lifecycle(e.rec.names()); strings.Join(names, ",") != "onLogout" {
		t.Fatalf("corrupt reload emitted %v", e.rec.names())
	}
	if id := must(t, e.c.GetIdentity()); id.Verified {
		t.Fatal("still verified")
	}
	if w := e.rec.warns(); len(w) != 1 {
		t.Fatalf("warnings %q", w)
	}
}

func TestReloadBeforeFirstLoadOnlyLoads(t *testing.T) {
	e := newServiceEnv(t)
	tab2 := e.client(e.store, e.api, newRecorder(), nil)
	must(t, tab2.LogIn(e.emailToken("ann@example.com")))
	must(t, e.c.Reload())
	if names := lifecycle(e.rec.names()); len(names) != 0 {
		t.Fatalf("events %v", names)
	}
	if !must(t, e.c.IsLoggedIn("email", "ann@example.com")) {
		t.Fatal("not loaded")
	}
}

func TestMessagesCarryTheAgentsName(t *testing.T) {
	e := newServiceEnv(t)
	conv := must(t, e.c.CreateConversation("hello"))
	e.api.agentReplyAs(t, conv.ID, "Dana", "I can help")
	e.api.agentReply(t, conv.ID, "unsigned")
	ev := e.rec.waitFor(t, isMessage("I can help"))
	if m := ev.payload.(*Message); m.AuthorName != "Dana" || m.Author != "agent" {
		t.Fatalf("onMessageReceived %+v", m)
	}
	msgs := must(t, e.c.GetMessages(conv.ID))
	if len(msgs) != 3 || msgs[0].AuthorName != "" || msgs[1].AuthorName != "Dana" || msgs[2].AuthorName != "" {
		t.Fatalf("messages %+v", msgs)
	}
}

// waitWithin waits for an event matching match and fails when it took longer than d.
func waitWithin(t *testing.T, rec *recorder, d time.Duration, match func(recorded) bool) {
	t.Helper()
	start := time.Now()
	rec.waitFor(t, match)
	if took := time.Since(start); took > d {
		t.Fatalf("the event took %v", took)
	}
}

func TestMarkReadReachesOnUnreadAtOnceOnEveryDevice(t *testing.T) {
	e := newServiceEnv(t)
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	conv := must(t, e.c.CreateConversation("hello"))
	e.api.agentReply(t, conv.ID, "one")
	e.api.agentReply(t, conv.ID, "two")
	e.rec.waitFor(t, isUnread(2))

	phoneRec := newRecorder()
	phone := e.client(NewMemoryStorage(), e.api, phoneRec, nil)
	must(t, phone.LogIn(e.emailToken("ann@example.com")))
	phoneRec.waitFor(t, isUnread(2))

	e.rec.reset()
	must(t, e.c.MarkRead(conv.ID))
	waitWithin(t, e.rec, time.Second, isUnread(0))
	waitWithin(t, phoneRec, time.Second, isUnread(0))
	told := false
	for _, r := range e.api.requests("/v1/events") {
		told = told || strings.HasSuffix(r.URL, "&wait=20&unread=2")
	}
	if !told {
		t.Fatal("no poll told the service the total it saw")
	}

	e.api.agentReply(t, conv.ID, "three")
	e.rec.waitFor(t, isUnread(1))
	phoneRec.waitFor(t, isUnread(1))
	must(t, phone.MarkRead(conv.ID))
	waitWithin(t, e.rec, time.Second, isUnread(0))
}

func TestAPollWokenByMarkReadPollsAgainAtOnce(t *testing.T) {
	e := newServiceEnv(t)
	c, err := newClient(Config{APIKey: testAPIKey, ServerURL: e.base, Storage: e.store, Transport: e.api,
		Clock: e.clock, Events: eventLog(e.rec.emit)}, nil) // the real gap between empty answers: 1 s
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	conv := must(t, c.CreateConversation("hello"))
	e.rec.waitFor(t, isUnread(0))
	waitLongPoll(t, e.api)
	for _, text := range []string{"one", "two", "three"} {
		e.api.agentReply(t, conv.ID, text)
		waitWithin(t, e.rec, 500*time.Millisecond, isMessage(text))
		must(t, c.MarkRead(conv.ID)) // wakes the poll with the new total, and no message
		e.rec.waitFor(t, isUnread(0))
		e.rec.reset()
	}
}
