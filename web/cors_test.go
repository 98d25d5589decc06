package web

import (
	"net/http"
	"slices"
	"testing"
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
			if p.Code != http.StatusNoContent {
				t.Fatalf("preflight status %d", p.Code)
			}
			if !varyOrigin(p.Header) {
				t.Fatalf("preflight Vary = %q", p.Header.Values("Vary"))
			}
			r := get(tc.e, tc.origin)
			if r.Code != http.StatusNoContent || !varyOrigin(r.Header) {
				t.Fatalf("GET status %d Vary %q", r.Code, r.Header.Values("Vary"))
			}
			if !tc.allowed {
				for _, h := range []http.Header{p.Header, r.Header} {
					for _, name := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"} {
						if h.Get(name) != "" {
							t.Fatalf("disallowed origin got %s: %s", name, h.Get(name))
						}
					}
				}
				return
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
	if r := get(restricted, ""); r.Code != 204 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("no Origin: %d %q", r.Code, r.Header.Get("Access-Control-Allow-Origin"))
	}
}
