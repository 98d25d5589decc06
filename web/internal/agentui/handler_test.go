package agentui

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// Every file the page loads answers with a type the browser accepts for it (a
// module with a non-JavaScript type does not run), revalidated on every load.
func TestServesThePageAndItsFilesWithTheirTypes(t *testing.T) {
	h := Handler()
	want := map[string]string{
		"/agent/":                 "text/html; charset=utf-8",
		"/agent/static/inbox.js":  "text/javascript; charset=utf-8",
		"/agent/static/api.js":    "text/javascript; charset=utf-8",
		"/agent/static/dom.js":    "text/javascript; charset=utf-8",
		"/agent/static/inbox.css": "text/css; charset=utf-8",
		"/agent/static/icon.svg":  "image/svg+xml",
	}
	for path, ct := range want {
		w := get(t, h, path, nil)
		if w.Code != 200 {
			t.Fatalf("GET %s: %d", path, w.Code)
		}
		if got := w.Header().Get("Content-Type"); got != ct {
			t.Errorf("GET %s: Content-Type %q, want %q", path, got, ct)
		}
		if got := w.Header().Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache", path, got)
		}
		if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q", path, got)
		}
		if w.Body.Len() == 0 {
			t.Errorf("GET %s: empty body", path)
		}
	}
}

// A browser that has the file revalidates it for nothing but a 304.
func TestRevalidationByETag(t *testing.T) {
	h := Handler()
	first := get(t, h, "/agent/static/inbox.js", nil)
	etag := first.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	again := get(t, h, "/agent/static/inbox.js", http.Header{"If-None-Match": {etag}})
	if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Fatalf("revalidation: %d with %d bytes, want 304 and none", again.Code, again.Body.Len())
	}
	if other := get(t, h, "/agent/static/list.js", nil).Header().Get("ETag"); other == etag {
		t.Fatal("two files share an ETag")
	}
}

func TestUnknownFilesAre404(t *testing.T) {
	h := Handler()
	for _, path := range []string{"/agent/static/", "/agent/static/nope.js", "/agent/index.html", "/agent/static/../index.html", "/agent/x"} {
		if w := get(t, h, path, nil); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
}

// /agent/static/dom.js is the widget's module itself, so the inbox links and
// escapes message text exactly as the widget does.
func TestDOMHelpersAreTheWidgets(t *testing.T) {
	want, err := os.ReadFile("../../../js/widget/dom.js")
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, Handler(), "/agent/static/dom.js", nil).Body.String(); got != string(want) {
		t.Fatal("/agent/static/dom.js is not js/widget/dom.js")
	}
}

// The page runs under CSP default-src 'none'; script-src 'self'; style-src 'self'
// and treats every text as text: no inline script or style, no style attribute,
// no HTML parsing, no eval, and every module it imports exists.
func TestPageNeedsNothingTheCSPForbids(t *testing.T) {
	html, err := fs.ReadFile(files, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	page := string(html)
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]+</script>`), // an inline script
		regexp.MustCompile(`<style`),
		regexp.MustCompile(`\sstyle=`),
		regexp.MustCompile(`\son[a-z]+=`),
		regexp.MustCompile(`javascript:`),
	} {
		if bad.MatchString(page) {
			t.Errorf("index.html has %s", bad)
		}
	}
	h := Handler()
	for _, m := range regexp.MustCompile(`(?:src|href)="(/agent/[^"]+)"`).FindAllStringSubmatch(page, -1) {
		if w := get(t, h, m[1], nil); w.Code != 200 {
			t.Errorf("index.html loads %s: %d", m[1], w.Code)
		}
	}

	modules, _ := fs.Glob(files, "static/*.js")
	if len(modules) == 0 {
		t.Fatal("no modules")
	}
	forbidden := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|DOMParser|createContextualFragment|\.style\.|setAttribute\('style'`)
	imports := regexp.MustCompile(`from '\./([^']+)'`)
	for _, name := range modules {
		src, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		if m := forbidden.FindString(string(src)); m != "" {
			t.Errorf("%s uses %s", name, m)
		}
		for _, m := range imports.FindAllStringSubmatch(string(src), -1) {
			if w := get(t, h, "/agent/static/"+m[1], nil); w.Code != 200 {
				t.Errorf("%s imports %s: %d", name, m[1], w.Code)
			}
		}
	}
	if !strings.Contains(page, `type="module" src="/agent/static/inbox.js"`) {
		t.Error("index.html does not load inbox.js as a module")
	}
}
