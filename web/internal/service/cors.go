package service

import (
	"net/http"
	"strings"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

// cors applies API.md's CORS rules to /v1/. The site's page is on another
// origin. The SDK's chat calls send headers of their own (the session, the API
// key), so the browser preflights them, and caches the preflight for two hours;
// its login is CORS-simple (a text/plain body, no header of its own) and is sent
// without one, so a logIn costs one round trip. A disallowed
// origin is refused outright, not only left without CORS headers: a CORS-simple
// request (the SDK's text/plain login) is carried out by the server even when
// the browser then hides the answer, so withholding headers alone let any page
// open sessions. A request without Origin is not a browser's cross-origin call
// (a site's backend, the agent API) and is served as before.
type cors struct {
	any     bool
	origins map[string]bool
}

func newCORS(allowed []string) cors {
	c := cors{origins: map[string]bool{}}
	for _, o := range allowed {
		o = normaliseOrigin(o)
		if o == "*" {
			c.any = true
		} else if o != "" {
			c.origins[o] = true
		}
	}
	if len(c.origins) == 0 {
		c.any = true // unset: every origin, as the operator docs say
	}
	return c
}

func normaliseOrigin(o string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
}

func (c cors) allowed(origin string) bool {
	return c.any || c.origins[normaliseOrigin(origin)]
}

func (c cors) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if _, present := r.Header["Origin"]; present && !c.allowed(origin) {
			writeError(w, http.StatusForbidden, codeOriginNotAllowed, "this origin may not use the chat service")
			return
		}
		if origin != "" {
			h.Set("Access-Control-Allow-Origin", origin)
			// A rate-limited page's SDK must read how long to wait.
			h.Set("Access-Control-Expose-Headers", "Retry-After")
		}
		if r.Method == http.MethodOptions {
			if origin != "" {
				h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, "+contract.HeaderAPIKey)
				h.Set("Access-Control-Max-Age", "7200")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
