package sdk

import "testing"

// The scheme matches in any ASCII case and comes back in lower case; a look-alike
// that only Unicode case folding would equate (ſ, LATIN SMALL LETTER LONG S, folds
// to s) is no scheme.
func TestNormalizeServerURLScheme(t *testing.T) {
	for in, want := range map[string]string{
		"HTTPS://Chat.Example.com/": "https://Chat.Example.com",
		"hTtP://chat.test:8080":     "http://chat.test:8080",
	} {
		if got, ok := normalizeServerURL(in); !ok || got != want {
			t.Errorf("normalizeServerURL(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"httpſ://chat.test", "HTTPſ://chat.test", "ftp://chat.test", "http:/", ""} {
		if got, ok := normalizeServerURL(in); ok {
			t.Errorf("normalizeServerURL(%q) = %q, want refused", in, got)
		}
	}
}
