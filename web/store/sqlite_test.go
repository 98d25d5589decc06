package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

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

func TestTokensStoredOnlyAsHashes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "chat.db"))
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
		var n int
		if err := s.r.QueryRow(`SELECT COUNT(*) FROM sessions WHERE token_hash = ? OR CAST(token_hash AS TEXT) = ?`, tok, tok).Scan(&n); err != nil || n != 0 {
			t.Fatalf("plaintext token found in sessions: %d, %v", n, err)
		}
		if err := s.r.QueryRow(`SELECT COUNT(*) FROM sessions WHERE token_hash = ?`, hashToken(tok)).Scan(&n); err != nil || n != 1 {
			t.Fatalf("hashed token not found: %d, %v", n, err)
		}
	}
}

func TestChatScopedToCustomer(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "chat.db"))
	_, tokA, _ := s.CreateAnonymous(ctx, "a", t0)
	_, tokB, _ := s.CreateAnonymous(ctx, "b", t0)
	a, _ := s.Session(ctx, tokA, t0)
	b, _ := s.Session(ctx, tokB, t0)
	conv, _, _, err := s.CreateConversation(ctx, a, NewMessage{Body: "hello", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Messages(ctx, b.CustomerID, conv.ID, Page{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Messages across customers: %v", err)
	}
	if _, _, err := s.AddMessage(ctx, b, NewMessage{ConversationID: conv.ID, Body: "intrude", Now: t0}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("AddMessage across customers: %v", err)
	}
	if err := s.MarkRead(ctx, b.CustomerID, conv.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("MarkRead across customers: %v", err)
	}
	if convs, _, _ := s.Conversations(ctx, b.CustomerID, Page{}); len(convs) != 0 {
		t.Fatalf("b sees %d conversations", len(convs))
	}
	msgs, _, err := s.Messages(ctx, a.CustomerID, conv.ID, Page{})
	if err != nil || len(msgs) != 1 || msgs[0].Body != "hello" {
		t.Fatalf("owner's messages = %+v, %v", msgs, err)
	}
}

func TestPreviewBoundedInRunes(t *testing.T) {
	long := strings.Repeat("é", 200)
	if got := preview(long); len([]rune(got)) != PreviewRunes || !strings.HasPrefix(long, got) {
		t.Fatalf("preview has %d runes", len([]rune(got)))
	}
	if got := preview("short"); got != "short" {
		t.Fatalf("preview(short) = %q", got)
	}
}

// Concurrent writers queue on the single writer connection instead of
// failing with SQLITE_BUSY, and seq values come out distinct and increasing.
func TestConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "chat.db"))
	_, tok, _ := s.CreateAnonymous(ctx, "a", t0)
	sess, _ := s.Session(ctx, tok, t0)
	conv, _, _, err := s.CreateConversation(ctx, sess, NewMessage{Body: "first", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for range 8 {
		wg.Go(func() {
			for range 25 {
				if _, _, err := s.AddMessage(ctx, sess, NewMessage{ConversationID: conv.ID, Body: "m", Now: t0}); err != nil {
					errs <- err
				}
				if _, err := s.Events(ctx, sess, 0, 10); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	msgs := pages(t, MaxPage, func(p Page) ([]Message, string, error) { return s.Messages(ctx, sess.CustomerID, conv.ID, p) },
		func(m Message) string { return m.ID })
	if len(msgs) != 201 {
		t.Fatalf("%d messages, want 201", len(msgs))
	}
	for i := 1; i < len(msgs); i++ {
		if msgs[i].Seq <= msgs[i-1].Seq {
			t.Fatalf("seq not increasing: %d then %d", msgs[i-1].Seq, msgs[i].Seq)
		}
	}
}
