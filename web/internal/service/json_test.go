package service

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// Each body is refused with 400 and stores nothing; encoding/json's lenient
// decoding accepted every one of them.
func TestStrictRequestBodies(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	for _, body := range []string{
		`{"MESSAGE":"hi"}`,                    // keys match exactly, not by case
		`{"Message":"hi"}`,                    //
		`{"message":"hi"} garbage`,            // nothing after the value
		`{"message":"hi"}{"message":"again"}`, //
		`{"message":"hi"},`,                   //
		`{"message":"hi"`,                     // cut short
		`{"message":"h`,                       //
		`{"message":"hi","message":"other"}`,  // one meaning per name
		`{"message":"hi","extra":1}`,          // a misspelt field is not dropped
		"{\"message\":\"h\xffi\"}",            // invalid UTF-8
		"{\"message\":\"h\xed\xa0\x80i\"}",    // a surrogate encoded in UTF-8
		`{"message":"h\ud800i"}`,              // a lone high surrogate
		`{"message":"h\udc00i"}`,              // a lone low surrogate
		`{"message":"h\ud800\u0041"}`,         // a high surrogate not followed by a low one
		`"message"`,                           // not an object
		``,                                    //
	} {
		e.sdk("POST", "/v1/conversations", s, body).expectError(400, codeInvalidArgument)
	}
	if cs := e.conversations(s); len(cs) != 0 {
		t.Fatalf("refused bodies stored %d conversations", len(cs))
	}
	// What stays accepted: whitespace around the value, a surrogate pair.
	e.sdk("POST", "/v1/conversations", s, " \n{\"message\":\"hi \\ud83d\\ude00\"}\r\n\t ").expect(201)
	if cs := e.conversations(s); len(cs) != 1 || cs[0].Preview != "hi 😀" {
		t.Fatalf("conversations %+v", cs)
	}
}

// The SDK's CORS-simple login is decoded by the same rules.
func TestStrictLoginBody(t *testing.T) {
	e := newEnv(t)
	jwt := e.jwt("ann@example.com", "")
	for _, body := range []string{
		`{"apiKey":"` + testAPIKey + `","JWT":"` + jwt + `","trackingId":"d"}`,
		`{"apiKey":"` + testAPIKey + `","jwt":"` + jwt + `","trackingId":"d"} x`,
	} {
		e.do(req{Method: "POST", Path: "/v1/identities/login", Body: body,
			Header: map[string]string{"Content-Type": "text/plain;charset=UTF-8"}}).expectError(400, codeInvalidArgument)
	}
	e.do(req{Method: "POST", Path: "/v1/identities/login",
		Body:   `{"apiKey":"` + testAPIKey + `","jwt":"` + jwt + `","trackingId":"d"}`,
		Header: map[string]string{"Content-Type": "text/plain;charset=UTF-8"}}).expect(200)
}

// An oversized body is 413 whatever it holds, even when its start is already
// a complete value or not JSON at all.
func TestOversizedBodyIs413WhateverItHolds(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	pad := strings.Repeat(" ", MaxBodyBytes)
	for _, body := range []string{
		`{"message":"hi"}` + pad,
		"garbage" + pad,
		"\xff" + pad,
		`{"message":"hi"` + pad,
	} {
		e.sdk("POST", "/v1/conversations", s, body).expectError(413, codeInvalidArgument)
	}
	if cs := e.conversations(s); len(cs) != 0 {
		t.Fatalf("oversized bodies stored %d conversations", len(cs))
	}
}

// FuzzDecode holds that whatever decode accepts is one valid UTF-8 JSON object
// whose names are exactly the request's, each once, and that whatever it
// refuses is answered with the API's error body.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"message":"hi"}`, `{"id":null,"message":"a","messageId":"b"}`, `{"MESSAGE":"x"}`,
		`{"message":"\ud800"}`, `{"message":"a"} x`, "{\"message\":\"\xff\"}", `{"message":"a","message":"b"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		var v createRequest
		if !decode(rec, httptest.NewRequest("POST", "/", bytes.NewReader(body)), &v) {
			if rec.Code != 400 && rec.Code != 413 || !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("refused with %d %q", rec.Code, rec.Body)
			}
			return
		}
		if len(body) > MaxBodyBytes || !utf8.Valid(body) || !json.Valid(body) {
			t.Fatalf("accepted %q", body)
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			t.Fatalf("accepted a non-object %q", body)
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, _ := dec.Token()
			name := tok.(string)
			if seen[name] || name != "id" && name != "message" && name != "messageId" {
				t.Fatalf("accepted name %q in %q", name, body)
			}
			seen[name] = true
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatal(err)
			}
		}
		// encoding/json reads a lone surrogate as U+FFFD: one in what was
		// accepted must have been in the body already.
		var lenient createRequest
		if err := json.Unmarshal(body, &lenient); err != nil || lenient.Message != v.Message {
			t.Fatalf("accepted %q, which encoding/json reads as %+v (%v)", body, lenient, err)
		}
		if strings.ContainsRune(v.Message, utf8.RuneError) && !bytes.Contains(body, []byte("\uFFFD")) &&
			!bytes.Contains(bytes.ToLower(body), []byte(`\ufffd`)) {
			t.Fatalf("accepted a lone surrogate in %q", body)
		}
	})
}
