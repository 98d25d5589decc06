package sdk

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func offlineHook(Request) (Response, error, bool) {
	return Response{}, errors.New("Failed to fetch"), true
}

// slowRetry is a client whose retries (the outbox's and the poller's) wait an hour:
// what it sends, something else made it send.
func slowRetry(e *env, store Storage, rec *recorder) *Client {
	e.t.Helper()
	c, err := newClient(Config{APIKey: testAPIKey, ServerURL: testBase, Storage: store, Transport: e.svc,
		Clock: e.clock, Events: eventLog(rec.emit), Warn: rec.warn}, func(c *Client) {
		c.backoffMin, c.backoffMax, c.minPollGap = time.Hour, time.Hour, time.Millisecond
		c.sendRetries = nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.Close)
	return c
}

// waitLongPoll waits until a long poll (one that waits) is held by the service: a
// hook set from then on does not touch it.
func waitLongPoll(t *testing.T, svc service) {
	t.Helper()
	for start := time.Now(); time.Since(start) < 5*time.Second; time.Sleep(time.Millisecond) {
		for _, r := range svc.requests("/v1/events") {
			if strings.Contains(r.URL, "&wait=") {
				return
			}
		}
	}
	t.Fatal("no long poll")
}

func isSent(body string) func(recorded) bool {
	return func(r recorded) bool {
		m, ok := r.payload.(*Message)
		return r.name == EventMessageSent && ok && m.Body == body
	}
}

func isConnected(up bool) func(recorded) bool {
	return func(r recorded) bool { return r.name == EventConnectionChange && r.payload == up }
}

func count(rec *recorder, match func(recorded) bool) int {
	n := 0
	for _, r := range rec.all() {
		if match(r) {
			n++
		}
	}
	return n
}

// customerBodies are the bodies of the customer messages the service stored, in order.
func (s *fakeService) customerBodies() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.msgs {
		if m.Author == "customer" {
			out = append(out, m.Body)
		}
	}
	return out
}

func (e *env) outbox() string {
	v, _, _ := e.store.Get(e.c.OutboxKey())
	return v
}

