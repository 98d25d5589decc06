package demo

import (
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w
}

// The pages inline the README's snippet; it must be the SDK's, byte for byte.
func TestSnippetIsTheSDKs(t *testing.T) {
	sdk, err := os.ReadFile("../../../js/kustomer-chat-snippet.js")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(sdk)) != snippet {
		t.Fatal("web/internal/demo/kustomer-chat-snippet.js differs from js/kustomer-chat-snippet.js: copy it again")
	}
}

// The README gives the snippet to paste and the hash a CSP needs for it.
func TestREADMEHasTheSnippetAndItsHash(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "<script>"+snippet+"</script>") || !strings.Contains(string(readme), "'"+hash(snippet)+"'") {
		t.Fatal("README.md lacks the pre-load snippet as <script>…</script> or its CSP hash: update them")
	}
}

var inlineScript = regexp.MustCompile(`<script>(.*?)</script>`)

func TestPagesWithDev(t *testing.T) {
	h := Handler("pk_demo")
	for _, path := range []string{"/", "/console"} {
		w := get(t, h, path)
		body := w.Body.String()
		policy := w.Header().Get("Content-Security-Policy")
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", path, w.Code, w.Header().Get("Content-Type"))
		}
		if !strings.Contains(body, `<script src="/sdk/kustomer-chat.js" data-api-key="pk_demo"`) {
			t.Fatalf("%s has no script tag with the API key", path)
		}
		// The strict CSP of the README, and nothing inline but the hashed snippet.
		for _, want := range []string{"script-src 'self' 'wasm-unsafe-eval' 'sha256-", "connect-src 'self'", "style-src 'self'"} {
			if !strings.Contains(policy, want) {
				t.Fatalf("%s: CSP %q lacks %q", path, policy, want)
			}
		}
		if strings.Contains(policy, "unsafe-inline") || strings.Contains(policy, "'unsafe-eval'") {
			t.Fatalf("%s: CSP %q", path, policy)
		}
		scripts := inlineScript.FindAllStringSubmatch(body, -1)
		if len(scripts) != 1 || scripts[0][1] != snippet || !strings.Contains(policy, "'"+hash(scripts[0][1])+"'") {
			t.Fatalf("%s: inline scripts %d, or the snippet is not the one the CSP allows", path, len(scripts))
		}
		if strings.Contains(body, "<style") || strings.Contains(body, " style=") || regexp.MustCompile(` on[a-z]+=`).MatchString(body) {
			t.Fatalf("%s has inline styles or handlers, which its CSP blocks", path)
		}
	}
	for path, kind := range map[string]string{
		"/demo/shop.js": "text/javascript", "/demo/console.css": "text/css", "/demo/mug.svg": "image/svg+xml",
	} {
		if w := get(t, h, path); w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), kind) {
			t.Fatalf("%s: %d %s", path, w.Code, w.Header().Get("Content-Type"))
		}
	}
	for _, path := range []string{"/demo/", "/demo/nope.js", "/elsewhere"} {
		if w := get(t, h, path); w.Code != 404 {
			t.Fatalf("%s: %d", path, w.Code)
		}
	}
}

// The shop links to the inbox and names the demo agent that -dev makes.
func TestShopLinksToTheInboxWithTheDemoAgent(t *testing.T) {
	body := get(t, Handler("k"), "/").Body.String()
	if !strings.Contains(body, `<a href="/agent/">Agent inbox</a>`) || !strings.Contains(body, "the demo agent: "+AgentEmail+",") {
		t.Fatalf("the shop does not link to the inbox with the demo agent's email:\n%s", body)
	}
}
