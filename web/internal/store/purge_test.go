package store

import (
	"context"
	"testing"
	"time"
)

func sessionRows(t *testing.T, s peeker, tok string) int64 {
	t.Helper()
	return s.scalar(t, `SELECT COUNT(*) FROM sessions WHERE token_hash = ?`, hashToken(tok))
}

// Sessions that ended (revoked, idle, past their lifetime; verified and anonymous
// under their own bounds) more than the grace ago are deleted; live ones and those
// that ended within the grace are kept, and still refused as before.
func testPurgeSessionsDeletesOnlyThoseEndedBeforeTheGrace(t *testing.T, open engine) {
	s := open(t, SessionPolicy{VerifiedIdle: time.Hour, VerifiedLifetime: 24 * time.Hour, AnonymousIdle: 48 * time.Hour})
	ctx := context.Background()
	const grace = 7 * 24 * time.Hour
	now := t0.Add(30 * 24 * time.Hour)
	revoke := func(tok string, at time.Time) {
		if err := s.RevokeSession(ctx, tok, at); err != nil {
			t.Fatal(err)
		}
	}
	gone := map[string]string{
		"verified, idle 8 days ago":  login(t, s, "a@example.com", "d1", now.Add(-grace-25*time.Hour)),
		"anonymous, idle 8 days ago": anonymous(t, s, "d2", now.Add(-grace-3*24*time.Hour)),
		"revoked 8 days ago":         login(t, s, "b@example.com", "d3", now.Add(-grace-2*24*time.Hour)),
		"anonymous, revoked 8 d ago": anonymous(t, s, "d5", now.Add(-grace-2*24*time.Hour)),
	}
	revoke(gone["revoked 8 days ago"], now.Add(-grace-24*time.Hour))
	revoke(gone["anonymous, revoked 8 d ago"], now.Add(-grace-24*time.Hour))
	kept := map[string]string{
		"verified, live":                    login(t, s, "e@example.com", "d6", now.Add(-time.Minute)),
		"anonymous, live":                   anonymous(t, s, "d7", now.Add(-24*time.Hour)),
		"verified, idle 6 days ago":         login(t, s, "f@example.com", "d8", now.Add(-6*24*time.Hour-time.Hour)),
		"anonymous, idle within grace":      anonymous(t, s, "d9", now.Add(-grace-24*time.Hour)),
		"verified, idle ended within grace": login(t, s, "i@example.com", "d12", now.Add(-grace-30*time.Minute)),
		"revoked an hour ago":               login(t, s, "g@example.com", "d10", now.Add(-2*time.Hour)),
	}
	revoke(kept["revoked an hour ago"], now.Add(-time.Hour))

	n, err := s.PurgeSessions(ctx, now, grace)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(gone)) {
		t.Errorf("purged %d sessions, want %d", n, len(gone))
	}
	for name, tok := range gone {
		if sessionRows(t, s, tok) != 0 {
			t.Errorf("%s: kept", name)
		}
		wantSession(t, s, tok, now, false)
	}
	for name, tok := range kept {
		if sessionRows(t, s, tok) != 1 {
			t.Errorf("%s: deleted", name)
		}
	}
	wantSession(t, s, kept["verified, live"], now, true)
	wantSession(t, s, kept["anonymous, live"], now, true)
	wantSession(t, s, kept["verified, idle 6 days ago"], now, false)
	wantSession(t, s, kept["revoked an hour ago"], now, false)
}