func TestOfflineMessagesAreKeptAndSentInOrderOnceBack(t *testing.T) {
	e := newEnv(t)
	anon := must(t, e.c.GetIdentity())
	e.svc.setHook(offlineHook)
	err := mustFail(t, e.c.CreateConversation("first"), CodeNetworkError)
	if !strings.Contains(err.Message, "kept on this device and will be sent when the service is back") {
		t.Fatalf("message %q", err.Message)
	}
	pending := must(t, e.c.GetPendingMessages())
	if len(pending) != 1 {
		t.Fatalf("pending %+v", pending)
	}
	convID := pending[0].ConversationID
	// The conversation exists only in the outbox; a message to it is accepted all the same.
	mustFail(t, e.c.SendMessage(convID, "second"), CodeNetworkError)
	mustFail(t, e.c.SendMessage("conv-unknown", "lost"), CodeNotFound)

	pending = must(t, e.c.GetPendingMessages())
	if len(pending) != 2 || pending[0].Body != "first" || pending[1].Body != "second" || pending[1].ConversationID != convID {
		t.Fatalf("pending %+v", pending)
	}
	for _, p := range pending {
		if !isUUIDv4(p.ID) || p.Author != "customer" || p.State != PendingFailed || p.CreatedAt != "2026-11-24T10:00:00.000Z" {
			t.Fatalf("pending %+v", p)
		}
	}
	var stored struct {
		V       int `json:"v"`
		Entries []struct {
			ID, ConversationID, Body, CreatedAt, DeviceID string
			NewConversation                               bool
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(e.outbox()), &stored); err != nil || stored.V != 1 || len(stored.Entries) != 2 {
		t.Fatalf("stored outbox %s", e.outbox())
	}
	if en := stored.Entries[0]; en.ID != pending[0].ID || en.ConversationID != convID || en.DeviceID != anon.TrackingID || !en.NewConversation {
		t.Fatalf("stored entry %+v", en)
	}
	if en := stored.Entries[1]; en.ID != pending[1].ID || en.NewConversation {
		t.Fatalf("stored entry %+v", en)
	}
	if e.c.OutboxKey() != e.c.StorageKey()+":outbox" {
		t.Fatalf("outbox key %q", e.c.OutboxKey())
	}

	e.svc.setHook(nil) // back: the background retry sends both, in order
	e.rec.waitFor(t, isSent("second"))
	if got := e.svc.customerBodies(); strings.Join(got, ",") != "first,second" {
		t.Fatalf("service stored %q", got)
	}
	e.svc.mu.Lock()
	customers := len(e.svc.customers)
	e.svc.mu.Unlock()
	if customers != 1 {
		t.Fatalf("%d customers", customers)
	}
	var order []string
	for _, r := range e.rec.all() {
		switch p := r.payload.(type) {
		case *Conversation:
			order = append(order, r.name+" "+p.ID)
		case *Message:
			order = append(order, r.name+" "+p.Body)
		}
	}
	if strings.Join(order, ",") != "onConversationCreate "+convID+",onMessageSent first,onMessageSent second" {
		t.Fatalf("events %v", order)
	}
	if p := must(t, e.c.GetPendingMessages()); len(p) != 0 || e.outbox() != "" {
		t.Fatalf("still pending %+v, stored %q", p, e.outbox())
	}
	if _, ok, _ := e.store.Get(e.c.OutboxKey()); ok {
		t.Fatal("the empty outbox is still stored")
	}
	if count(e.rec, isConnected(false)) != 1 || count(e.rec, isConnected(true)) != 1 {
		t.Fatalf("events %v", e.rec.names())
	}
}

func TestSendRetriesANetworkFailureWithinTheCall(t *testing.T) {
	e := newEnv(t)
	conv := must(t, e.c.CreateConversation("hello"))
	var mu sync.Mutex
	failures := 0
	e.svc.setHook(func(r Request) (Response, error, bool) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == "POST" && failures < 2 {
			failures++
			return Response{}, errors.New("Failed to fetch"), true
		}
		return Response{}, nil, false
	})
	msg := must(t, e.c.SendMessage(conv.ID, "again"))
	if msg.Body != "again" || failures != 2 {
		t.Fatalf("message %+v after %d failures", msg, failures)
	}
}

func TestALostAnswerIsSentAgainAndStoredOnce(t *testing.T) {
	e := newEnv(t)
	must(t, e.c.GetIdentity())
	var mu sync.Mutex
	var statuses []int
	lost := map[string]bool{}
	// The service stores each first POST, and its answer is lost.
	e.svc.setHook(func(r Request) (Response, error, bool) {
		if r.Method != "POST" || !strings.HasPrefix(r.URL, testBase+"/v1/conversations") {
			return Response{}, nil, false
		}
		resp, err := e.svc.serve(nil, r)
		mu.Lock()
		defer mu.Unlock()
		statuses = append(statuses, resp.Status)
		if !lost[r.URL] {
			lost[r.URL] = true
			return Response{}, errors.New("connection reset"), true
		}
		return resp, err, true
	})
	conv := must(t, e.c.CreateConversation("hello"))
	msg := must(t, e.c.SendMessage(conv.ID, "again"))
	if got := e.svc.customerBodies(); strings.Join(got, ",") != "hello,again" {
		t.Fatalf("service stored %q", got)
	}
	mu.Lock()
	if fmtInts(statuses) != "201,200,201,200" {
		t.Fatalf("statuses %v", statuses)
	}
	mu.Unlock()
	posts := e.svc.requests("/v1/conversations")
	if len(posts) != 4 || string(posts[0].Body) != string(posts[1].Body) || string(posts[2].Body) != string(posts[3].Body) {
		t.Fatalf("the attempts differ: %d requests", len(posts))
	}
	if msg.Body != "again" || count(e.rec, isSent("again")) != 1 || count(e.rec, isSent("hello")) != 1 {
		t.Fatalf("events %v", e.rec.names())
	}
	if n := count(e.rec, func(r recorded) bool { return r.name == EventConversationCreate }); n != 1 {
		t.Fatalf("%d onConversationCreate", n)
	}
}

