package service

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

const agentPassword = "correct horse battery"

// addAgent stores an agent whose hash is bcrypt's cheapest, so that the
// tests do not spend seconds per sign-in; the password package tests the
// real cost.
func (e *env) addAgent(email, name, pw string) store.Agent {
	e.t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		e.t.Fatal(err)
	}
	a, err := e.st.CreateAgent(context.Background(), store.NewAgent{Email: email, Name: name, PasswordHash: string(h), Now: e.clock.Now()})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// inbox is a request as the inbox page's browser sends it: same-origin (Host
// and Origin agree, Sec-Fetch-Site says so) unless header says otherwise.
type inbox struct {
	Method, Path string
	Body         string
	ContentType  string // default application/json when there is a body
	Cookie       string // the agent cookie's value
	Header       map[string]string
	RemoteAddr   string
	TLS          bool
}

const inboxHost = "127.0.0.1:8080"

func (e *env) inbox(q inbox) response {
	e.t.Helper()
	var body io.Reader
	if q.Body != "" {
		body = strings.NewReader(q.Body)
	}
	r := httptest.NewRequest(q.Method, "http://"+inboxHost+q.Path, body)
	r.Header.Set("Origin", "http://"+inboxHost)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	if q.Body != "" {
		ct := q.ContentType
		if ct == "" {
			ct = "application/json"
		}
		r.Header.Set("Content-Type", ct)
	}
	if q.Cookie != "" {
		r.AddCookie(&http.Cookie{Name: agentCookieName, Value: q.Cookie})
	}
	for k, v := range q.Header {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	if q.RemoteAddr != "" {
		r.RemoteAddr = q.RemoteAddr
	}
	if q.TLS {
		r.TLS = &tls.ConnectionState{}
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	return response{t: e.t, Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

func signInBody(email, pw string) string {
	return `{"email":` + quote(email) + `,"password":` + quote(pw) + `}`
}

func quote(s string) string { return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"` }

var agentSetCookie = regexp.MustCompile(`^kustomer_chat_agent=([A-Za-z0-9_-]{43}); `)

// signIn signs in and returns the cookie's value.
func (e *env) signIn(email, pw string) string {
	e.t.Helper()
	r := e.inbox(inbox{Method: "POST", Path: "/agent/api/sign-in", Body: signInBody(email, pw)}).expect(200)
	m := agentSetCookie.FindStringSubmatch(r.Header.Get("Set-Cookie"))
	if m == nil {
		e.t.Fatalf("Set-Cookie %q", r.Header.Get("Set-Cookie"))
	}
	return m[1]
}

func (e *env) me(cookie string) response {
	e.t.Helper()
	return e.inbox(inbox{Method: "GET", Path: "/agent/api/me", Cookie: cookie})
}

func TestAgentSignIn(t *testing.T) {
	e := newEnv(t)
	a := e.addAgent("dana@example.com", "Dana Scully", agentPassword)
	r := e.inbox(inbox{Method: "POST", Path: "/agent/api/sign-in", Body: signInBody(" DANA@Example.com", agentPassword)}).expect(200)
	if got := decodeAs[agentBody](r); got != (agentBody{Agent: agentJSON{ID: a.ID, Email: "dana@example.com", Name: "Dana Scully"}}) {
		t.Fatalf("sign-in body = %+v", got)
	}
	cookies := r.Header.Values("Set-Cookie")
	if len(cookies) != 1 {
		t.Fatalf("Set-Cookie = %q", cookies)
	}
	m := agentSetCookie.FindStringSubmatch(cookies[0])
	// The server's flags set no policy here: the store's zero policy has no
	// lifetime, so the cookie lasts the browser session.
	if m == nil || cookies[0] != "kustomer_chat_agent="+m[1]+"; Path=/agent; HttpOnly; SameSite=Strict" {
		t.Fatalf("Set-Cookie = %q", cookies[0])
	}
	if got := decodeAs[agentBody](e.me(m[1]).expect(200)); got.Agent.ID != a.ID || got.Agent.Name != "Dana Scully" {
		t.Fatalf("me = %+v", got)
	}
	got, _, _ := e.st.AgentByEmail(context.Background(), "dana@example.com")
	if got.LastSignInAt.IsZero() {
		t.Fatal("the sign-in was not recorded")
	}
}

// The cookie lasts no longer than the session and is Secure over TLS or
// when the operator says a proxy ends it.
func TestAgentCookieAttributes(t *testing.T) {
	policy := store.SQLiteOptions{Sessions: store.SessionPolicy{AgentIdle: time.Hour, AgentLifetime: 7 * 24 * time.Hour}}
	for _, c := range []struct {
		name       string
		behindTLS  bool
		tls        bool
		wantSecure bool
	}{{"plain", false, false, false}, {"tls", false, true, true}, {"behind-tls", true, false, true}} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnvWithStore(t, policy, func(o *Options) { o.BehindTLS = c.behindTLS })
			e.addAgent("dana@example.com", "Dana", agentPassword)
			secure := ""
			if c.wantSecure {
				secure = "; Secure"
			}
			r := e.inbox(inbox{Method: "POST", Path: "/agent/api/sign-in", Body: signInBody("dana@example.com", agentPassword), TLS: c.tls}).expect(200)
			set := r.Header.Get("Set-Cookie")
			m := agentSetCookie.FindStringSubmatch(set)
			if m == nil || set != "kustomer_chat_agent="+m[1]+"; Path=/agent; Max-Age=604800; HttpOnly"+secure+"; SameSite=Strict" {
				t.Fatalf("Set-Cookie = %q", set)
			}
			out := e.inbox(inbox{Method: "POST", Path: "/agent/api/sign-out", Cookie: m[1], TLS: c.tls}).expect(204)
			if got := out.Header.Get("Set-Cookie"); got != "kustomer_chat_agent=; Path=/agent; Max-Age=0; HttpOnly"+secure+"; SameSite=Strict" {
				t.Fatalf("sign-out Set-Cookie = %q", got)
			}
		})
	}
}

func TestAgentSignInRefused(t *testing.T) {
	e := newEnv(t)
	e.addAgent("dana@example.com", "Dana", agentPassword)
	e.addAgent("off@example.com", "Off", agentPassword)
	if err := e.st.SetAgentDisabled(context.Background(), "off@example.com", true, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	var first []byte
	for _, c := range []struct{ email, pw string }{
		{"dana@example.com", "wrong password!"},
		{"dana@example.com", ""},
		{"dana@example.com", agentPassword + "x"},
		{"nobody@example.com", agentPassword}, // runs the real cost: the dummy hash
		{"off@example.com", agentPassword},
		{"not an email", agentPassword},
	} {
		r := e.inbox(inbox{Method: "POST", Path: "/agent/api/sign-in", Body: signInBody(c.email, c.pw)})
		r.expectError(401, codeUnauthorized)
		if set := r.Header.Values("Set-Cookie"); len(set) != 0 {
			t.Fatalf("%s: a refused sign-in set %q", c.email, set)
		}
		if first == nil {
			first = r.Body
		} else if string(r.Body) != string(first) {
			t.Fatalf("%s: answer %s differs from %s", c.email, r.Body, first)
		}
	}
	if !strings.Contains(string(first), "wrong email or password") {
		t.Fatalf("message: %s", first)
	}
	for _, bad := range []string{"", "{}x", `{"email":"dana@example.com"`, `{"email":"dana@example.com","password":"x","extra":1}`} {
		e.inbox(inbox{Method: "POST", Path: "/agent/api/sign-in", Body: bad}).expectError(400, codeInvalidArgument)
	}
}

func TestAgentSignOutEndsSessionAtTheService(t *testing.T) {
	e := newEnv(t)
	e.addAgent("dana@example.com", "Dana", agentPassword)
	cookie, other := e.signIn("dana@example.com", agentPassword), e.signIn("dana@example.com", agentPassword)
	e.inbox(inbox{Method: "POST", Path: "/agent/api/sign-out", Cookie: cookie}).expect(204)
	// The old cookie value, replayed, no longer works; the other tab's does.
	e.me(cookie).expectError(401, codeUnauthorized)
	e.me(other).expect(200)
	e.inbox(inbox{Method: "POST", Path: "/agent/api/sign-out"}).expect(204)
	e.inbox(inbox{Method: "POST", Path: "/agent/api/sign-out", Cookie: "unknown"}).expect(204)
}

// An inbox's events poll opened before its sign-out delivers nothing stored
// after it.
func TestAgentPollEndsWithItsSession(t *testing.T) {
	e := newEnv(t)
	e.addAgent("dana@example.com", "Dana", agentPassword)
	cookie := e.signIn("dana@example.com", agentPassword)
	cursor := decodeAs[agentEventsJSON](e.inbox(inbox{Method: "GET", Path: "/agent/api/events", Cookie: cookie}).expect(200)).Cursor
	answer := make(chan response, 1)
	go func() {
		answer <- e.inbox(inbox{Method: "GET", Path: "/agent/api/events?after=" + itoa(cursor) + "&wait=20", Cookie: cookie})
	}()
	e.waitSubscribed(1)
	e.inbox(inbox{Method: "POST", Path: "/agent/api/sign-out", Cookie: cookie}).expect(204)
	e.createConversation(e.anonymous("phone").SessionToken, "for the signed-out agent's eyes only")
	select {
	case r := <-answer:
		r.expectError(401, codeUnauthorized)
	case <-time.After(3 * time.Second):
		t.Fatal("the poll did not answer")
	}
}

func TestAgentSessionEnds(t *testing.T) {
	e := newEnvWithStore(t, store.SQLiteOptions{Sessions: store.SessionPolicy{AgentIdle: time.Hour, AgentLifetime: 3 * time.Hour}})
	e.addAgent("dana@example.com", "Dana", agentPassword)
	e.addAgent("fox@example.com", "Fox", agentPassword)
	idle := e.signIn("dana@example.com", agentPassword)
	busy := e.signIn("fox@example.com", agentPassword)
	for range 3 {
		e.clock.Advance(50 * time.Minute)
		e.me(busy).expect(200)
	}
	e.me(idle).expectError(401, codeUnauthorized)
	e.clock.Advance(50 * time.Minute) // 200 min since the sign-in
	e.me(busy).expectError(401, codeUnauthorized)

	// Disabling an agent ends its live session at once.
	live := e.signIn("dana@example.com", agentPassword)
	e.me(live).expect(200)
	if err := e.st.SetAgentDisabled(context.Background(), "dana@example.com", true, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.me(live).expectError(401, codeUnauthorized)
	// Resetting the password ends them too.
	fox := e.signIn("fox@example.com", agentPassword)
	if err := e.st.SetAgentPassword(context.Background(), "fox@example.com", "$2a$04$x", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.me(fox).expectError(401, codeUnauthorized)
}

// The wrapper the inbox's data routes use: no live session, no call and no data.
func TestWithAgentSession(t *testing.T) {
	e := newEnv(t)
	a := e.addAgent("dana@example.com", "Dana Scully", agentPassword)
	var got []agentActor
	h := e.srv.withAgentSession(func(w http.ResponseWriter, r *http.Request, actor agentActor) {
		got = append(got, actor)
		w.WriteHeader(http.StatusNoContent)
	})
	call := func(cookie string) int {
		r := httptest.NewRequest("GET", "/agent/api/conversations", nil)
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: agentCookieName, Value: cookie})
		}
		rec := httptest.NewRecorder()
		h(rec, r)
		if rec.Code == 401 && !strings.Contains(rec.Body.String(), `"UNAUTHORIZED"`) {
			t.Fatalf("401 body %s", rec.Body)
		}
		return rec.Code
	}
	cookie := e.signIn("dana@example.com", agentPassword)
	if call("") != 401 || call("forged") != 401 || len(got) != 0 {
		t.Fatalf("served without a session: %+v", got)
	}
	if call(cookie) != 204 || len(got) != 1 || got[0] != (agentActor{AgentID: a.ID, Name: "Dana Scully"}) {
		t.Fatalf("actor = %+v", got)
	}
	// And the route that exists today answers no data without a session.
	r := e.me("")
	r.expectError(401, codeUnauthorized)
	if strings.Contains(string(r.Body), "dana") {
		t.Fatalf("me without a session: %s", r.Body)
	}
}

// A page on another port of the same host (same-site, so the browser sends
// the SameSite=Strict cookie), or on another site, cannot make the inbox do
// anything, whatever the body's type; the inbox's own pages can.
func TestAgentCrossOriginRefused(t *testing.T) {
	e := newEnv(t)
	e.addAgent("dana@example.com", "Dana", agentPassword)
	cookie := e.signIn("dana@example.com", agentPassword)
	forgers := map[string]map[string]string{
		"other port, old browser":  {"Origin": "http://127.0.0.1:8081", "Sec-Fetch-Site": ""},
		"other port, same-site":    {"Origin": "http://127.0.0.1:8081", "Sec-Fetch-Site": "same-site"},
		"other site, cross-site":   {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
		"null origin, old browser": {"Origin": "null", "Sec-Fetch-Site": ""},
	}
	bodies := map[string]string{
		"application/x-www-form-urlencoded": "email=dana%40example.com&password=correct+horse+battery",
		"text/plain":                        signInBody("dana@example.com", agentPassword),
		"application/json":                  signInBody("dana@example.com", agentPassword),
	}
	for name, hdr := range forgers {
		for ct, body := range bodies {
			for _, path := range []string{"/agent/api/sign-out", "/agent/api/sign-in", "/agent/api/conversations/x/messages"} {
				r := e.inbox(inbox{Method: "POST", Path: path, Body: body, ContentType: ct, Cookie: cookie, Header: hdr})
				r.expectError(403, codeOriginNotAllowed)
				if set := r.Header.Values("Set-Cookie"); len(set) != 0 {
					t.Fatalf("%s %s %s: Set-Cookie %q", name, ct, path, set)
				}
				if r.Header.Get("X-Frame-Options") != "DENY" {
					t.Fatalf("%s: the refusal lacks the security headers", name)
				}
			}
		}
		// The forged sign-out ended nothing.
		e.me(cookie).expect(200)
	}
	// Reading is not refused (GET changes nothing), and the inbox's own
	// pages, in old browsers and new, can sign out.
	e.me(cookie).expect(200)
	e.inbox(inbox{Method: "POST", Path: "/agent/api/sign-out", Cookie: cookie, Header: map[string]string{"Sec-Fetch-Site": ""}}).expect(204)
	e.me(cookie).expectError(401, codeUnauthorized)
}

func TestAgentSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	e.addAgent("dana@example.com", "Dana", agentPassword)
	cookie := e.signIn("dana@example.com", agentPassword)
	for _, q := range []inbox{
		{Method: "GET", Path: "/agent/api/me"},
		{Method: "GET", Path: "/agent/api/me", Cookie: cookie},
		{Method: "POST", Path: "/agent/api/sign-in", Body: signInBody("dana@example.com", "wrong password")},
		{Method: "GET", Path: "/agent/api/no-such-route"},
		{Method: "GET", Path: "/agent/"},
		{Method: "GET", Path: "/agent"},
		{Method: "POST", Path: "/agent/api/sign-out", Cookie: cookie},
	} {
		r := e.inbox(q)
		for k, v := range agentSecurityHeaders {
			if got := r.Header.Get(k); got != v {
				t.Fatalf("%s %s: %s = %q, want %q", q.Method, q.Path, k, got, v)
			}
		}
		if api := strings.HasPrefix(q.Path, "/agent/api/"); api && r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("%s %s: Cache-Control %q", q.Method, q.Path, r.Header.Get("Cache-Control"))
		}
	}
	if got := agentSecurityHeaders["Content-Security-Policy"]; got != "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'" {
		t.Fatalf("CSP %q", got)
	}
	e.inbox(inbox{Method: "GET", Path: "/agent/api/no-such-route"}).expectError(404, codeNotFound)
	e.inbox(inbox{Method: "GET", Path: "/agent/api/sign-in"}).expectError(404, codeNotFound)
	// The SDK's CORS is not the inbox's: no other origin may read its answers.
	for _, method := range []string{"GET", "OPTIONS"} {
		r := e.inbox(inbox{Method: method, Path: "/agent/api/me", Cookie: cookie,
			Header: map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Access-Control-Request-Method": "POST"}})
		for k := range r.Header {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Fatalf("%s /agent/api/me from another origin: %s: %s", method, k, r.Header.Get(k))
			}
		}
	}
	// And the inbox's headers stay on the inbox.
	if r := e.do(req{Method: "GET", Path: "/v1/ping"}); r.Header.Get("X-Frame-Options") != "" {
		t.Fatal("the inbox's headers on /v1/")
	}
}

func TestAgentSignInLimits(t *testing.T) {
	perEmail := func(o *Options) { o.Limits.AgentSignInsPerEmail = Limit{Events: 3, Per: time.Minute, Burst: 3} }
	wrong := func(e *env, email, addr string) response {
		return e.inbox(inbox{Method: "POST", Path: "/agent/api/sign-in", Body: signInBody(email, "wrong password!"), RemoteAddr: addr})
	}
	right := func(e *env, email, addr string) response {
		return e.inbox(inbox{Method: "POST", Path: "/agent/api/sign-in", Body: signInBody(email, agentPassword), RemoteAddr: addr})
	}
	limited := func(r response, retry string) {
		t.Helper()
		r.expectError(429, codeRateLimited)
		if got := r.Header.Get("Retry-After"); got != retry {
			t.Fatalf("Retry-After %q, want %q", got, retry)
		}
		if len(r.Header.Values("Set-Cookie")) != 0 {
			t.Fatal("a limited sign-in set a cookie")
		}
	}

	t.Run("per email", func(t *testing.T) {
		e := newEnv(t, perEmail)
		e.addAgent("dana@example.com", "Dana", agentPassword)
		e.addAgent("fox@example.com", "Fox", agentPassword)
		// Right passwords do not count.
		for range 5 {
			right(e, "dana@example.com", "192.0.2.1:1").expect(200)
		}
		for i := range 3 {
			wrong(e, "dana@example.com", "192.0.2."+itoa(int64(i+1))+":1").expectError(401, codeUnauthorized)
		}
		// The email is held, from any address, in any spelling, even with
		// the right password; another email is not.
		limited(wrong(e, "DANA@example.com", "198.51.100.7:1"), "20")
		limited(right(e, "dana@example.com", "198.51.100.7:1"), "20")
		wrong(e, "fox@example.com", "192.0.2.1:1").expectError(401, codeUnauthorized)
		e.clock.Advance(20 * time.Second)
		right(e, "dana@example.com", "192.0.2.1:1").expect(200)
	})
	t.Run("per address", func(t *testing.T) {
		e := newEnv(t, func(o *Options) { o.Limits.AgentSignInsPerAddress = Limit{Events: 2, Per: time.Minute, Burst: 2} })
		e.addAgent("dana@example.com", "Dana", agentPassword)
		for range 2 {
			wrong(e, "dana@example.com", "192.0.2.1:1").expectError(401, codeUnauthorized)
		}
		limited(wrong(e, "dana@example.com", "192.0.2.1:2"), "30")
		limited(right(e, "dana@example.com", "192.0.2.1:3"), "30")
		right(e, "dana@example.com", "192.0.2.2:1").expect(200)
	})
	t.Run("defaults", func(t *testing.T) {
		d := DefaultLimits()
		if d.AgentSignInsPerEmail.off() || d.AgentSignInsPerAddress.off() {
			t.Fatalf("sign-ins unlimited by default: %+v", d)
		}
	})
}
