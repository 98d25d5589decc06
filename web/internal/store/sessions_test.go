package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func login(t *testing.T, s Store, email, device string, now time.Time) string {
	t.Helper()
	res, err := s.Login(context.Background(), LoginParams{Email: email, TrackingID: device, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return res.SessionToken
}

// anonymous makes an anonymous customer on device and returns its session token.
func anonymous(t *testing.T, s Store, device string, now time.Time) string {
	t.Helper()
	_, tok, err := s.CreateAnonymous(context.Background(), device, now)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func wantSession(t *testing.T, s Store, tok string, now time.Time, live bool) {
	t.Helper()
	_, err := s.Session(context.Background(), tok, now)
	switch {
	case live && err != nil:
		t.Fatalf("at %s: session refused: %v", now.Sub(t0), err)
	case !live && !errors.Is(err, ErrSessionInvalid):
		t.Fatalf("at %s: session answered %v, want ErrSessionInvalid", now.Sub(t0), err)
	}
}

func testTokensStoredOnlyAsHashes(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	_, anonToken, err := s.CreateAnonymous(ctx, "device-1", t0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Login(ctx, LoginParams{Email: "ann@example.com", TrackingID: "device-1", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{anonToken, res.SessionToken} {
		if len(tok) != 43 {
			t.Fatalf("token %d chars, want 43 (32 bytes base64url)", len(tok))
		}
		if slices.Contains(s.cells(t)["sessions"], tok) {
			t.Fatal("plaintext token found in sessions")
		}
		if n := s.scalar(t, `SELECT COUNT(*) FROM sessions WHERE token_hash = ?`, hashToken(tok)); n != 1 {
			t.Fatalf("hashed token found %d times, want once", n)
		}
	}
}

// Each kind has its own idle timeout, counted from the last use.
func testSessionIdleTimeoutPerKind(t *testing.T, open engine) {
	s := open(t, SessionPolicy{VerifiedIdle: time.Hour, AnonymousIdle: 3 * time.Hour})
	verified := login(t, s, "sam@example.com", "dev-1", t0)
	_, anon, err := s.CreateAnonymous(context.Background(), "dev-2", t0)
	if err != nil {
		t.Fatal(err)
	}
	wantSession(t, s, verified, t0.Add(59*time.Minute), true)
	wantSession(t, s, verified, t0.Add(118*time.Minute), true) // 59 min after its last use
	wantSession(t, s, verified, t0.Add(179*time.Minute), false)
	wantSession(t, s, anon, t0.Add(179*time.Minute), true)
	wantSession(t, s, anon, t0.Add(359*time.Minute), false)
}

// The lifetime ends a session however busy it is.
func testSessionLifetimeEndsABusySession(t *testing.T, open engine) {
	s := open(t, SessionPolicy{VerifiedIdle: time.Hour, VerifiedLifetime: 3 * time.Hour})
	tok := login(t, s, "sam@example.com", "dev-1", t0)
	for m := 30; m < 180; m += 30 {
		wantSession(t, s, tok, t0.Add(time.Duration(m)*time.Minute), true)
	}
	wantSession(t, s, tok, t0.Add(3*time.Hour), false)
}

// The zero policy never expires a session.
func testSessionZeroPolicyNeverExpires(t *testing.T, open engine) {
	s := open(t, SessionPolicy{})
	tok := login(t, s, "sam@example.com", "dev-1", t0)
	wantSession(t, s, tok, t0.Add(10*365*24*time.Hour), true)
}

// A session read tells when the session ends unless it is used again: the
// idle timeout from its recorded use, bounded by its lifetime; the zero
// policy, never.
func testSessionTellsWhenItEnds(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{VerifiedIdle: time.Hour, VerifiedLifetime: 3 * time.Hour})
	tok := login(t, s, "sam@example.com", "dev-1", t0)
	for _, c := range []struct {
		at, want time.Duration
	}{
		{0, time.Hour},
		{30 * time.Minute, 90 * time.Minute},                // used, so recorded
		{30*time.Minute + 30*time.Second, 90 * time.Minute}, // within TouchEvery: not recorded again
		{80 * time.Minute, 140 * time.Minute},
		{130 * time.Minute, 3 * time.Hour}, // the lifetime comes first
	} {
		sess, err := s.Session(ctx, tok, t0.Add(c.at))
		if err != nil || !sess.LiveUntil.Equal(t0.Add(c.want)) {
			t.Fatalf("at %s: live until %s, %v; want %s", c.at, sess.LiveUntil.Sub(t0), err, c.want)
		}
	}
	forever := open(t, SessionPolicy{})
	if sess, err := forever.Session(ctx, login(t, forever, "sam@example.com", "dev-1", t0), t0); err != nil || !sess.LiveUntil.IsZero() {
		t.Fatalf("under the zero policy: live until %s, %v; want never", sess.LiveUntil, err)
	}
}

// Recording a session's use costs a write at most once per TouchEvery.
func testSessionUseRecordedAtMostOncePerMinute(t *testing.T, open engine) {
	s := open(t, SessionPolicy{VerifiedIdle: time.Hour})
	tok := login(t, s, "sam@example.com", "dev-1", t0)
	before := s.writes()
	for sec := 1; sec < 60; sec++ {
		wantSession(t, s, tok, t0.Add(time.Duration(sec)*time.Second), true)
	}
	if n := s.writes() - before; n != 0 {
		t.Fatalf("%d writes for 59 uses within a minute", n)
	}
	wantSession(t, s, tok, t0.Add(61*time.Second), true)
	wantSession(t, s, tok, t0.Add(62*time.Second), true)
	if n := s.writes() - before; n != 1 {
		t.Fatalf("%d writes after the minute, want 1", n)
	}
	if last := s.scalar(t, `SELECT last_used_at FROM sessions WHERE token_hash = ?`, hashToken(tok)); last != millis(t0.Add(61*time.Second)) {
		t.Fatalf("last_used_at = %d", last)
	}
}

// An anonymous session past its idle timeout no longer proves the device's
// history at login.
func testExpiredTrackingTokenMovesNothing(t *testing.T, open engine) {
	s := open(t, SessionPolicy{AnonymousIdle: time.Hour})
	ctx := context.Background()
	_, anon, _ := s.CreateAnonymous(ctx, "dev-1", t0)
	sess, _ := s.Session(ctx, anon, t0)
	if _, _, _, err := s.CreateConversation(ctx, sess, NewMessage{Body: "hello", Now: t0}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Login(ctx, LoginParams{Email: "sam@example.com", TrackingID: "dev-1", TrackingToken: anon, Now: t0.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	convs, _, err := s.Conversations(ctx, res.Identity.CustomerID, Page{})
	if err != nil || res.MergedFrom != "" || len(convs) != 0 {
		t.Fatalf("expired tracking token moved %q: %d conversations (%v)", res.MergedFrom, len(convs), err)
	}
}
