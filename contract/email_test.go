package contract

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The explicit list must be exactly Go's Cc, Cf, Zs, Zl and Zp.
func TestInvisibleMatchesUnicodeTables(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		want := unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zs, unicode.Zl, unicode.Zp)
		if invisible(r) != want {
			t.Errorf("U+%04X: invisible %v, Unicode %v", r, !want, want)
		}
	}
}

func TestEmail(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "",
		" \t\r\n\v\fAnn@Example.COM \n": "ann@example.com",
		"sam@example.com":               "sam@example.com",
		"ſam@example.com":               "ſam@example.com",       // long s: not folded to s
		"\u212Aate@example.com":         "\u212Aate@example.com", // Kelvin sign: not k
		"İnci@example.com":              "İnci@example.com",      // no Unicode lower-casing
		"ÉMILE@example.com":             "Émile@example.com",
	} {
		if got, err := Email(in); err != nil || got != want {
			t.Errorf("Email(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"ann@exa mple.com", "ann@example.com\u00a0", "\u00a0ann@example.com", "ann@example.com\u0085",
		"ann\u200b@example.com", "ann@example.com\u2028", "a\u3000b@x", "ann\x00@x", "ann\x7f@x",
		"ann\u202e@x", "a\ufeff@x", "ann\xff@x", "ann\xed\xa0\x80@x", "ann@x\U000E0041",
	} {
		if got, err := Email(in); !errors.Is(err, ErrEmailRefused) {
			t.Errorf("Email(%q) = %q, %v; want refused", in, got, err)
		}
	}
}

// FuzzEmail holds that the canonical form is a fixed point, valid UTF-8, without
// ASCII capitals or invisible characters, and differs from its input only in
// ASCII: so no two emails that differ outside ASCII letters share a customer.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"Ann@Example.com", " sam@x ", "ſam@x", "\u212Aate@x", "a\u00a0b", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Email(s)
		if err != nil {
			return
		}
		if again, err := Email(c); err != nil || again != c {
			t.Fatalf("Email(%q) = %q, again %q %v", s, c, again, err)
		}
		if !utf8.ValidString(c) || strings.ToLower(c) != c && strings.ContainsAny(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			t.Fatalf("Email(%q) = %q", s, c)
		}
		for _, r := range c {
			if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zs, unicode.Zl, unicode.Zp) {
				t.Fatalf("Email(%q) kept U+%04X", s, r)
			}
		}
		trimmed := strings.Trim(s, " \t\n\v\f\r")
		if len(trimmed) != len(c) {
			t.Fatalf("Email(%q) = %q changed length", s, c)
		}
		for i := 0; i < len(c); i++ {
			a, b := trimmed[i], c[i]
			if a != b && !('A' <= a && a <= 'Z' && b == a+'a'-'A') {
				t.Fatalf("Email(%q) = %q changed byte %d", s, c, i)
			}
		}
	})
}
