package sdk

import (
	"encoding/json"
	"strings"
	"testing"
)

// appendJSONString must write what encoding/json reads back as json.Marshal's own
// output: the same string, invalid UTF-8 replaced by U+FFFD.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `"quoted" \back\slash/`, "\x00\x01\x1f\t\n\r\b\f\x7f", "\xff\xfe ok", "é\u2028\u2029😀", "a\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got, want string
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil {
			t.Fatalf("%q: invalid JSON: %v", s, err)
		}
		b, _ := json.Marshal(s)
		_ = json.Unmarshal(b, &want)
		if got != want {
			t.Fatalf("%q: read back %q, want %q", s, got, want)
		}
	})
}

// fastjson's Validate recurses without a depth limit; parseJSON must refuse deep
// nesting before it could overflow the stack, which would kill the program.
func TestParseJSONBoundsNesting(t *testing.T) {
	if _, ok := parseJSON([]byte(strings.Repeat("[", 300) + strings.Repeat("]", 300))); !ok {
		t.Fatal("300 levels refused")
	}
	if _, ok := parseJSON([]byte(strings.Repeat("[", 301) + strings.Repeat("]", 301))); ok {
		t.Fatal("301 levels accepted")
	}
	if _, ok := parseJSON([]byte(strings.Repeat("[", 20_000_000))); ok {
		t.Fatal("20 million open brackets accepted")
	}
}