func fmtInts(ns []int) string {
	var s []string
	for _, n := range ns {
		s = append(s, itoa(int64(n)))
	}
	return strings.Join(s, ",")
}

func TestARefusedMessageLeavesTheOutboxAndSaysWhy(t *testing.T) {
	e := newEnv(t)
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	conv := must(t, e.c.CreateConversation("hello"))
	bob := e.client(NewMemoryStorage(), e.svc, newRecorder(), nil)
	must(t, bob.LogIn(e.emailToken("bob@example.com")))
	mustFail(t, bob.SendMessage(conv.ID, "not yours"), CodeNotFound)
	if p := must(t, bob.GetPendingMessages()); len(p) != 0 {
		t.Fatalf("pending %+v", p)
	}

	// A message kept while offline, then refused once the service is back: no call is
	// left to reject, so a warning says it.
	c := slowRetry(e, e.store, e.rec)
	e.svc.setHook(offlineHook)
	mustFail(t, c.SendMessage(conv.ID, "refused later"), CodeNetworkError)
	mustFail(t, c.SendMessage(conv.ID, "fine"), CodeNetworkError)
	e.svc.setHook(func(r Request) (Response, error, bool) {
		if strings.Contains(string(r.Body), "refused later") {
			return Response{Status: 400, Body: []byte(`{"error":{"code":"INVALID_ARGUMENT","message":"x"}}`)}, nil, true
		}
		return Response{}, nil, false
	})
	must(t, c.RetryPending())
	if got := e.svc.customerBodies(); strings.Join(got, ",") != "hello,fine" {
		t.Fatalf("service stored %q", got)
	}
	warned := false
	for _, w := range e.rec.warns() {
		warned = warned || strings.HasPrefix(w, "an unsent message was dropped: ")
	}
	if !warned || len(must(t, c.GetPendingMessages())) != 0 {
		t.Fatalf("warnings %q", e.rec.warns())
	}
}

func TestRetryPendingSendsNow(t *testing.T) {
	e := newEnv(t)
	c := slowRetry(e, e.store, e.rec)
	e.svc.setHook(offlineHook)
	mustFail(t, c.CreateConversation("hello"), CodeNetworkError)
	must(t, c.RetryPending()) // still offline: it settles all the same
	if p := must(t, c.GetPendingMessages()); len(p) != 1 || p[0].State != PendingFailed {
		t.Fatalf("pending %+v", p)
	}
	e.svc.setHook(nil)
	must(t, c.RetryPending())
	if p := must(t, c.GetPendingMessages()); len(p) != 0 || count(e.rec, isSent("hello")) != 1 {
		t.Fatalf("pending %+v, events %v", p, e.rec.names())
	}
}

func TestAPollAnsweredAfterAFailureSendsTheOutboxAtOnce(t *testing.T) {
	e := newEnv(t)
	c := slowRetry(e, e.store, e.rec)
	conv := must(t, c.CreateConversation("hello"))
	e.rec.waitFor(t, isUnread(0))
	e.svc.setHook(func(r Request) (Response, error, bool) {
		if r.Method == "POST" {
			return offlineHook(r)
		}
		return Response{}, nil, false
	})
	mustFail(t, c.SendMessage(conv.ID, "kept"), CodeNetworkError)
	e.rec.waitFor(t, isConnected(false))
	e.svc.setHook(nil)
	e.svc.agentReply(t, conv.ID, "are you there?") // answers the poll
	e.rec.waitFor(t, isSent("kept"))
	e.rec.waitFor(t, isConnected(true))
}

