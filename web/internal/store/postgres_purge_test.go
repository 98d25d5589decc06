package store

import (
	"context"
	"testing"
	"time"
)

// Many ended sessions go in several short writes, and the newest goes too:
// identity values are never handed out again, so PostgreSQL needs none of
// SQLite's keeping of the highest id.
func TestPostgresPurgeSessionsWorksInBatches(t *testing.T) {
	s := postgresPeeker{openPostgres(t, SessionPolicy{})}
	ctx := context.Background()
	const n = 2*purgeBatch + 7
	tok := login(t, s, "a@example.com", "d1", t0)
	s.exec(t, `INSERT INTO sessions (token_hash, customer_id, identity_id, created_at, last_used_at, revoked_at)
		SELECT sha256(convert_to(k::text, 'UTF8')), customer_id, identity_id, 0, 0, 0
		FROM generate_series(1, ?) k, sessions WHERE sessions.token_hash = ?`, n, hashToken(tok))
	before := s.writes()
	purged, err := s.PurgeSessions(ctx, t0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if purged != n {
		t.Fatalf("purged %d, want %d", purged, n)
	}
	if writes := s.writes() - before; writes < 3 {
		t.Fatalf("%d writes for %d rows: not batched by %d", writes, n, purgeBatch)
	}
	wantSession(t, s, tok, t0, true)
}
