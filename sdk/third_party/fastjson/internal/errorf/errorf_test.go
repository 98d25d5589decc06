package errorf

import (
	"errors"
	"fmt"
	"testing"
)

type kind int

func (k kind) String() string { return "object" }

// Every message fastjson makes reads as fmt.Errorf would make it.
func TestNewFormatsLikeFmt(t *testing.T) {
	for _, c := range []struct {
		format string
		args   []any
	}{
		{"cannot parse empty string", nil},
		{"unexpected value found: %q", []any{"tru\"e"}},
		{"cannot parse JSON: %s; unparsed tail: %q", []any{errors.New("missing '}'"), "]x"}},
		{"too big depth for the nested JSON; it exceeds %d", []any{300}},
		{`unknown escape sequence \%c`, []any{byte('x')}},
		{"string cannot contain control char 0x%02X", []any{byte(7)}},
		{"object key cannot contain control char 0x%02X", []any{byte(0x1f)}},
		{"value doesn't contain number; it contains %s", []any{kind(3)}},
		{`invalid escape sequence \u%s: %s`, []any{"12g4", errors.New("bad")}},
		{"expecting 0..9 digit, got %c", []any{byte('a')}},
	} {
		if got, want := New(c.format, c.args...).Error(), fmt.Errorf(c.format, c.args...).Error(); got != want {
			t.Errorf("New(%q) = %q, want %q", c.format, got, want)
		}
	}
}