func TestConnectionChangeFiresOnlyOnChange(t *testing.T) {
	e := newEnv(t)
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	must(t, e.c.GetConversations())
	if count(e.rec, func(r recorded) bool { return r.name == EventConnectionChange }) != 0 {
		t.Fatal("the initial state was announced")
	}
	waitLongPoll(t, e.svc)
	e.svc.setHook(offlineHook)
	mustFail(t, e.c.GetConversations(), CodeNetworkError)
	mustFail(t, e.c.GetUnreadCount(), CodeNetworkError)
	e.svc.setHook(nil)
	must(t, e.c.GetConversations())
	must(t, e.c.GetConversations())
	var changes []any
	for _, r := range e.rec.all() {
		if r.name == EventConnectionChange {
			changes = append(changes, r.payload)
		}
	}
	if len(changes) != 2 || changes[0] != false || changes[1] != true {
		t.Fatalf("changes %v", changes)
	}
	// Stopping the poller cancels its long poll: that says nothing of the service.
	e.rec.reset()
	must(t, e.c.LogOut())
	if n := count(e.rec, func(r recorded) bool { return r.name == EventConnectionChange }); n != 0 {
		t.Fatalf("events %v", e.rec.names())
	}
}

func TestLogOutDropsTheOutbox(t *testing.T) {
	e := newEnv(t)
	c := slowRetry(e, e.store, e.rec)
	must(t, c.LogIn(e.emailToken("ann@example.com")))
	conv := must(t, c.CreateConversation("hello"))
	e.svc.setHook(offlineHook)
	mustFail(t, c.SendMessage(conv.ID, "never sent"), CodeNetworkError)
	must(t, c.LogOut())
	if e.outbox() != "" || len(must(t, c.GetPendingMessages())) != 0 {
		t.Fatalf("outbox %q", e.outbox())
	}
	if w := e.rec.warns(); len(w) != 1 || !strings.Contains(w[0], "1 unsent messages were dropped") {
		t.Fatalf("warnings %q", w)
	}
	e.svc.setHook(nil)
	must(t, c.RetryPending())
	if got := e.svc.customerBodies(); strings.Join(got, ",") != "hello" {
		t.Fatalf("service stored %q", got)
	}
}

func TestLogInKeepsTheAnonymousOutboxAndDropsAnotherCustomers(t *testing.T) {
	e := newEnv(t)
	c := slowRetry(e, e.store, e.rec)
	conv := must(t, c.CreateConversation("hello"))
	e.svc.setHook(offlineHook)
	mustFail(t, c.SendMessage(conv.ID, "typed before logging in"), CodeNetworkError)
	e.svc.setHook(nil)
	ann := must(t, c.LogIn(e.emailToken("ann@example.com")))
	e.rec.waitFor(t, isSent("typed before logging in")) // the logIn's answer shows the service is back
	e.svc.mu.Lock()
	owner := e.svc.msgs[len(e.svc.msgs)-1].customerID
	e.svc.mu.Unlock()
	if owner != ann.CustomerID {
		t.Fatalf("sent as %q, not Ann %q", owner, ann.CustomerID)
	}

	e.svc.setHook(offlineHook)
	mustFail(t, c.CreateConversation("Ann's, unsent"), CodeNetworkError)
	// Back for all but chat writes until Bob's login: an answer to anything
	// else (Ann's poll, the login) tells the outbox the service is back, and
	// it would rightly send Ann's message as Ann before Bob logs in.
	e.svc.setHook(func(req Request) (Response, error, bool) {
		if req.Method == "POST" && strings.Contains(req.URL, "/v1/conversations") {
			return offlineHook(req)
		}
		return Response{}, nil, false
	})
	must(t, c.LogIn(e.emailToken("bob@example.com")))
	e.svc.setHook(nil)
	must(t, c.RetryPending())
	if e.outbox() != "" || count(e.rec, isSent("Ann's, unsent")) != 0 || len(must(t, c.GetConversations())) != 0 {
		t.Fatalf("outbox %q, sent %d, conversations %+v, warnings %q", e.outbox(), count(e.rec, isSent("Ann's, unsent")), must(t, c.GetConversations()), e.rec.warns())
	}
	if got := e.svc.customerBodies(); strings.Join(got, ",") != "hello,typed before logging in" {
		t.Fatalf("service stored %q", got)
	}
}

