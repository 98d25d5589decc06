package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// databaseAt writes at path a database of the schema version given, as a binary of
// that time left it, with rows made by stmts.
func databaseAt(t *testing.T, path string, version int, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	qs := []string{`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`}
	for v := 1; v <= version; v++ {
		qs = append(qs, migrations[v], fmt.Sprintf(`INSERT INTO schema_migrations VALUES (%d, 0)`, v))
	}
	for _, q := range append(qs, stmts...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// A database made before authorName existed opens with its messages intact
// and nameless.
func TestMigrationFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "chat.db")
	databaseAt(t, path, 1,
		`INSERT INTO customers (id, created_at, updated_at) VALUES ('c', 0, 0)`,
		`INSERT INTO conversations (id, customer_id, created_at, last_message_at) VALUES ('v', 'c', 0, 0)`,
		`INSERT INTO messages (id, conversation_id, customer_id, author, body, created_at) VALUES ('m', 'v', 'c', 'agent', 'old reply', 0)`)

	s := openTest(t, path)
	msgs, _, err := s.Messages(ctx, "c", "v", Page{})
	if err != nil || len(msgs) != 1 || msgs[0].Body != "old reply" || msgs[0].AuthorName != "" {
		t.Fatalf("messages after migrating = %+v, %v", msgs, err)
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

// Stores opening one new file at once, as two processes starting together
// would, migrate it once between them and all open.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chat.db")
	const opens = 4
	errs := make(chan error, opens)
	for range opens {
		go func() {
			s, err := OpenSQLite(context.Background(), path, SQLiteOptions{})
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for range opens {
		if err := <-errs; err != nil {
			t.Fatalf("a concurrent open: %v", err)
		}
	}
	s := openTest(t, path)
	if n := (sqlitePeeker{s}).scalar(t, `SELECT COUNT(*) FROM schema_migrations`); n != int64(len(migrations)-1) {
		t.Fatalf("%d migrations recorded, want %d", n, len(migrations)-1)
	}
}
