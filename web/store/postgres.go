package store

import (
	"context"
	"errors"
	"fmt"
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

// maxWriteAttempts bounds how often write runs a transaction that
// PostgreSQL aborted to break a deadlock or a serialization conflict with a
// concurrent one; either is safe to run again from the start.
const maxWriteAttempts = 5

// write runs fn in a READ COMMITTED transaction and returns once it has
// committed (nil) or rolled back (fn's error, or the commit's). As with the
// SQLite writer, fn may run more than once, so it must change nothing but the
// database and its own results, which it sets afresh on each run.
func (p *Postgres) write(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if p.closed.Load() {
		return ErrClosed
	}
	var err error
	for attempt := 1; ; attempt++ {
		err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error { return fn(ctx, tx) })
		if err == nil {
			p.commits.Add(1)
			return nil
		}
		if attempt == maxWriteAttempts || !retryable(err) || ctx.Err() != nil {
			return classifyPostgres(err)
		}
	}
}

// read runs fn in one REPEATABLE READ, READ ONLY transaction, so that its
// queries see one snapshot, as the SQLite store's reads do.
func (p *Postgres) read(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if p.closed.Load() {
		return ErrClosed
	}
	err := pgx.BeginTxFunc(ctx, p.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error { return fn(ctx, tx) })
	return classifyPostgres(err)
}

func retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01") // serialization_failure, deadlock_detected
}

// classifyPostgres tags PostgreSQL's errors for a full disk or a database the
// service may not write with the sentinels the SQLite store uses, keeping
// PostgreSQL's error.
func classifyPostgres(err error) error {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return err
	}
	switch {
	case e.Code == "53100": // disk_full
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	case e.Code == "25006", e.Code == "42501": // read_only_sql_transaction, insufficient_privilege
		return fmt.Errorf("%w: %w", ErrReadOnly, err)
	}
	return err
}

func (p *Postgres) Setting(ctx context.Context, key string, generate func() (string, error)) (string, error) {
	var v string
	err := p.pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", classifyPostgres(err)
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
