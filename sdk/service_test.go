//go:build !js

// Native only: the service and its SQLite do not build for the browser.

package sdk

// The core against the real service (web/servicetest) on a real SQLite file, over HTTP
// on loopback. The other tests of this package use a fake service, for the faults a
// real one will not make on demand; this one holds the two to the same contract.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/kustomer-chat/kustomer-chat/web/servicetest"
)

const testAgentKey = "integration-agent"

// httpTransport is the browser's fetch, for a native test.
type httpTransport struct{}

func (httpTransport) Do(cancel <-chan struct{}, req Request) (Response, error) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		select {
		case <-cancel:
			stop()
		case <-ctx.Done():
		}
	}()
	r, err := http.NewRequestWithContext(ctx, req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return Response{}, err
	}
	for k, v := range req.Header {
		r.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	out := Response{Status: resp.StatusCode, Body: body}
	if out.Status == http.StatusTooManyRequests {
		out.RetryAfter = resp.Header.Get("Retry-After")
	}
	return out, err
}

// events records what the core emits.
type events struct {
	mu   sync.Mutex
	seen []string
	msgs []*Message
	last int // the last unread total
}

func (e *events) emit(event string, payload any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seen = append(e.seen, event)
	switch p := payload.(type) {
	case *Message:
		if event == EventMessageReceived {
			e.msgs = append(e.msgs, p)
		}
	case int:
		e.last = p
	}
}

// bodies are those of the messages received, in order.
func (e *events) bodies() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, m := range e.msgs {
		out = append(out, m.Body)
	}
	return strings.Join(out, " | ")
}

func (e *events) wait(t *testing.T, what string, ok func(e *events) bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		e.mu.Lock()
		done := ok(e)
		e.mu.Unlock()
		if done {
			return
		}
	}
	t.Fatalf("no %s within 3 s; events %v", what, e.seen)
}

// realService is the real service as a test's service: the device's transport
// over HTTP, recording what it sends, and the agent API.
type realService struct {
	url   string
	clock *fakeClock // the service's, when a test's env set it
	mu    sync.Mutex
	reqs  []Request
}

// serviceIdle is the idle timeout of the real service's sessions in an env.
const serviceIdle = time.Hour

func (s *realService) expire() { s.clock.Advance(serviceIdle + time.Minute) }

func (s *realService) Do(cancel <-chan struct{}, req Request) (Response, error) {
	r := req
	r.Header = map[string]string{}
	for k, v := range req.Header {
		r.Header[k] = v
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, r)
	s.mu.Unlock()
	return httpTransport{}.Do(cancel, req)
}

func (s *realService) requests(prefix string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.reqs {
		if strings.HasPrefix(strings.TrimPrefix(r.URL, s.url), prefix) {
			out = append(out, r)
		}
	}
	return out
}

func (s *realService) chatRequests() []Request {
	var out []Request
	for _, r := range s.requests("") {
		if !strings.HasPrefix(strings.TrimPrefix(r.URL, s.url), "/v1/events") {
			out = append(out, r)
		}
	}
	return out
}

func (s *realService) agentReply(t *testing.T, convID, body string) Message {
	t.Helper()
	return s.agentReplyAs(t, convID, "", body)
}

