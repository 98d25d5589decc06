package store

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// writeStatement runs a write that is one statement as a transaction of its
// own, with write's retries: one round trip instead of BEGIN, the statement
// and COMMIT. Besides the round trips it saves, its transaction id is
// assigned and released within the server, never held across the network,
// so the events feeds' horizon (postgres_events.go) waits for it only for
// as long as the statement runs. scan reads the statement's row.
func (p *Postgres) writeStatement(ctx context.Context, scan func(pgx.Row) error, sql string, args ...any) error {
	err := p.attempt(ctx, func() (bool, error) {
		return p.onConn(ctx, func(conn *pgxpool.Conn) error { return scan(conn.QueryRow(ctx, sql, args...)) })
	}, retryable)
	if err == nil {
		p.commits.Add(1)
	}
	return err
}

// readStatement runs a read that is one statement, which sees one snapshot
// as read's transaction does, without BEGIN and COMMIT, with read's retries.
// collect reads the statement's rows, afresh on each attempt.
func (p *Postgres) readStatement(ctx context.Context, collect func(pgx.Rows, error) error, sql string, args ...any) error {
	return p.attempt(ctx, func() (bool, error) {
		return p.onConn(ctx, func(conn *pgxpool.Conn) error {
			rows, err := conn.Query(ctx, sql, args...)
			return collect(rows, err)
		})
	}, readAgain)
}

// onConn runs fn on a pooled connection; begun is false when none could be
// had, so that nothing ran.
func (p *Postgres) onConn(ctx context.Context, fn func(*pgxpool.Conn) error) (begun bool, err error) {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Release()
	return true, fn(conn)
}

// withColumns scans the columns after a row's first ones, which the
// scanner given to it reads, into extra.
type withColumns struct {
	sc    scanner
	extra []any
}

func (w withColumns) Scan(dest ...any) error { return w.sc.Scan(append(dest, w.extra...)...) }