func TestTabsShareTheOutboxAndAReloadSendsIt(t *testing.T) {
	e := newEnv(t)
	tab1 := slowRetry(e, e.store, e.rec)
	tab2 := slowRetry(e, e.store, newRecorder())
	device := must(t, tab1.GetIdentity())
	if id := must(t, tab2.GetIdentity()); id.TrackingID != device.TrackingID {
		t.Fatal("the tabs are not one device")
	}
	e.svc.setHook(offlineHook)
	mustFail(t, tab1.CreateConversation("one"), CodeNetworkError)
	convID := must(t, tab1.GetPendingMessages())[0].ConversationID
	mustFail(t, tab2.SendMessage(convID, "two"), CodeNetworkError)
	mustFail(t, tab1.SendMessage(convID, "three"), CodeNetworkError)
	must(t, tab1.Reload())
	if p := must(t, tab1.GetPendingMessages()); len(p) != 3 || p[0].Body != "one" || p[1].Body != "two" || p[2].Body != "three" {
		t.Fatalf("pending %+v", p)
	}
	tab1.Close()
	tab2.Close()

	e.svc.setHook(nil)
	rec := newRecorder()
	page := e.client(e.store, e.svc, rec, nil) // the page reloaded, the service is back
	must(t, page.GetIdentity())
	rec.waitFor(t, isSent("three"))
	if got := e.svc.customerBodies(); strings.Join(got, ",") != "one,two,three" {
		t.Fatalf("service stored %q", got)
	}
	if p := must(t, page.GetPendingMessages()); len(p) != 0 {
		t.Fatalf("pending %+v", p)
	}
}

func TestAnotherTabsUntriedMessageIsSending(t *testing.T) {
	e := newEnv(t)
	tab1 := slowRetry(e, e.store, e.rec)
	must(t, tab1.GetIdentity())
	e.svc.setHook(offlineHook)
	mustFail(t, tab1.CreateConversation("one"), CodeNetworkError)
	tab2 := slowRetry(e, e.store, newRecorder())
	if p := must(t, tab2.GetPendingMessages()); len(p) != 1 || p[0].State != PendingSending {
		t.Fatalf("pending %+v", p)
	}
	must(t, tab2.RetryPending())
	if p := must(t, tab2.GetPendingMessages()); len(p) != 1 || p[0].State != PendingFailed {
		t.Fatalf("pending %+v", p)
	}
}

func TestAMessageIsAnnouncedOncePerTab(t *testing.T) {
	e := newServiceEnv(t)
	conv := must(t, e.c.CreateConversation("hello"))
	must(t, e.c.SendMessage(conv.ID, "again"))
	ev := e.rec.waitFor(t, isSent("again"))
	if m := ev.payload.(*Message); m.ConversationID != conv.ID || m.Author != "customer" || !isUUIDv4(m.ID) {
		t.Fatalf("onMessageSent %+v", m)
	}
	// Another tab's stale write brings the sent entry back.
	sentID := ev.payload.(*Message).ID
	id := must(t, e.c.GetIdentity())
	back := entry{id: sentID, conversationID: conv.ID, body: "again", createdAt: "x", deviceID: id.TrackingID}
	_ = e.store.Set(e.c.OutboxKey(), encodeOutbox([]entry{back}))
	n := len(e.api.chatRequests())
	must(t, e.c.RetryPending())
	if len(e.api.chatRequests()) != n || count(e.rec, isSent("again")) != 1 || e.outbox() != "" {
		t.Fatalf("sent again: events %v", e.rec.names())
	}
}

