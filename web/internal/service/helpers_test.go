package service

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/internal/auth"
	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

const (
	testAPIKey   = "pk_test_key"
	testSecret   = "test-secret-0123456789abcdef0123"
	testAgentKey = "agent_test_key"
)

var rfc3339Millis = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// clock is a settable test clock; each reading moves it 1 ms so that
// timestamps of consecutive writes differ, as they would in real use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     testing.TB
	srv   *server
	h     http.Handler
	st    *store.SQLite
	path  string
	clock *clock
}

func newEnv(t testing.TB, mods ...func(*Options)) *env {
	t.Helper()
	return newEnvWithStore(t, store.SQLiteOptions{}, mods...)
}

func newEnvWithStore(t testing.TB, storeOpts store.SQLiteOptions, mods ...func(*Options)) *env {
	t.Helper()
	return newEnvAt(t, filepath.Join(t.TempDir(), "chat.db"), storeOpts, mods...)
}

// newEnvAt is newEnvWithStore on the database file at path, which another
// env may hold open too: a second instance of the service on one store.
func newEnvAt(t testing.TB, path string, storeOpts store.SQLiteOptions, mods ...func(*Options)) *env {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), path, storeOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, st: st, path: path, clock: &clock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}}
	opts := Options{
		Store: st, APIKey: testAPIKey, JWTSecret: testSecret, AgentKey: testAgentKey,
		Now:    e.clock.Now,
		Assets: fstest.MapFS{"kustomer-chat.js": {Data: []byte("// loader\n")}},
	}
	for _, m := range mods {
		m(&opts)
	}
	e.srv, e.h, err = newServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type response struct {
	t      testing.TB
	Code   int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a fresh V.
func decodeAs[V any](r response) V {
	r.t.Helper()
	var v V
	if err := json.Unmarshal(r.Body, &v); err != nil {
		r.t.Fatalf("body %q: %v", r.Body, err)
	}
	return v
}

// errCode returns the code of an error body, failing on a malformed one.
func (r response) errCode() string {
	r.t.Helper()
	var b errorBody
	if err := json.Unmarshal(r.Body, &b); err != nil || b.Error.Code == "" || b.Error.Message == "" {
		r.t.Fatalf("status %d: not an error body: %q", r.Code, r.Body)
	}
	return b.Error.Code
}

// expectError checks status and code.
func (r response) expectError(status int, code string) {
	r.t.Helper()
	if r.Code != status {
		r.t.Fatalf("status %d, want %d; body %s", r.Code, status, r.Body)
	}
	if got := r.errCode(); got != code {
		r.t.Fatalf("code %s, want %s", got, code)
	}
}

func (r response) expect(status int) response {
	r.t.Helper()
	if r.Code != status {
		r.t.Fatalf("status %d, want %d; body %s", r.Code, status, r.Body)
	}
	return r
}

// req describes a request; Session and APIKey are sent when not empty.
type req struct {
	Method, Path string
	Body         any // string or []byte sent raw, anything else as JSON
	APIKey       string
	Session      string
	Header       map[string]string
	Ctx          context.Context
	RemoteAddr   string // "host:port"; empty: httptest's 192.0.2.1:1234
}

func (e *env) do(q req) response {
	e.t.Helper()
	var body io.Reader
	switch b := q.Body.(type) {
	case nil:
	case string:
		body = bytes.NewBufferString(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(data)
	}
	r := httptest.NewRequest(q.Method, q.Path, body)
	if q.Ctx != nil {
		r = r.WithContext(q.Ctx)
	}
	if q.RemoteAddr != "" {
		r.RemoteAddr = q.RemoteAddr
	}
	if q.Body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if q.APIKey != "" {
		r.Header.Set("X-Kustomer-Api-Key", q.APIKey)
	}
	if q.Session != "" {
		r.Header.Set("Authorization", "Bearer "+q.Session)
	}
	for k, v := range q.Header {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	return response{t: e.t, Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// sdk sends a request as the SDK does, with the API key and a session.
func (e *env) sdk(method, path, session string, body any) response {
	e.t.Helper()
	return e.do(req{Method: method, Path: path, Body: body, APIKey: testAPIKey, Session: session})
}

type identityResp struct {
	Identity     identityJSON `json:"identity"`
	SessionToken string       `json:"sessionToken"`
	Cursor       *int64       `json:"cursor"`
}

func (e *env) anonymous(trackingID string) identityResp {
	e.t.Helper()
	return decodeAs[identityResp](e.sdk("POST", "/v1/identities/anonymous", "", map[string]string{"trackingId": trackingID}).expect(201))
}

func (e *env) jwt(email, externalID string) string {
	e.t.Helper()
	tok, err := auth.Sign(auth.Claims{Email: email, ExternalID: externalID, IssuedAt: e.clock.Now()}, []byte(testSecret))
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *env) loginResp(jwt, trackingID, trackingToken string) response {
	e.t.Helper()
	body := map[string]string{"jwt": jwt, "trackingId": trackingID}
	if trackingToken != "" {
		body["trackingToken"] = trackingToken
	}
	return e.sdk("POST", "/v1/identities/login", "", body)
}

func (e *env) login(jwt, trackingID, trackingToken string) identityResp {
	e.t.Helper()
	return decodeAs[identityResp](e.loginResp(jwt, trackingID, trackingToken).expect(200))
}

func (e *env) createConversation(session, text string) createdJSON {
	e.t.Helper()
	return decodeAs[createdJSON](e.sdk("POST", "/v1/conversations", session, map[string]string{"message": text}).expect(201))
}

func (e *env) send(session, convID, text string) messageJSON {
	e.t.Helper()
	return decodeAs[postedJSON](e.sdk("POST", "/v1/conversations/"+convID+"/messages", session, map[string]string{"body": text}).expect(201)).Message
}

func (e *env) conversations(session string) []conversationJSON {
	e.t.Helper()
	return decodeAs[struct {
		Conversations []conversationJSON `json:"conversations"`
	}](e.sdk("GET", "/v1/conversations", session, nil).expect(200)).Conversations
}

func (e *env) messages(session, convID string) []messageJSON {
	e.t.Helper()
	return decodeAs[struct {
		Messages []messageJSON `json:"messages"`
	}](e.sdk("GET", "/v1/conversations/"+convID+"/messages", session, nil).expect(200)).Messages
}

func (e *env) agentReply(convID, text string) messageJSON {
	e.t.Helper()
	r := e.do(req{Method: "POST", Path: "/v1/agent/conversations/" + convID + "/messages",
		Body: map[string]string{"body": text}, Header: map[string]string{"Authorization": "Bearer " + testAgentKey}})
	return decodeAs[postedJSON](r.expect(201)).Message
}

func (e *env) events(session, query string) eventsJSON {
	e.t.Helper()
	return decodeAs[eventsJSON](e.sdk("GET", "/v1/events"+query, session, nil).expect(200))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
