package sdk

import (
	"errors"
	"testing"
	"time"
)

// service is what a test asks of the chat service, the fake or the real one: to be
// the device's Transport, to store an agent's reply, and the requests it was sent.
type service interface {
	Transport
	agentReply(t *testing.T, convID, body string) Message
	agentReplyAs(t *testing.T, convID, name, body string) Message
	requests(prefix string) []Request
	chatRequests() []Request
	// expire ends every session live now, as their idle timeout would.
	expire()
}

// env is one device (tab) talking to a chat service: the fake (newEnv), for the
// faults a real one will not make on demand, or the real one (newServiceEnv).
type env struct {
	t     *testing.T
	clock *fakeClock
	svc   *fakeService // the fake; nil on the real service
	api   service      // the service the device talks to
	base  string       // its URL
	store *MemoryStorage
	rec   *recorder
	c     *Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := newFakeClock()
	svc := newFakeService(clock)
	e := &env{t: t, clock: clock, svc: svc, api: svc, base: testBase, store: NewMemoryStorage(), rec: newRecorder()}
	e.c = e.client(e.store, e.svc, e.rec, nil)
	return e
}

// client makes a Client on this env's clock and service with fast retry tunables.
func (e *env) client(store Storage, tr Transport, rec *recorder, tweak func(*Config)) *Client {
	e.t.Helper()
	cfg := Config{APIKey: testAPIKey, ServerURL: e.base + "/", Storage: store, Transport: tr,
		Clock: e.clock, Events: eventLog(rec.emit), Warn: rec.warn}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := newClient(cfg, func(c *Client) {
		c.backoffMin, c.backoffMax, c.minPollGap = time.Millisecond, 5*time.Millisecond, time.Millisecond
		c.sendRetries = []time.Duration{time.Millisecond, time.Millisecond}
	})
	if err != nil {
		e.t.Fatalf("newClient: %v", err)
	}
	e.t.Cleanup(c.Close)
	return c
}

// ended tells whether the service refuses session as ended, asking it as the SDK would.
func (e *env) ended(session string) bool {
	e.t.Helper()
	resp, err := e.api.Do(nil, Request{Method: "GET", URL: e.base + "/v1/conversations",
		Header: map[string]string{"X-Kustomer-Api-Key": testAPIKey, "Authorization": "Bearer " + session}})
	if err != nil {
		e.t.Fatalf("GET /v1/conversations: %v", err)
	}
	return sessionEnded(resp)
}

// token signs a login token with iat now.
func (e *env) token(claims map[string]any) string {
	p := map[string]any{"iat": e.clock.Now().Unix()}
	for k, v := range claims {
		p[k] = v
	}
	return makeJWT(map[string]any{"alg": "HS256", "typ": "JWT"}, p)
}

func (e *env) emailToken(email string) string { return e.token(map[string]any{"email": email}) }

// stored is the raw stored state of this env's device.
func (e *env) stored() string {
	v, _, _ := e.store.Get(e.c.StorageKey())
	return v
}

func waitCall[T any](t *testing.T, call *Call[T]) (T, error) {
	t.Helper()
	select {
	case <-call.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("call did not settle")
	}
	return call.Wait()
}

func must[T any](t *testing.T, call *Call[T]) T {
	t.Helper()
	v, err := waitCall(t, call)
	if err != nil {
		t.Fatalf("unexpected error %s: %v", CodeOf(err), err)
	}
	return v
}

func mustFail[T any](t *testing.T, call *Call[T], code Code) *Error {
	t.Helper()
	_, err := waitCall(t, call)
	if err == nil {
		t.Fatalf("call succeeded, want %s", code)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not an *Error", err)
	}
	if e.Code != code {
		t.Fatalf("code %s (%q), want %s", e.Code, e.Message, code)
	}
	if !errors.Is(err, &Error{Code: code}) {
		t.Fatalf("errors.Is does not match code %s", code)
	}
	return e
}