func TestAnUnreadableOutboxIsDroppedWithAWarning(t *testing.T) {
	e := newServiceEnv(t)
	id := must(t, e.c.GetIdentity())
	entryOf := func(deviceID string) string {
		return `{"id":"0b7c8a34-2f6e-4b8e-9b1a-3c5d7e9f1a2b","conversationId":"c","body":"b","createdAt":"t","newConversation":true,"deviceId":"` + deviceID + `"}`
	}
	for _, raw := range []string{"{garbage", `[]`, `{"v":2,"entries":[]}`, `{"v":1,"entries":[` + entryOf("not-a-uuid") + `]}`,
		`{"v":1,"entries":[` + entryOf(id.TrackingID) + `,null]}`, `{"v":1,"entries":[{"id":7}]}`} {
		e.rec.mu.Lock()
		e.rec.warnings = nil
		e.rec.mu.Unlock()
		_ = e.store.Set(e.c.OutboxKey(), raw)
		if p := must(t, e.c.GetPendingMessages()); len(p) != 0 {
			t.Fatalf("%s: pending %+v", raw, p)
		}
		if w := e.rec.warns(); len(w) != 1 || e.outbox() != "" {
			t.Fatalf("%s: warnings %q, stored %q", raw, w, e.outbox())
		}
	}
	_ = e.store.Set(e.c.OutboxKey(), `{"v":1,"entries":[`+entryOf(id.TrackingID)+`]}`)
	if p := must(t, e.c.GetPendingMessages()); len(p) != 1 || p[0].Body != "b" {
		t.Fatalf("a valid outbox read as %+v", p)
	}
}

func TestAnotherDevicesEntriesAreNeverSent(t *testing.T) {
	e := newEnv(t)
	c := slowRetry(e, e.store, e.rec)
	must(t, c.GetIdentity())
	other := entry{id: "0b7c8a34-2f6e-4b8e-9b1a-3c5d7e9f1a2b", conversationID: "0b7c8a34-2f6e-4b8e-9b1a-3c5d7e9f1a2c",
		body: "a logged-out visitor's", createdAt: "t", newConversation: true, deviceID: "0b7c8a34-2f6e-4b8e-9b1a-3c5d7e9f1a2d"}
	_ = e.store.Set(c.OutboxKey(), encodeOutbox([]entry{other}))
	if p := must(t, c.GetPendingMessages()); len(p) != 0 {
		t.Fatalf("pending %+v", p)
	}
	must(t, c.CreateConversation("mine"))
	must(t, c.RetryPending())
	if got := e.svc.customerBodies(); strings.Join(got, ",") != "mine" {
		t.Fatalf("service stored %q", got)
	}
	if w := e.rec.warns(); len(w) != 1 || !strings.Contains(w[0], "of a logged-out visitor were dropped") || e.outbox() != "" {
		t.Fatalf("warnings %q, outbox %q", w, e.outbox())
	}
}

func TestFailingStorageKeepsTheOutboxInMemory(t *testing.T) {
	e := newEnv(t)
	c := slowRetry(e, &failingStorage{}, e.rec)
	e.svc.setHook(offlineHook)
	mustFail(t, c.CreateConversation("hello"), CodeNetworkError)
	if p := must(t, c.GetPendingMessages()); len(p) != 1 {
		t.Fatalf("pending %+v", p)
	}
	e.svc.setHook(nil)
	must(t, c.RetryPending())
	if got := e.svc.customerBodies(); strings.Join(got, ",") != "hello" {
		t.Fatalf("service stored %q", got)
	}
}

