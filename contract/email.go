// Package contract holds the rules that the SDK core and the chat service must
// apply identically. It imports nothing that would grow the core's WASM build.
package contract

import (
	"errors"
	"unicode/utf8"
)

// ErrEmailRefused is returned for an email no customer may have.
var ErrEmailRefused = errors.New("email has invalid UTF-8, or a control, format or space character")

// Email is the one canonical form of an email, by which customers are found and
// compared: ASCII whitespace trimmed at both ends and ASCII letters lower-cased,
// nothing else. Unicode case folding or normalisation would map the Kelvin sign,
// 'ſ' or 'İ' onto another customer's ASCII address; keeping every other character
// as it is means two emails are one customer only when a mail server would
// surely see them as one. Characters that render as nothing or as a space
// (controls, Cf, Zs/Zl/Zp: NBSP, NEL, zero-width space...) would let two
// addresses look the same, so they are refused. "" stays "" (no email).
func Email(s string) (string, error) {
	start, end := 0, len(s)
	for start < end && asciiSpace(s[start]) {
		start++
	}
	for end > start && asciiSpace(s[end-1]) {
		end--
	}
	s = s[start:end]
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 || invisible(r) {
			return "", ErrEmailRefused
		}
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		b = utf8.AppendRune(b, r)
		i += size
	}
	return string(b), nil
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// invisible reports the characters of Unicode's Cc, Cf, Zs, Zl and Zp
// categories. The list is explicit, not unicode's tables, which would add tens
// of kilobytes to the WASM build; a test holds it equal to Go's tables.
func invisible(r rune) bool {
	if r < 0x80 {
		return r <= 0x20 || r == 0x7f
	}
	for _, g := range invisibleRanges {
		if r < g[0] {
			return false
		}
		if r <= g[1] {
			return true
		}
	}
	return false
}

var invisibleRanges = [...][2]rune{
	{0x80, 0xa0}, {0xad, 0xad}, {0x600, 0x605}, {0x61c, 0x61c}, {0x6dd, 0x6dd}, {0x70f, 0x70f},
	{0x890, 0x891}, {0x8e2, 0x8e2}, {0x1680, 0x1680}, {0x180e, 0x180e}, {0x2000, 0x200f},
	{0x2028, 0x202f}, {0x205f, 0x2064}, {0x2066, 0x206f}, {0x3000, 0x3000}, {0xfeff, 0xfeff},
	{0xfff9, 0xfffb}, {0x110bd, 0x110bd}, {0x110cd, 0x110cd}, {0x13430, 0x1343f},
	{0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a}, {0xe0001, 0xe0001}, {0xe0020, 0xe007f},
}