// A lifetime ends a session however recently it was used: one whose lifetime ended
// more than the grace ago goes, one whose lifetime ended within it stays.
func testPurgeSessionsHonoursLifetimes(t *testing.T, open engine) {
	s := open(t, SessionPolicy{VerifiedLifetime: 24 * time.Hour, AnonymousLifetime: 48 * time.Hour})
	ctx := context.Background()
	const grace = 7 * 24 * time.Hour
	now := t0.Add(30 * 24 * time.Hour)
	oldVerified := login(t, s, "a@example.com", "d1", now.Add(-grace-25*time.Hour))
	recentVerified := login(t, s, "b@example.com", "d2", now.Add(-grace-23*time.Hour))
	oldAnon := anonymous(t, s, "d3", now.Add(-grace-49*time.Hour))
	recentAnon := anonymous(t, s, "d4", now.Add(-grace-47*time.Hour))
	login(t, s, "c@example.com", "d5", now) // the newest, kept anyway
	// Used just now, which no idle bound would forgive: the lifetime still counts.
	for _, tok := range []string{oldVerified, oldAnon} {
		s.exec(t, `UPDATE sessions SET last_used_at = ? WHERE token_hash = ?`, millis(now), hashToken(tok))
	}
	if n, err := s.PurgeSessions(ctx, now, grace); err != nil || n != 2 {
		t.Fatalf("purged %d, %v; want 2", n, err)
	}
	if sessionRows(t, s, oldVerified) != 0 || sessionRows(t, s, oldAnon) != 0 {
		t.Error("a session past its lifetime by more than the grace was kept")
	}
	if sessionRows(t, s, recentVerified) != 1 || sessionRows(t, s, recentAnon) != 1 {
		t.Error("a session past its lifetime by less than the grace was deleted")
	}
}

// agentSessionRows counts the rows of an agent sign-in's token.
func agentSessionRows(t *testing.T, s peeker, tok string) int64 {
	t.Helper()
	return s.scalar(t, `SELECT COUNT(*) FROM agent_sessions WHERE token_hash = ?`, hashToken(tok))
}

// Agent sign-ins that ended (revoked, idle, past their lifetime) more than the
// grace ago are deleted with the customers' sessions; the others are kept.
func testPurgeSessionsDeletesEndedAgentSessions(t *testing.T, open engine) {
	ctx := context.Background()
	const grace = 7 * 24 * time.Hour
	now := t0.Add(30 * 24 * time.Hour)
	s := open(t, SessionPolicy{AgentIdle: 12 * time.Hour})
	a := addAgent(t, s, "dana@example.com", "Dana")
	revoked := func(at, revokedAt time.Time) string {
		tok := signIn(t, s, a.ID, at).Token
		if err := s.RevokeAgentSession(ctx, tok, revokedAt); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	gone := []string{signIn(t, s, a.ID, now.Add(-grace-13*time.Hour)).Token, revoked(now.Add(-grace-2*time.Hour), now.Add(-grace-time.Hour))}
	kept := []string{signIn(t, s, a.ID, now.Add(-grace-11*time.Hour)).Token, revoked(now.Add(-time.Hour), now.Add(-time.Minute)),
		signIn(t, s, a.ID, now.Add(-time.Hour)).Token}

	life := open(t, SessionPolicy{AgentLifetime: 24 * time.Hour})
	b := addAgent(t, life, "fox@example.com", "Fox")
	lifeGone, lifeKept := signIn(t, life, b.ID, now.Add(-grace-25*time.Hour)).Token, signIn(t, life, b.ID, now.Add(-grace-23*time.Hour)).Token

	if n, err := s.PurgeSessions(ctx, now, grace); err != nil || n != int64(len(gone)) {
		t.Fatalf("purged %d (%v), want %d", n, err, len(gone))
	}
	if n, err := life.PurgeSessions(ctx, now, grace); err != nil || n != 1 {
		t.Fatalf("purged %d (%v) by lifetime, want 1", n, err)
	}
	for _, tok := range gone {
		if agentSessionRows(t, s, tok) != 0 {
			t.Error("an agent session that ended before the grace is still stored")
		}
	}
	for _, tok := range kept {
		if agentSessionRows(t, s, tok) != 1 {
			t.Error("an agent session live or ended within the grace was deleted")
		}
	}
	if agentSessionRows(t, life, lifeGone) != 0 || agentSessionRows(t, life, lifeKept) != 1 {
		t.Error("the agent lifetime was not honoured")
	}
}
