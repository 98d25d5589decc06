package sdk

import "testing"

// isLoggedIn compares the canonical forms the service finds customers by, so an
// email that only looks like the customer's, or folds to it under Unicode case
// rules, is not theirs.
func TestIsLoggedInComparesCanonicalEmails(t *testing.T) {
	e := newServiceEnv(t)
	must(t, e.c.LogIn(e.emailToken("sam@example.com")))
	for _, same := range []string{"sam@example.com", " SAM@Example.COM\t", "Sam@example.com\n"} {
		if !must(t, e.c.IsLoggedIn("email", same)) {
			t.Errorf("isLoggedIn(%q) false", same)
		}
	}
	for _, other := range []string{"ſam@example.com", "sam@example.\u212Aom", "sam@example.com\u00a0", "\u0085sam@example.com",
		"sa\u200bm@example.com", "sam@example.com\xff", "SAM@EXAMPLE.COM\u3000", ""} {
		if must(t, e.c.IsLoggedIn("email", other)) {
			t.Errorf("isLoggedIn(%q) true while logged in as sam@example.com", other)
		}
	}
}

// A token whose email has no canonical form fails locally, as the service would
// refuse it, with no request sent.
func TestTokenEmailWithoutCanonicalFormIsInvalid(t *testing.T) {
	e := newServiceEnv(t)
	for _, email := range []string{"ann@example.com\u00a0x", "ann\u0085@example.com", "ann\u200b@example.com", "an n@example.com", "ann\x01@x"} {
		mustFail(t, e.c.LogIn(e.emailToken(email)), CodeInvalidToken)
	}
	if reqs := e.api.requests(""); len(reqs) != 0 {
		t.Fatalf("%d requests sent", len(reqs))
	}
}
