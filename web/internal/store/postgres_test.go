package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store/pgtest"
)

func TestClassifyPostgres(t *testing.T) {
	for _, c := range []struct {
		err  error
		want error
	}{
		{&pgconn.PgError{Code: "53100"}, ErrDiskFull},
		{&pgconn.PgError{Code: "25006"}, ErrReadOnly},
		{&pgconn.PgError{Code: "57P01"}, ErrUnavailable},
		{&pgconn.PgError{Code: "08006"}, ErrUnavailable},
		{&pgconn.PgError{Code: "53300"}, ErrUnavailable},
		{&pgconn.ConnectError{}, ErrUnavailable},
	} {
		if got := classifyPostgres(c.err); !errors.Is(got, c.want) {
			t.Errorf("%v: %v, want %v", c.err, got, c.want)
		}
	}
	for _, err := range []error{&pgconn.PgError{Code: "23505"}, pgx.ErrNoRows, context.Canceled} {
		if got := classifyPostgres(err); got != err {
			t.Errorf("%v was classified as %v", err, got)
		}
	}
}

// The database server dropping the store's connections (a restart, a
// failover) costs no call: a transaction that finds its connection dead at
// BEGIN has done nothing and runs again on a new one.
func TestPostgresSurvivesLostConnections(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t)
	s, err := OpenPostgres(ctx, dsn, PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	for range 3 {
		if _, err := s.LatestEvents(ctx, "c"); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LatestEvents(ctx, "c"); err != nil {
			t.Fatalf("a read after the connections were dropped: %v", err)
		}
		if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Setting(ctx, "k", func() (string, error) { return "v", nil }); err != nil {
			t.Fatalf("a write after the connections were dropped: %v", err)
		}
	}
}

// Instances that start at once on an empty database migrate it once: each
// waits for the advisory lock, and the later ones find the schema current.
// A database migrated by a newer binary is refused, not written to.
func TestPostgresMigratesOnceUnderConcurrentStarts(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t)
	const instances = 6
	errs := make(chan error, instances)
	for range instances {
		go func() {
			s, err := OpenPostgres(ctx, dsn, PostgresOptions{})
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range instances {
		if err := <-errs; err != nil {
			t.Fatalf("a concurrent start: %v", err)
		}
	}
	s, err := OpenPostgres(ctx, dsn, PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	peek := postgresPeeker{s}
	if n, want := peek.scalar(t, `SELECT COUNT(*) FROM schema_migrations`), int64(len(postgresMigrations)-1); n != want {
		t.Fatalf("%d migrations recorded, want %d", n, want)
	}
	peek.exec(t, `INSERT INTO schema_migrations(version, applied_at) VALUES (?, 0)`, len(postgresMigrations))
	if _, err := OpenPostgres(ctx, dsn, PostgresOptions{}); err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Fatalf("a database from a newer binary: %v", err)
	}
}

// A URL that does not parse is refused without repeating it: it may hold
// the password.
func TestPostgresBadURLHidesIt(t *testing.T) {
	_, err := OpenPostgres(context.Background(), "postgres://chat:s3cret@db:notaport/chat", PostgresOptions{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("a bad URL: %v", err)
	}
}
