package store

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func openTest(t *testing.T, path string) *SQLite {
	t.Helper()
	s, err := OpenSQLite(context.Background(), path, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMigrationsIdempotentOnReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "chat.db")
	s := openTest(t, path)
	key, err := s.Setting(ctx, "api_key", func() (string, error) { return "first", nil })
	if err != nil || key != "first" {
		t.Fatalf("Setting = %q, %v", key, err)
	}
	id, _, err := s.CreateAnonymous(ctx, "device-1", t0)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	for range 2 {
		s = openTest(t, path)
		key, err = s.Setting(ctx, "api_key", func() (string, error) { return "second", nil })
		if err != nil || key != "first" {
			t.Fatalf("after reopen Setting = %q, %v; want the stored value", key, err)
		}
		var versions, customers int
		if err := s.r.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&versions); err != nil {
			t.Fatal(err)
		}
		if versions != len(migrations)-1 {
			t.Fatalf("schema_migrations has %d rows, want %d", versions, len(migrations)-1)
		}
		if err := s.r.QueryRow(`SELECT COUNT(*) FROM customers WHERE id = ?`, id.CustomerID).Scan(&customers); err != nil || customers != 1 {
			t.Fatalf("customer lost on reopen: %d, %v", customers, err)
		}
		var mode string
		if err := s.r.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
			t.Fatalf("journal_mode = %q, %v", mode, err)
		}
		var fk int
		if err := s.w.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
			t.Fatalf("foreign_keys = %d, %v", fk, err)
		}
		// 2 is FULL: the WAL is synced at every commit, before the write returns.
		var sync int
		if err := s.w.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil || sync != 2 {
			t.Fatalf("writer synchronous = %d, %v; want 2 (FULL)", sync, err)
		}
		s.Close()
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chat.db")
	s := openTest(t, path)
	if _, err := s.w.Exec(`INSERT INTO schema_migrations(version, applied_at) VALUES (99, 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := OpenSQLite(context.Background(), path, SQLiteOptions{}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("opened a database from the future: %v", err)
	}
}

// Each way reads a page by one range scan of messages_by_conversation, in
// its order: no table scan, no sort, however long the conversation.
func TestAgentMessagesQueryPlans(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "chat.db"))
	for order, query := range agentMessagesQueries {
		rows, err := s.r.Query(`EXPLAIN QUERY PLAN `+query, "c", 5, 101)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		op := ">"
		if order == NewestFirst {
			op = "<"
		}
		if want := "SEARCH messages USING INDEX messages_by_conversation (conversation_id=? AND seq" + op + "?)"; !slices.Equal(plan, []string{want}) {
			t.Fatalf("%s: plan %q, want %q", order, plan, want)
		}
	}
}

// Many ended sessions go in several short writes, not one long one.
func TestPurgeSessionsWorksInBatches(t *testing.T) {
	s := openWithPolicy(t, SessionPolicy{})
	ctx := context.Background()
	const n = 2*purgeBatch + 7
	tok := login(t, s, "a@example.com", "d1", t0)
	_, err := s.w.Exec(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
		INSERT INTO sessions (token_hash, customer_id, identity_id, created_at, last_used_at, revoked_at)
		SELECT randomblob(32), customer_id, identity_id, 0, 0, 0 FROM k, sessions WHERE sessions.token_hash = ?`,
		n, hashToken(tok))
	if err != nil {
		t.Fatal(err)
	}
	before := s.writer.groups.Load()
	purged, err := s.PurgeSessions(ctx, t0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if purged != n-1 { // the newest is kept
		t.Fatalf("purged %d, want %d", purged, n-1)
	}
	if writes := s.writer.groups.Load() - before; writes < 3 {
		t.Fatalf("%d writes for %d rows: not batched by %d", writes, n, purgeBatch)
	}
	wantSession(t, s, tok, t0, true)
}
