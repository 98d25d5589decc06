package sdk

import (
	"strings"
	"testing"
)

func FuzzDecodeState(f *testing.F) {
	f.Add(`{"v":1,"deviceId":"0b7c8a34-2f6e-4b8e-9b1a-3c5d7e9f1a2b","identity":{"verified":false}}`)
	f.Add(`{"v":1,"deviceId":"0b7c8a34-2f6e-4b8e-9b1a-3c5d7e9f1a2b","identity":{"verified":true,"customerId":"c","email":"a"},"sessionToken":"s"}`)
	f.Add(`{"v":1e999}`)
	f.Add("\xff")
	f.Fuzz(func(t *testing.T, raw string) {
		s, ok := decodeState(raw)
		if ok {
			if !s.coherent() || !isUUID(s.deviceID) {
				t.Fatalf("accepted an incoherent state %+v", s)
			}
			if again, ok := decodeState(encodeState(s)); !ok || again != s {
				t.Fatalf("round trip changed %+v to %+v", s, again)
			}
		}
	})
}

// Every public call survives hostile strings: no panic reaches the caller, every
// error is an *Error with a SPEC code, and the client keeps working.
func TestHostileInputs(t *testing.T) {
	e := newServiceEnv(t)
	inputs := []string{"", " ", ".", "..", "...", "\x00", "\xff\xfe", "a.b.c", "..x..", strings.Repeat("A", 100000),
		"%2e%2e", "/", "?#", "e30.e30.e30", "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFAYi5jIiwiaWF0IjoxZTMwOX0.c2ln",
		"\u202e\U0001F600", "null", "{}", `{"v":1}`}
	valid := map[Code]bool{CodeInvalidArgument: true, CodeInvalidToken: true, CodeTokenExpired: true, CodeTokenRejected: true,
		CodeNotFound: true, CodeNetworkError: true, CodeServerError: true}
	check := func(err error) {
		t.Helper()
		if err != nil && !valid[CodeOf(err)] {
			t.Fatalf("error %v with code %s", err, CodeOf(err))
		}
	}
	for _, s := range inputs {
		_ = e.store.Set(e.c.StorageKey(), s)
		_, err := waitCall(t, e.c.Reload())
		check(err)
		_, err = waitCall(t, e.c.LogIn(s))
		check(err)
		_, err = waitCall(t, e.c.IsLoggedIn(s, s))
		check(err)
		_, err = waitCall(t, e.c.IsLoggedIn("email", s))
		check(err)
		_, err = waitCall(t, e.c.GetMessages(s))
		check(err)
		_, err = waitCall(t, e.c.SendMessage(s, s))
		check(err)
		_, err = waitCall(t, e.c.MarkRead(s))
		check(err)
	}
	must(t, e.c.CreateConversation("\xff\xfe ok"))
	for _, s := range inputs {
		_, err := waitCall(t, e.c.SendMessage(s, s))
		check(err)
		_, err = waitCall(t, e.c.CreateConversation(s))
		check(err)
	}
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	must(t, e.c.LogOut())
}
