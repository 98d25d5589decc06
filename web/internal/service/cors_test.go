package service

import (
	"database/sql"
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestCORS(t *testing.T) {
	restricted := newEnv(t, func(o *Options) { o.AllowedOrigins = []string{"https://shop.example", " https://www.shop.example/ "} })
	open := newEnv(t)

	preflight := func(e *env, origin string) response {
		return e.do(req{Method: "OPTIONS", Path: "/v1/conversations", Header: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST",
			"Access-Control-Request-Headers": "authorization, content-type, x-kustomer-api-key",
		}})
	}
	get := func(e *env, origin string) response {
		return e.do(req{Method: "GET", Path: "/v1/ping", Header: map[string]string{"Origin": origin}})
	}
	varyOrigin := func(h http.Header) bool { return slices.Contains(h.Values("Vary"), "Origin") }

	cases := []struct {
		name    string
		e       *env
		origin  string
		allowed bool
	}{
		{"listed origin", restricted, "https://shop.example", true},
		{"listed with trailing slash and spaces in config", restricted, "https://www.shop.example", true},
		{"unlisted origin", restricted, "https://evil.example", false},
		{"listed host other scheme", restricted, "http://shop.example", false},
		{"any origin when unset", open, "https://anything.example", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := preflight(tc.e, tc.origin)
			r := get(tc.e, tc.origin)
			if !tc.allowed {
				p.expectError(http.StatusForbidden, codeOriginNotAllowed)
				r.expectError(http.StatusForbidden, codeOriginNotAllowed)
				for _, h := range []http.Header{p.Header, r.Header} {
					for _, name := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"} {
						if h.Get(name) != "" {
							t.Fatalf("disallowed origin got %s: %s", name, h.Get(name))
						}
					}
				}
				return
			}
			if p.Code != http.StatusNoContent || !varyOrigin(p.Header) {
				t.Fatalf("preflight status %d Vary %q", p.Code, p.Header.Values("Vary"))
			}
			if r.Code != http.StatusNoContent || !varyOrigin(r.Header) {
				t.Fatalf("GET status %d Vary %q", r.Code, r.Header.Values("Vary"))
			}
			want := map[string]string{
				"Access-Control-Allow-Origin":  tc.origin,
				"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
				"Access-Control-Allow-Headers": "Authorization, Content-Type, X-Kustomer-Api-Key",
				"Access-Control-Max-Age":       "7200",
			}
			for name, v := range want {
				if got := p.Header.Get(name); got != v {
					t.Fatalf("preflight %s = %q, want %q", name, got, v)
				}
			}
			if got := r.Header.Get("Access-Control-Allow-Origin"); got != tc.origin {
				t.Fatalf("GET Access-Control-Allow-Origin = %q", got)
			}
		})
	}

	// Error answers carry CORS headers too, or the SDK could not read their code.
	r := restricted.do(req{Method: "GET", Path: "/v1/conversations", Header: map[string]string{"Origin": "https://shop.example"}})
	r.expectError(401, codeTokenRejected)
	if r.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Fatal("error answer without Access-Control-Allow-Origin")
	}
	// No Origin (a server-side caller): no CORS headers, request served.
	if r := restricted.do(req{Method: "GET", Path: "/v1/ping"}); r.Code != 204 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("no Origin: %d %q", r.Code, r.Header.Get("Access-Control-Allow-Origin"))
	}
	// An empty Origin header, where none is configured, is just served.
	if r := open.do(req{Method: "GET", Path: "/v1/ping", Header: map[string]string{"Origin": ""}}); r.Code != 204 {
		t.Fatalf("empty Origin, open service: %d", r.Code)
	}
}

// The SDK's CORS-simple login from a disallowed page once opened a session the
// page could not read; now it is refused before anything is done, and so is
// every other call. Without Origin (a backend, the agent API) nothing changes.
func TestDisallowedOriginIsRefused(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.AllowedOrigins = []string{"https://shop.example"} })
	evil := map[string]string{"Origin": "https://evil.example", "Content-Type": "text/plain;charset=UTF-8"}
	body := `{"apiKey":"` + testAPIKey + `","jwt":"` + e.jwt("ann@example.com", "") + `","trackingId":"d"}`
	e.do(req{Method: "POST", Path: "/v1/identities/login", Body: body, Header: evil}).expectError(http.StatusForbidden, codeOriginNotAllowed)
	for _, origin := range []string{"null", "", "https://shop.example.evil.example", "https://shop.example:444"} {
		e.do(req{Method: "POST", Path: "/v1/identities/anonymous", Body: `{"trackingId":"d"}`, APIKey: testAPIKey,
			Header: map[string]string{"Origin": origin}}).expectError(http.StatusForbidden, codeOriginNotAllowed)
	}
	if n := e.sessionCount(); n != 0 {
		t.Fatalf("%d sessions opened from disallowed origins", n)
	}
	e.do(req{Method: "POST", Path: "/v1/identities/login", Body: body,
		Header: map[string]string{"Origin": "https://shop.example", "Content-Type": "text/plain;charset=UTF-8"}}).expect(200)
	s := e.login(e.jwt("ann@example.com", ""), "d2", "").SessionToken // no Origin
	c := e.createConversation(s, "hi").Conversation
	e.agentReply(c.ID, "hello") // the agent API, no Origin
}

func (e *env) sessionCount() int {
	e.t.Helper()
	db, err := sql.Open("sqlite", e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sessions`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// A rate-limited page's SDK reads Retry-After, which a cross-origin fetch sees only
// when the answer exposes it.
func TestCORSExposesRetryAfter(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.Limits.Anonymous = Limit{Events: 1, Per: time.Hour, Burst: 1}
	})
	origin := map[string]string{"Origin": "https://shop.example"}
	first := e.do(req{Method: "POST", Path: "/v1/identities/anonymous", APIKey: testAPIKey,
		Body: map[string]string{"trackingId": "d1"}, Header: origin}).expect(201)
	refused := e.do(req{Method: "POST", Path: "/v1/identities/anonymous", APIKey: testAPIKey,
		Body: map[string]string{"trackingId": "d2"}, Header: origin})
	refused.expectError(http.StatusTooManyRequests, codeRateLimited)
	if refused.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	for _, r := range []response{first, refused} {
		if got := r.Header.Get("Access-Control-Expose-Headers"); got != "Retry-After" {
			t.Fatalf("Access-Control-Expose-Headers = %q", got)
		}
	}
}
