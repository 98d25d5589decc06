package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openWithPolicy(t *testing.T, p SessionPolicy) *SQLite {
	t.Helper()
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "chat.db"), SQLiteOptions{Sessions: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func login(t *testing.T, s *SQLite, email, device string, now time.Time) string {
	t.Helper()
	res, err := s.Login(context.Background(), LoginParams{Email: email, TrackingID: device, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return res.SessionToken
}

func wantSession(t *testing.T, s *SQLite, tok string, now time.Time, live bool) {
	t.Helper()
	_, err := s.Session(context.Background(), tok, now)
	switch {
	case live && err != nil:
		t.Fatalf("at %s: session refused: %v", now.Sub(t0), err)
	case !live && !errors.Is(err, ErrSessionInvalid):
		t.Fatalf("at %s: session answered %v, want ErrSessionInvalid", now.Sub(t0), err)
	}
}

// Each kind has its own idle timeout, counted from the last use.
func TestSessionIdleTimeoutPerKind(t *testing.T) {
	s := openWithPolicy(t, SessionPolicy{VerifiedIdle: time.Hour, AnonymousIdle: 3 * time.Hour})
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
func TestSessionLifetimeEndsABusySession(t *testing.T) {
	s := openWithPolicy(t, SessionPolicy{VerifiedIdle: time.Hour, VerifiedLifetime: 3 * time.Hour})
	tok := login(t, s, "sam@example.com", "dev-1", t0)
	for m := 30; m < 180; m += 30 {
		wantSession(t, s, tok, t0.Add(time.Duration(m)*time.Minute), true)
	}
	wantSession(t, s, tok, t0.Add(3*time.Hour), false)
}

// The zero policy never expires a session.
func TestSessionZeroPolicyNeverExpires(t *testing.T) {
	s := openWithPolicy(t, SessionPolicy{})
	tok := login(t, s, "sam@example.com", "dev-1", t0)
	wantSession(t, s, tok, t0.Add(10*365*24*time.Hour), true)
}

// Recording a session's use costs a write at most once per TouchEvery.
func TestSessionUseRecordedAtMostOncePerMinute(t *testing.T) {
	s := openWithPolicy(t, SessionPolicy{VerifiedIdle: time.Hour})
	tok := login(t, s, "sam@example.com", "dev-1", t0)
	writes := func() int64 { return s.writer.groups.Load() }
	before := writes()
	for sec := 1; sec < 60; sec++ {
		wantSession(t, s, tok, t0.Add(time.Duration(sec)*time.Second), true)
	}
	if n := writes() - before; n != 0 {
		t.Fatalf("%d writes for 59 uses within a minute", n)
	}
	wantSession(t, s, tok, t0.Add(61*time.Second), true)
	wantSession(t, s, tok, t0.Add(62*time.Second), true)
	if n := writes() - before; n != 1 {
		t.Fatalf("%d writes after the minute, want 1", n)
	}
	var last int64
	if err := s.r.QueryRow(`SELECT last_used_at FROM sessions WHERE token_hash = ?`, hashToken(tok)).Scan(&last); err != nil || last != millis(t0.Add(61*time.Second)) {
		t.Fatalf("last_used_at = %d, %v", last, err)
	}
}

// Two tabs of one device racing to log in leave one live session; another
// device of the same customer keeps its own.
func TestConcurrentLoginsOfOneDeviceLeaveOneLiveSession(t *testing.T) {
	s := openWithPolicy(t, DefaultSessionPolicy)
	other := login(t, s, "sam@example.com", "dev-other", t0)
	var wg sync.WaitGroup
	tokens := make([]string, 50)
	for i := range tokens {
		wg.Go(func() { tokens[i] = login(t, s, "sam@example.com", "dev-1", t0) })
	}
	wg.Wait()
	var live int
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM sessions s JOIN tracking_identities i ON i.id = s.identity_id
		WHERE i.tracking_id = 'dev-1' AND s.revoked_at IS NULL`).Scan(&live); err != nil || live != 1 {
		t.Fatalf("%d live sessions on the device, want 1 (%v)", live, err)
	}
	n := 0
	for _, tok := range tokens {
		if _, err := s.Session(context.Background(), tok, t0); err == nil {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d of 50 tokens still answer, want 1", n)
	}
	wantSession(t, s, other, t0, true)
}

// An anonymous session past its idle timeout no longer proves the device's
// history at login.
func TestExpiredTrackingTokenMovesNothing(t *testing.T) {
	s := openWithPolicy(t, SessionPolicy{AnonymousIdle: time.Hour})
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

// Migration 3 counts a session made before it as used when it was made.
func TestMigration3BackfillsLastUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chat.db")
	databaseAt(t, path, 2,
		`INSERT INTO customers (id, verified, created_at, updated_at) VALUES ('c', 1, 5, 5)`,
		`INSERT INTO tracking_identities VALUES ('i', 'c', 'dev', 5, 5)`,
		fmt.Sprintf(`INSERT INTO sessions (token_hash, customer_id, identity_id, created_at) VALUES (x'%x', 'c', 'i', %d)`,
			hashToken("old"), millis(t0)))
	s, err := OpenSQLite(context.Background(), path, SQLiteOptions{Sessions: SessionPolicy{VerifiedIdle: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wantSession(t, s, "old", t0.Add(59*time.Minute), true)
	wantSession(t, s, "old", t0.Add(3*time.Hour), false)
}
