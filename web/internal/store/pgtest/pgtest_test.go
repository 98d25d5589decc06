package pgtest

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Each call gets a database of its own on one server, which takes a
// table, a row and a query.
func TestDB(t *testing.T) {
	ctx := context.Background()
	first, second := DB(t), DB(t)
	if first == second {
		t.Fatalf("two calls got one database: %s", first)
	}
	conn := connect(t, first)
	if _, err := conn.Exec(ctx, `CREATE TABLE notes (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := conn.QueryRow(ctx, `INSERT INTO notes (body) VALUES ($1) RETURNING id`, "hello").Scan(&id); err != nil {
		t.Fatal(err)
	}
	var body string
	if err := conn.QueryRow(ctx, `SELECT body FROM notes WHERE id = $1`, id).Scan(&body); err != nil || body != "hello" {
		t.Fatalf("select = %q, %v", body, err)
	}
	var version string
	if err := conn.QueryRow(ctx, `SHOW server_version`).Scan(&version); err != nil || !strings.HasPrefix(version, "15") {
		t.Logf("server_version %q, %v (the machine image has 15)", version, err)
	}
	var fsync string
	if err := conn.QueryRow(ctx, `SHOW fsync`).Scan(&fsync); err != nil || fsync != "off" {
		t.Fatalf("fsync = %q, %v; want off", fsync, err)
	}

	_, err := connect(t, second).Exec(ctx, `SELECT * FROM notes`)
	if pgErr := (*pgconn.PgError)(nil); !errors.As(err, &pgErr) || pgErr.Code != "42P01" {
		t.Fatalf("the second database sees the first's table: %v", err)
	}
}

// recorder is a testing.TB that records how DB ended it.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Logf(string, ...any)       {}
func (r *recorder) Skipf(f string, a ...any)  { r.skipped = f; runtime.Goexit() }
func (r *recorder) Fatalf(f string, a ...any) { r.failed = f; runtime.Goexit() }
func (r *recorder) Fatal(a ...any)            { r.failed = "fatal"; runtime.Goexit() }

// Without PostgreSQL, DB skips, but fails under CI=true.
func TestMissingPostgreSQL(t *testing.T) {
	mu.Lock()
	saved := missing
	missing = "PostgreSQL is not installed (test)"
	mu.Unlock()
	t.Cleanup(func() { mu.Lock(); missing = saved; mu.Unlock() })
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		done := make(chan struct{})
		go func() { defer close(done); DB(r) }()
		<-done
		if ci == "true" && (r.failed == "" || r.skipped != "") || ci == "" && (r.skipped == "" || r.failed != "") {
			t.Fatalf("CI=%q: skipped %q, failed %q", ci, r.skipped, r.failed)
		}
	}
}
