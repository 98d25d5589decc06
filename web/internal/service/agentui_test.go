package service

import (
	"strings"
	"testing"
)

// The inbox page is served with and without -dev, at /agent/ (and /agent leads
// there), its files under /agent/static/; writes to the page's paths are not a route.
func TestInboxPageMounted(t *testing.T) {
	for _, dev := range []bool{false, true} {
		e := newEnv(t, func(o *Options) { o.Dev = dev })
		page := e.do(req{Method: "GET", Path: "/agent/"}).expect(200)
		if !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(page.Body), `src="/agent/static/inbox.js"`) {
			t.Fatalf("dev %v: GET /agent/: %s %.80s", dev, page.Header.Get("Content-Type"), page.Body)
		}
		e.do(req{Method: "GET", Path: "/agent/static/inbox.js"}).expect(200)
		e.do(req{Method: "HEAD", Path: "/agent/static/inbox.css"}).expect(200)
		if r := e.do(req{Method: "GET", Path: "/agent"}); r.Code/100 != 3 || r.Header.Get("Location") != "/agent/" {
			t.Fatalf("dev %v: GET /agent: %d to %q", dev, r.Code, r.Header.Get("Location"))
		}
		if r := e.do(req{Method: "POST", Path: "/agent/static/inbox.js"}); r.Code != 405 {
			t.Fatalf("dev %v: POST /agent/static/inbox.js: %d", dev, r.Code)
		}
	}
}
