package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PostgresOptions tune the PostgreSQL store; the zero value is fine. The
// pool's size comes from the connection string (pool_max_conns=N; pgxpool's
// default is 4 or the number of CPUs, whichever is more).
type PostgresOptions struct {
	// Sessions bounds the sessions' lives, as SQLiteOptions.Sessions.
	Sessions SessionPolicy
}

// Postgres is the Store on a PostgreSQL database, which any number of
// service instances may share: unlike SQLite's single writer, writes run in
// parallel transactions, so every invariant rests on the database's own
// locks and unique keys, never on an order kept in one process.
type Postgres struct {
	pool     *pgxpool.Pool
	sessions SessionPolicy
	closed   atomic.Bool
	// commits counts the write transactions committed, for tests.
	commits atomic.Int64
}

var _ Store = (*Postgres)(nil)

// IsPostgresURL tells whether a -db value names a PostgreSQL database rather
// than a SQLite file.
func IsPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// OpenPostgres connects to the database at dsn (a postgres:// URL) and
// migrates it.
func OpenPostgres(ctx context.Context, dsn string, opts PostgresOptions) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message repeats the URL, password included.
		return nil, errors.New("open postgres: the connection URL does not parse")
	}
	// pgx prepares each statement once per connection, but PostgreSQL plans
	// a prepared statement afresh at each run for as long as its estimate of
	// the one generic plan looks worse than the runs' own plans, which, with
	// a LIMIT $n, is for ever; every statement here is a lookup by keys, for
	// which the generic plan is the same. Measured with the loadgen against
	// two instances (medians of 4 interleaved runs each): 7 % more messages
	// per second. A plan_cache_mode in the URL wins.
	if _, set := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !set {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	where := fmt.Sprintf("postgres database %q on %s:%d", cfg.ConnConfig.Database, cfg.ConnConfig.Host, cfg.ConnConfig.Port)
	if err := migratePostgres(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open %s: %w", where, classifyPostgres(err))
	}
	p := &Postgres{pool: pool, sessions: opts.Sessions}
	// As for SQLite: a role that may read but not write fails at start, not
	// at the first customer's write.
	if _, err := pool.Exec(ctx, `INSERT INTO settings(key, value) VALUES ('opened_at', $1)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open %s: %w", where, classifyPostgres(err))
	}
	return p, nil
}

// Close waits for the connections in use to be given back, then closes them.
// Calls after Close fail with ErrClosed.
func (p *Postgres) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	p.pool.Close()
	return nil
}

// maxAttempts bounds how often a transaction runs again after PostgreSQL
// aborted it to break a deadlock or a serialization conflict with a
// concurrent one, or after it could not begin (a pooled connection found
// dead): each is safe to run again from the start.
const maxAttempts = 5

// write runs fn in a READ COMMITTED transaction and returns once it has
// committed (nil) or rolled back (fn's error, or the commit's). As with the
// SQLite writer, fn may run more than once, so it must change nothing but the
// database and its own results, which it sets afresh on each run.
func (p *Postgres) write(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	err := p.transact(ctx, pgx.TxOptions{}, fn, retryable)
	if err == nil {
		p.commits.Add(1)
	}
	return err
}

// read runs fn in one REPEATABLE READ, READ ONLY transaction, so that its
// queries see one snapshot, as the SQLite store's reads do. Having changed
// nothing, it runs again after a lost connection too, so that a database
// restart or failover costs readers nothing.
func (p *Postgres) read(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return p.transact(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn, readAgain)
}

func readAgain(err error) bool { return retryable(err) || errors.Is(err, ErrUnavailable) }

// transact runs fn in a transaction until it succeeds, fails in a way again
// does not mend, or maxAttempts. A transaction that could not begin did
// nothing, so it always runs again; when the cause was a lost connection the
// pool's other connections are likely lost too (the server restarted), and
// are dropped first.
func (p *Postgres) transact(ctx context.Context, opts pgx.TxOptions, fn func(ctx context.Context, tx pgx.Tx) error, again func(error) bool) error {
	return p.attempt(ctx, func() (bool, error) { return p.once(ctx, opts, fn) }, again)
}

// attempt runs once, which reports whether its transaction had begun, with
// transact's retries.
func (p *Postgres) attempt(ctx context.Context, once func() (begun bool, err error), again func(error) bool) error {
	if p.closed.Load() {
		return ErrClosed
	}
	for attempt := 1; ; attempt++ {
		begun, err := once()
		if err == nil {
			return nil
		}
		err = classifyPostgres(err)
		if attempt == maxAttempts || ctx.Err() != nil || (begun && !again(err)) {
			return err
		}
		if lostServer(err) {
			p.pool.Reset()
		}
		// A server that refused the connection is not helped by an
		// immediate retry.
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * 10 * time.Millisecond):
		}
	}
}

// lostServer tells whether err says the connection's server went away (a
// restart, a failover, a network cut) rather than that it refused this one
// connection: a server out of connections must not have all of the
// instance's dropped too.
func lostServer(err error) bool {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return strings.HasPrefix(e.Code, "08") || e.Code == "57P01" || e.Code == "57P02"
	}
	return errors.Is(err, ErrUnavailable)
}

func (p *Postgres) once(ctx context.Context, opts pgx.TxOptions, fn func(ctx context.Context, tx pgx.Tx) error) (begun bool, err error) {
	tx, err := p.pool.BeginTx(ctx, opts)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(ctx, tx); err != nil {
		return true, err
	}
	return true, tx.Commit(ctx)
}

func retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01") // serialization_failure, deadlock_detected
}

// classifyPostgres tags PostgreSQL's errors for a full disk or a database the
// service may not write with the sentinels the SQLite store uses, keeping
// PostgreSQL's error.
func classifyPostgres(err error) error {
	if err == nil {
		return nil
	}
	var e *pgconn.PgError
	var connect *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &e):
		switch {
		case e.Code == "53100": // disk_full
			return fmt.Errorf("%w: %w", ErrDiskFull, err)
		case e.Code == "25006", e.Code == "42501": // read_only_sql_transaction, insufficient_privilege
			return fmt.Errorf("%w: %w", ErrReadOnly, err)
		case strings.HasPrefix(e.Code, "08"), // connection_exception
			e.Code == "57P01", e.Code == "57P02", e.Code == "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now
			e.Code == "53300": // too_many_connections
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	case errors.As(err, &connect), errors.As(err, &netErr), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

func (p *Postgres) Setting(ctx context.Context, key string, generate func() (string, error)) (string, error) {
	var v string
	err := p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	})
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", err
	}
	gen, err := generate()
	if err != nil {
		return "", err
	}
	// Another instance may have stored one meanwhile; the first value wins.
	err = p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settings(key, value) VALUES ($1, $2) ON CONFLICT(key) DO NOTHING`, key, gen); err != nil {
			return err
		}
		// A statement of its own: under READ COMMITTED it sees the row of an
		// instance whose insert the one above waited for.
		return tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	})
	return v, err
}

// pgCustomerGone is sqliteCustomerGone for PostgreSQL's foreign_key_violation.
func pgCustomerGone(err error) error {
	var e *pgconn.PgError
	if errors.As(err, &e) && e.Code == "23503" {
		return ErrSessionInvalid
	}
	return err
}

// pgParams rewrites a query written for SQLite for PostgreSQL, whose
// placeholders are $n: ?n becomes $n, and each bare ? the next number. The
// queries it takes hold no ? but their placeholders.
func pgParams(query string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] != '?' {
			b.WriteByte(query[i])
			continue
		}
		b.WriteByte('$')
		if i+1 < len(query) && '0' <= query[i+1] && query[i+1] <= '9' {
			continue
		}
		n++
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}
