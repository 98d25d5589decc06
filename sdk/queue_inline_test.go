package sdk

import "testing"

// A local call run inline that panics settles INTERNAL before it returns, and the
// queue goes on: the next local call runs inline too, and a queued one runs.
func TestInlineLocalCallPanicIsInternalAndTheQueueGoesOn(t *testing.T) {
	e := newEnv(t)
	call := submitLocal(e.c, func() (bool, *Error) { panic("boom") })
	if !isClosed(call.Done()) {
		t.Fatal("the inline call did not settle before returning")
	}
	mustFail(t, call, CodeInternal)
	if next := e.c.IsLoggedIn("email", "ann@example.com"); !isClosed(next.Done()) {
		t.Fatal("the local call after a panic did not run inline")
	}
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	if !must(t, e.c.IsLoggedIn("email", "ann@example.com")) {
		t.Fatal("isLoggedIn after the logIn is false")
	}
}