// agentReplyAs stores an agent's reply through the agent API, signed name unless "".
func (s *realService) agentReplyAs(t *testing.T, convID, name, body string) Message {
	t.Helper()
	var b jsonObject
	b.str("body", body)
	b.optStr("authorName", name)
	req, _ := http.NewRequest("POST", s.url+"/v1/agent/conversations/"+pathSegment(convID)+"/messages", bytes.NewReader(b.end()))
	req.Header.Set("Authorization", "Bearer "+testAgentKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("agent reply: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m *Message
	if resp.StatusCode != 201 || decodeBody(raw, func(key string, v *fastjson.Value) bool {
		return key != "message" || readObject(v, &m)
	}) != nil || m == nil {
		t.Fatalf("agent reply: %d %s", resp.StatusCode, raw)
	}
	return *m
}

// newServiceEnv is newEnv on the real service, whose clock is the env's.
func newServiceEnv(t *testing.T) *env {
	t.Helper()
	clock := newFakeClock()
	svc := startService(t, func(o *servicetest.Options) { o.Now = clock.Now })
	svc.clock = clock
	e := &env{t: t, clock: clock, api: svc, base: svc.url, store: NewMemoryStorage(), rec: newRecorder()}
	e.c = e.client(e.store, svc, e.rec, nil)
	return e
}

func startService(t *testing.T, mods ...func(*servicetest.Options)) *realService {
	t.Helper()
	opts := servicetest.Options{APIKey: testAPIKey, JWTSecret: string(testSecret), AgentKey: testAgentKey, SessionIdle: serviceIdle}
	for _, mod := range mods {
		mod(&opts)
	}
	return &realService{url: servicetest.Start(t, opts)}
}

func wait[T any](t *testing.T, call *Call[T]) T {
	t.Helper()
	v, err := call.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// heldFirstPoll is httpTransport holding the first event poll until release is
// closed: what is stored meanwhile is stored before the poller's first answer.
type heldFirstPoll struct {
	httpTransport
	once    sync.Once
	release chan struct{}
}

func (h *heldFirstPoll) Do(cancel <-chan struct{}, req Request) (Response, error) {
	if strings.Contains(req.URL, "/v1/events") {
		h.once.Do(func() { <-h.release })
	}
	return h.httpTransport.Do(cancel, req)
}

// The cold start, on the real service: an agent's reply stored right after
// createConversation, before the new customer's poller has its first answer, fires
// onMessageReceived once; so does one stored right after a logIn on another device,
// whose history (the first reply) does not fire there.
func TestAReplyBeforeTheFirstPollArrivesOnceFromTheRealService(t *testing.T) {
	svc := startService(t)
	url := svc.url
	var ev events
	tr := &heldFirstPoll{release: make(chan struct{})}
	c, err := New(Config{APIKey: testAPIKey, ServerURL: url, Transport: tr, Events: eventLog(ev.emit)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	conv := wait(t, c.CreateConversation("hello"))
	svc.agentReplyAs(t, conv.ID, "Maya", "right away")
	close(tr.release)
	ev.wait(t, "the reply stored before the first poll", func(e *events) bool { return len(e.msgs) == 1 })
	svc.agentReplyAs(t, conv.ID, "Maya", "next") // its answer would repeat the first were the cursor behind it
	ev.wait(t, "the next reply", func(e *events) bool { return len(e.msgs) == 2 })
	if got := ev.bodies(); got != "right away | next" {
		t.Fatalf("messages received %q", got)
	}

	jwt := makeJWT(map[string]any{"alg": "HS256", "typ": "JWT"}, map[string]any{"email": "ann@example.com", "iat": time.Now().Unix()})
	wait(t, c.LogIn(jwt)) // the chat is Ann's now
	var phoneEv events
	phoneTr := &heldFirstPoll{release: make(chan struct{})}
	phone, err := New(Config{APIKey: testAPIKey, ServerURL: url, Transport: phoneTr, Events: eventLog(phoneEv.emit)})
	if err != nil {
		t.Fatal(err)
	}
	defer phone.Close()
	wait(t, phone.LogIn(jwt))
	svc.agentReplyAs(t, conv.ID, "Maya", "after the login")
	close(phoneTr.release)
	phoneEv.wait(t, "the reply after the login", func(e *events) bool { return len(e.msgs) == 1 })
	svc.agentReplyAs(t, conv.ID, "Maya", "last")
	phoneEv.wait(t, "the last reply", func(e *events) bool { return len(e.msgs) == 2 })
	if got := phoneEv.bodies(); got != "after the login | last" {
		t.Fatalf("the phone received %q", got)
	}
}

func TestTheCoreAgainstTheRealService(t *testing.T) {
	svc := startService(t)
	url := svc.url
	var ev events
	c, err := New(Config{APIKey: testAPIKey, ServerURL: url, Transport: httpTransport{}, Events: eventLog(ev.emit)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	conv := wait(t, c.CreateConversation("hello"))
	wait(t, c.SendMessage(conv.ID, "are you there?"))
	svc.agentReplyAs(t, conv.ID, "Maya", "Yes! How can I help?")
	ev.wait(t, "agent reply with its author's name", func(e *events) bool {
		return len(e.msgs) == 1 && e.msgs[0].Author == "agent" && e.msgs[0].AuthorName == "Maya" && e.last == 1
	})

	var bodies []string
	for _, m := range wait(t, c.GetMessages(conv.ID)) {
		bodies = append(bodies, m.Author+": "+m.Body)
	}
	if got := strings.Join(bodies, " | "); got != "customer: hello | customer: are you there? | agent: Yes! How can I help?" {
		t.Fatalf("messages %q", got)
	}

	// The anonymous chat moves onto the customer who logs in on this device.
	jwt := makeJWT(map[string]any{"alg": "HS256", "typ": "JWT"}, map[string]any{"email": "Ann@Example.com", "iat": time.Now().Unix()})
	id := wait(t, c.LogIn(jwt))
	if !id.Verified || id.Email != "ann@example.com" {
		t.Fatalf("identity %+v", id)
	}
	if ok := wait(t, c.IsLoggedIn("email", " ANN@example.com ")); !ok {
		t.Fatal("isLoggedIn is false for the canonical email")
	}
	convs := wait(t, c.GetConversations())
	if len(convs) != 1 || convs[0].ID != conv.ID || convs[0].Unread != 1 {
		t.Fatalf("conversations after logIn %+v", convs)
	}

	wait(t, c.MarkRead(conv.ID))
	ev.wait(t, "onUnread 0 after markRead", func(e *events) bool { return e.last == 0 })

	wait(t, c.LogOut())
	if convs := wait(t, c.GetConversations()); len(convs) != 0 {
		t.Fatalf("conversations after logOut %+v", convs)
	}
	if _, err := c.GetMessages(conv.ID).Wait(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the previous customer's conversation after logOut: %v", err)
	}
}

// countingTransport is httpTransport counting the 429 answers to message sends.
type countingTransport struct {
	httpTransport
	mu      sync.Mutex
	refused []time.Time
}

func (c *countingTransport) Do(cancel <-chan struct{}, req Request) (Response, error) {
	resp, err := c.httpTransport.Do(cancel, req)
	if err == nil && resp.Status == http.StatusTooManyRequests && strings.HasSuffix(req.URL, "/messages") {
		c.mu.Lock()
		c.refused = append(c.refused, time.Now())
		c.mu.Unlock()
	}
	return resp, err
}

// Over the real service's message limit (one send per 3 s here), the refused message
// waits in the outbox for the Retry-After the service gave (3 s), not for the core's
// own shorter backoff (1 s, which would be refused again), and is then delivered.
func TestTheOutboxWaitsOutTheRealServicesRateLimit(t *testing.T) {
	url := startService(t, func(o *servicetest.Options) {
		o.MessageLimit = servicetest.Limit{Events: 1, Per: 3 * time.Second, Burst: 1}
	}).url
	tr := &countingTransport{}
	var ev events
	c, err := New(Config{APIKey: testAPIKey, ServerURL: url, Transport: tr, Events: eventLog(ev.emit)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	conv := wait(t, c.CreateConversation("hello"))
	wait(t, c.SendMessage(conv.ID, "one"))
	if _, err := c.SendMessage(conv.ID, "two").Wait(); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("the second send within 3 s: %v", err)
	}
	start := time.Now()
	for len(wait(t, c.GetPendingMessages())) > 0 {
		if time.Since(start) > 8*time.Second {
			t.Fatal("the refused message was not delivered")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var bodies []string
	for _, m := range wait(t, c.GetMessages(conv.ID)) {
		bodies = append(bodies, m.Body)
	}
	if got := strings.Join(bodies, ","); got != "hello,one,two" {
		t.Fatalf("stored %q", got)
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.refused) != 1 {
		t.Fatalf("%d sends refused, want only the first: the retry came before the Retry-After", len(tr.refused))
	}
}
