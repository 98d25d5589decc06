// Package errorf is fmt.Errorf for the verbs fastjson's messages use (%s, %q,
// %d, %c and %02X, with strings, errors, Stringers and integers), so that the
// library links no fmt: see PATCHES.md.
package errorf

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// New formats like fmt.Errorf, for the verbs above only.
func New(format string, args ...any) error {
	b := make([]byte, 0, len(format)+16)
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b = append(b, c)
			continue
		}
		i++
		width := 0
		for i < len(format) && '0' <= format[i] && format[i] <= '9' {
			width = 10*width + int(format[i]-'0')
			i++
		}
		if i == len(format) {
			break
		}
		var arg any
		if len(args) > 0 {
			arg, args = args[0], args[1:]
		}
		switch format[i] {
		case 's', 'v':
			b = append(b, text(arg)...)
		case 'q':
			b = strconv.AppendQuote(b, text(arg))
		case 'd':
			b = strconv.AppendInt(b, integer(arg), 10)
		case 'c':
			b = utf8.AppendRune(b, rune(integer(arg)))
		case 'X':
			h := strconv.AppendInt(nil, integer(arg), 16)
			b = append(b, strings.Repeat("0", max(0, width-len(h)))...)
			for _, d := range h {
				if 'a' <= d && d <= 'f' {
					d -= 'a' - 'A'
				}
				b = append(b, d)
			}
		default:
			b = append(b, '%', format[i])
		}
	}
	return errors.New(string(b))
}

func text(arg any) string {
	switch v := arg.(type) {
	case string:
		return v
	case error:
		return v.Error()
	case interface{ String() string }:
		return v.String()
	}
	return strconv.FormatInt(integer(arg), 10)
}

func integer(arg any) int64 {
	switch v := arg.(type) {
	case int:
		return int64(v)
	case int32:
		return int64(v)
	case uint8:
		return int64(v)
	}
	return 0
}