func TestAnotherTabSendsWhatAClosedTabLeft(t *testing.T) {
	e := newEnv(t)
	tab1 := slowRetry(e, e.store, e.rec)
	rec2 := newRecorder()
	tab2 := e.client(e.store, e.svc, rec2, nil)
	must(t, tab1.GetIdentity())
	must(t, tab2.GetIdentity())
	e.svc.setHook(offlineHook)
	mustFail(t, tab1.CreateConversation("left behind"), CodeNetworkError)
	tab1.Close()
	must(t, tab2.Reload()) // the storage event of tab1's write
	e.svc.setHook(nil)
	rec2.waitFor(t, isSent("left behind"))
}

func TestACallResolvesWhenAnotherTabSentItsMessage(t *testing.T) {
	e := newEnv(t)
	c := slowRetry(e, e.store, e.rec)
	conv := must(t, c.CreateConversation("hello"))
	e.svc.setHook(offlineHook)
	mustFail(t, c.SendMessage(conv.ID, "one"), CodeNetworkError)
	// While this tab sends "one", another tab sends "two", takes it off the outbox,
	// and adds "three".
	e.svc.setHook(func(r Request) (Response, error, bool) {
		if !strings.Contains(string(r.Body), `"one"`) {
			return Response{}, nil, false
		}
		entries, _ := decodeOutbox(e.outbox())
		var rest []entry
		for _, en := range entries {
			if en.body == "two" {
				var body jsonObject
				body.str("id", en.id)
				body.str("body", en.body)
				_, _ = e.svc.serve(nil, Request{Method: "POST", URL: testBase + "/v1/conversations/" + conv.ID + "/messages",
					Header: r.Header, Body: body.end()})
				en.id, en.body = "0b7c8a34-2f6e-4b8e-9b1a-3c5d7e9f1a2b", "three"
			}
			rest = append(rest, en)
		}
		_ = e.store.Set(c.OutboxKey(), encodeOutbox(rest))
		return Response{}, nil, false
	})
	msg := must(t, c.SendMessage(conv.ID, "two"))
	if msg == nil || msg.Body != "two" {
		t.Fatalf("message %+v", msg)
	}
	// The call sent up to its own message, which came before "three".
	must(t, c.RetryPending())
	if got := e.svc.customerBodies(); strings.Join(got, ",") != "hello,two,one,three" {
		t.Fatalf("service stored %q", got)
	}
	var posts []string
	for _, r := range e.svc.requests("/v1/conversations/") {
		var body struct{ Body string }
		_ = json.Unmarshal(r.Body, &body)
		posts = append(posts, body.Body)
	}
	if strings.Join(posts, ",") != "one,one,two,three" { // the first "one" was offline
		t.Fatalf("posted %q", posts)
	}
}

// stickyStorage ignores every change of the outbox after the first: the entries it
// holds never leave.
type stickyStorage struct {
	*MemoryStorage
	mu      sync.Mutex
	written bool
}

func (s *stickyStorage) Set(key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.HasSuffix(key, ":outbox") {
		if s.written {
			return nil
		}
		s.written = true
	}
	return s.MemoryStorage.Set(key, value)
}

func (s *stickyStorage) Remove(key string) error {
	if strings.HasSuffix(key, ":outbox") {
		return nil
	}
	return s.MemoryStorage.Remove(key)
}

func TestAStorageThatKeepsSentEntriesCannotStallTheCalls(t *testing.T) {
	e := newEnv(t)
	c := slowRetry(e, &stickyStorage{MemoryStorage: NewMemoryStorage()}, e.rec)
	conv := must(t, c.CreateConversation("hello")) // stays in the outbox, sent
	msg := must(t, c.SendMessage(conv.ID, "again"))
	if msg == nil || msg.Body != "again" {
		t.Fatalf("message %+v", msg)
	}
	must(t, c.RetryPending())
	if got := e.svc.customerBodies(); strings.Join(got, ",") != "hello,again" {
		t.Fatalf("service stored %q", got)
	}
	if count(e.rec, isSent("hello")) != 1 || count(e.rec, isSent("again")) != 1 {
		t.Fatalf("events %v", e.rec.names())
	}
}
