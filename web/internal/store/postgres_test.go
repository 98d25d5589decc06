package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

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

// A login that found the customer before a racing login filled in its
// externalId, and committed, must not write its stale view over it: the
// customer is locked and read again before the update.
func TestPostgresRacingLoginsKeepEachOthersFillIn(t *testing.T) {
	s := openPostgres(t, DefaultSessionPolicy)
	ctx := context.Background()
	first, err := s.Login(ctx, LoginParams{Email: "c@example.com", TrackingID: "t1", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	// Holding the device's tracking identity pauses the next login of t1
	// after its customer update, before its commit.
	hold, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hold.Exec(ctx, `SELECT 1 FROM tracking_identities WHERE id = $1 FOR UPDATE`, first.Identity.ID); err != nil {
		t.Fatal(err)
	}
	logins := make(chan error, 2)
	go func() {
		_, err := s.Login(ctx, LoginParams{Email: "c@example.com", ExternalID: "ext-1", TrackingID: "t1", Now: t0})
		logins <- err
	}()
	waitForLockWaiters(t, s, 1)
	go func() {
		_, err := s.Login(ctx, LoginParams{Email: "c@example.com", TrackingID: "t2", Now: t0})
		logins <- err
	}()
	waitForLockWaiters(t, s, 2)
	hold.Rollback(ctx)
	for range 2 {
		if err := <-logins; err != nil {
			t.Fatal(err)
		}
	}
	if c, err := s.Customer(ctx, first.Identity.CustomerID); err != nil || c.ExternalID != "ext-1" {
		t.Fatalf("the customer after the racing logins: %+v, %v; want externalId ext-1", c, err)
	}
}

// waitForLockWaiters waits until n of the store's connections wait on a lock.
func waitForLockWaiters(t *testing.T, s *Postgres, n int64) {
	t.Helper()
	peek := postgresPeeker{s}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if peek.scalar(t, `SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) >= n {
			return
		}
	}
	t.Fatalf("fewer than %d transactions wait on a lock after 10 s", n)
}

// A transaction left open in another database on the same server (another
// application's) holds back neither a customer's events nor the agents'.
func TestPostgresAnotherDatabasesTransactionHoldsNothingBack(t *testing.T) {
	s := openPostgres(t, DefaultSessionPolicy)
	ctx := context.Background()
	other, err := pgx.Connect(ctx, pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	open, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Rollback(ctx)
	if _, err := open.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	sess := session(t, s, "d")
	conv := startConversation(t, s, sess, "hello", t0)
	reply, _, err := s.AgentReply(ctx, AgentReply{ConversationID: conv.ID, Body: "hi", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ev, err := s.Events(ctx, sess, 0, 10, t0)
	if err != nil || len(ev.Messages) != 1 || ev.Messages[0].ID != reply.ID || time.Since(start) > maxHeldBack/2 {
		t.Fatalf("events after %v: %+v, %v; want the reply at once", time.Since(start), ev, err)
	}
	if latest, err := s.LatestEvents(ctx, sess.CustomerID); err != nil || latest.Cursor != ev.Cursor {
		t.Fatalf("latest cursor %d, %v; want %d", latest.Cursor, err, ev.Cursor)
	}
	start = time.Now()
	agents, err := s.AgentEvents(ctx, 0, 10)
	if err != nil || len(agents.Messages) != 2 || agents.Cursor != reply.Seq || time.Since(start) > maxHeldBack/2 {
		t.Fatalf("agent events after %v: %+v, %v; want both messages at once", time.Since(start), agents, err)
	}
}

// The store's connections plan each prepared statement once, unless the URL
// says otherwise.
func TestPostgresPlansPreparedStatementsOnce(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t)
	for _, c := range []struct{ suffix, want string }{
		{"", "force_generic_plan"},
		{"&plan_cache_mode=auto", "auto"},
	} {
		s, err := OpenPostgres(ctx, dsn+c.suffix, PostgresOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var mode string
		err = s.pool.QueryRow(ctx, `SHOW plan_cache_mode`).Scan(&mode)
		s.Close()
		if err != nil || mode != c.want {
			t.Fatalf("plan_cache_mode with %q = %q, %v; want %q", c.suffix, mode, err, c.want)
		}
	}
}
