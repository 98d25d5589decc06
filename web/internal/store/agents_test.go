package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// Hashes are the password package's business; the store keeps any string.
const testHash = "$2a$04$hash-for-tests-only"

func addAgent(t *testing.T, s Store, email, name string) Agent {
	t.Helper()
	a, err := s.CreateAgent(context.Background(), NewAgent{Email: email, Name: name, PasswordHash: testHash, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func signIn(t *testing.T, s Store, agentID string, now time.Time) AgentSignIn {
	t.Helper()
	in, err := s.CreateAgentSession(context.Background(), agentID, now)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func wantAgentSession(t *testing.T, s Store, tok string, now time.Time, live bool) {
	t.Helper()
	_, err := s.AgentSession(context.Background(), tok, now)
	switch {
	case live && err != nil:
		t.Fatalf("at %s: agent session refused: %v", now.Sub(t0), err)
	case !live && !errors.Is(err, ErrSessionInvalid):
		t.Fatalf("at %s: agent session answered %v, want ErrSessionInvalid", now.Sub(t0), err)
	}
}

func testCreateAgent(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	a := addAgent(t, s, "  Dana.Scully@Example.COM \n", "  Dana Scully\t")
	if a.Email != "dana.scully@example.com" || a.Name != "Dana Scully" || a.ID == "" || !a.CreatedAt.Equal(t0) ||
		!a.DisabledAt.IsZero() || !a.LastSignInAt.IsZero() {
		t.Fatalf("agent = %+v", a)
	}
	for _, dup := range []string{"dana.scully@example.com", "DANA.SCULLY@example.com", " dana.scully@EXAMPLE.com"} {
		if _, err := s.CreateAgent(ctx, NewAgent{Email: dup, Name: "Other", PasswordHash: testHash, Now: t0}); !errors.Is(err, ErrAgentExists) {
			t.Fatalf("duplicate %q: %v", dup, err)
		}
	}
	for _, bad := range []string{"", "dana", "@example.com", "dana@", "da na@example.com", "dana\u200b@example.com",
		"d@" + strings.Repeat("x", 253)} {
		if _, err := s.CreateAgent(ctx, NewAgent{Email: bad, Name: "X", PasswordHash: testHash, Now: t0}); !errors.Is(err, ErrAgentEmail) {
			t.Fatalf("email %q: %v", bad, err)
		}
	}
	for _, bad := range []string{"", "   ", strings.Repeat("é", 81), "two\nlines", "bad\xff"} {
		if _, err := s.CreateAgent(ctx, NewAgent{Email: "x@example.com", Name: bad, PasswordHash: testHash, Now: t0}); !errors.Is(err, ErrAgentName) {
			t.Fatalf("name %q: %v", bad, err)
		}
	}
	addAgent(t, s, "x@example.com", strings.Repeat("é", 80))

	got, hash, err := s.AgentByEmail(ctx, "DANA.scully@example.com ")
	if err != nil || got != a || hash != testHash {
		t.Fatalf("AgentByEmail = %+v, %q, %v; want %+v", got, hash, err, a)
	}
	for _, unknown := range []string{"nobody@example.com", "not an email"} {
		if _, _, err := s.AgentByEmail(ctx, unknown); !errors.Is(err, ErrNotFound) {
			t.Fatalf("AgentByEmail(%q): %v", unknown, err)
		}
	}
	list, err := s.Agents(ctx)
	if err != nil || len(list) != 2 || list[0] != a || list[1].Email != "x@example.com" {
		t.Fatalf("Agents = %+v, %v", list, err)
	}
}

func testAgentSignInAndSessions(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{AgentIdle: time.Hour, AgentLifetime: 3 * time.Hour})
	a := addAgent(t, s, "dana@example.com", "Dana")
	in := signIn(t, s, a.ID, t0)
	if len(in.Token) != 43 || !in.Expires.Equal(t0.Add(3*time.Hour)) || in.Agent.ID != a.ID || !in.Agent.LastSignInAt.Equal(t0) {
		t.Fatalf("sign-in = %+v", in)
	}
	// Only the token's hash is stored.
	if slices.Contains(s.cells(t)["agent_sessions"], in.Token) {
		t.Fatal("the token itself is stored")
	}
	got, err := s.AgentSession(ctx, in.Token, t0.Add(time.Minute))
	if err != nil || got.ID != a.ID || got.Name != "Dana" || got.Email != "dana@example.com" {
		t.Fatalf("AgentSession = %+v, %v", got, err)
	}
	wantAgentSession(t, s, "unknown", t0, false)

	// Idle: an hour after its last use; lifetime: three hours after sign-in however busy.
	wantAgentSession(t, s, in.Token, t0.Add(60*time.Minute), true) // 59 min after its last use
	wantAgentSession(t, s, in.Token, t0.Add(119*time.Minute), true)
	wantAgentSession(t, s, in.Token, t0.Add(178*time.Minute), true)
	wantAgentSession(t, s, in.Token, t0.Add(180*time.Minute), false)
	idle := signIn(t, s, a.ID, t0)
	wantAgentSession(t, s, idle.Token, t0.Add(59*time.Minute), true)
	wantAgentSession(t, s, idle.Token, t0.Add(119*time.Minute), false)

	// A use within TouchEvery of the last one is not written.
	busy := signIn(t, s, a.ID, t0)
	wantAgentSession(t, s, busy.Token, t0.Add(30*time.Second), true)
	if lastUsed := s.scalar(t, `SELECT last_used_at FROM agent_sessions WHERE token_hash = ?`, hashToken(busy.Token)); lastUsed != millis(t0) {
		t.Fatalf("last_used_at %d; want %d", lastUsed, millis(t0))
	}

	// Revoked at the service.
	out := signIn(t, s, a.ID, t0)
	if err := s.RevokeAgentSession(ctx, out.Token, t0); err != nil {
		t.Fatal(err)
	}
	wantAgentSession(t, s, out.Token, t0, false)
	if err := s.RevokeAgentSession(ctx, "unknown", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAgentSession(ctx, "no-such-agent", t0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("sign-in of an unknown agent: %v", err)
	}
}

func testDisabledAgent(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	a := addAgent(t, s, "dana@example.com", "Dana")
	in := signIn(t, s, a.ID, t0)
	if err := s.SetAgentDisabled(ctx, "DANA@example.com", true, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantAgentSession(t, s, in.Token, t0.Add(time.Hour), false)
	if _, err := s.CreateAgentSession(ctx, a.ID, t0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("sign-in of a disabled agent: %v", err)
	}
	got, _, err := s.AgentByEmail(ctx, "dana@example.com")
	if err != nil || !got.DisabledAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("disabled agent = %+v, %v", got, err)
	}
	// Disabling again keeps the first time.
	if err := s.SetAgentDisabled(ctx, "dana@example.com", true, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.AgentByEmail(ctx, "dana@example.com"); !got.DisabledAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("disabled again: %+v", got)
	}
	// Enabling does not bring back the sessions disabling ended.
	if err := s.SetAgentDisabled(ctx, "dana@example.com", false, t0); err != nil {
		t.Fatal(err)
	}
	wantAgentSession(t, s, in.Token, t0.Add(time.Hour), false)
	again := signIn(t, s, a.ID, t0.Add(time.Hour))
	wantAgentSession(t, s, again.Token, t0.Add(time.Hour), true)
	if err := s.SetAgentDisabled(ctx, "nobody@example.com", true, t0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("disable an unknown agent: %v", err)
	}
}

// A disabled agent's live session stops at once, even one the disable did
// not revoke (another process disabled the agent by hand, say).
func testDisabledAgentSessionRefused(t *testing.T, open engine) {
	s := open(t, SessionPolicy{})
	a := addAgent(t, s, "dana@example.com", "Dana")
	in := signIn(t, s, a.ID, t0)
	s.exec(t, `UPDATE agents SET disabled_at = ? WHERE id = ?`, millis(t0), a.ID)
	wantAgentSession(t, s, in.Token, t0, false)
}

func testSetAgentPasswordRevokesSessions(t *testing.T, open engine) {
	ctx := context.Background()
	s := open(t, SessionPolicy{})
	a := addAgent(t, s, "dana@example.com", "Dana")
	other := addAgent(t, s, "fox@example.com", "Fox")
	in, keep := signIn(t, s, a.ID, t0), signIn(t, s, other.ID, t0)
	if err := s.SetAgentPassword(ctx, "Dana@Example.com", "new-hash", t0); err != nil {
		t.Fatal(err)
	}
	wantAgentSession(t, s, in.Token, t0, false)
	wantAgentSession(t, s, keep.Token, t0, true)
	if _, hash, _ := s.AgentByEmail(ctx, "dana@example.com"); hash != "new-hash" {
		t.Fatalf("hash = %q", hash)
	}
	if err := s.SetAgentPassword(ctx, "nobody@example.com", "h", t0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("reset an unknown agent: %v", err)
	}
}
