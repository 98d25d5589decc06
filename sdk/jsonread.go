package sdk

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// The core reads JSON with fastjson, which needs no reflection, instead of
// encoding/json, whose reflection costs the WebAssembly build about 100 KB brotli.
// These helpers keep the typing rules of encoding/json decoding into a struct: a
// member of the wrong type makes the whole document unreadable, null leaves a field
// at its zero value, unknown members are ignored, and when a key repeats the last
// one wins. Unlike encoding/json, keys match exactly, not case-insensitively, and
// escapes of lone UTF-16 surrogates (\ud800), which the service never writes, do not
// become U+FFFD.

// parseJSON parses one strictly valid JSON document, nested at most
// fastjson.MaxDepth (300) deep. fastjson's Parse alone is lenient (NaN, bad escapes,
// control characters), so Validate checks the document too, but only after Parse
// has bounded its depth: Validate recurses without a limit, and a stack overflow is
// fatal, not a panic that recover could catch.
func parseJSON(b []byte) (*fastjson.Value, bool) {
	var p fastjson.Parser // values point into p: one parser per document
	v, err := p.ParseBytes(b)
	if err != nil || fastjson.ValidateBytes(b) != nil {
		return nil, false
	}
	return v, true
}

// members calls f with each member of the object v, in order, until f returns false.
// null is an object without members; ok is false for another type, or when f was.
func members(v *fastjson.Value, f func(key string, v *fastjson.Value) bool) bool {
	switch v.Type() {
	case fastjson.TypeNull:
		return true
	case fastjson.TypeObject:
	default:
		return false
	}
	o, _ := v.Object()
	ok := true
	o.Visit(func(key []byte, v *fastjson.Value) {
		ok = ok && f(string(key), v)
	})
	return ok
}

// elements calls f with each element of the array v until f returns false. null is
// an empty array; ok is false for another type, or when f was.
func elements(v *fastjson.Value, f func(v *fastjson.Value) bool) bool {
	if v.Type() == fastjson.TypeNull {
		return true
	}
	a, err := v.Array()
	if err != nil {
		return false
	}
	for _, e := range a {
		if !f(e) {
			return false
		}
	}
	return true
}

// stringValue is v when it is a string, with each invalid UTF-8 sequence replaced by
// U+FFFD (fastjson keeps them; encoding/json replaces them), so that what is read
// can be written back unchanged.
func stringValue(v *fastjson.Value) (string, bool) {
	b, err := v.StringBytes()
	if err != nil {
		return "", false
	}
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s, true
}

// readString sets *dst to the string v; null leaves it unchanged.
func readString(v *fastjson.Value, dst *string) bool {
	if v.Type() == fastjson.TypeNull {
		return true
	}
	s, ok := stringValue(v)
	if ok {
		*dst = s
	}
	return ok
}

// readBool sets *dst to the boolean v; null leaves it unchanged.
func readBool(v *fastjson.Value, dst *bool) bool {
	if v.Type() == fastjson.TypeNull {
		return true
	}
	b, err := v.Bool()
	if err == nil {
		*dst = b
	}
	return err == nil
}

// readInt sets *dst to v, a number written as an integer that fits T; null leaves it
// unchanged. Like encoding/json, it refuses 1.0 and 1e3.
func readInt[T int | int64](v *fastjson.Value, dst *T) bool {
	if v.Type() == fastjson.TypeNull {
		return true
	}
	n, err := v.Int64()
	if err != nil || int64(T(n)) != n {
		return false
	}
	*dst = T(n)
	return true
}

// floatValue is v when it is a number that fits a float64 (fastjson would give ±Inf
// for 1e400, which encoding/json refuses).
func floatValue(v *fastjson.Value) (float64, bool) {
	f, err := v.Float64()
	return f, err == nil && !math.IsInf(f, 0)
}
