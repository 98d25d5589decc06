package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// writeStatement runs a write that is one statement as a transaction of its
// own, with write's retries: one round trip instead of BEGIN, the statement
// and COMMIT. Besides the round trips it saves, its transaction id is
// assigned and released within the server, never held across the network,
// so the events feeds' horizon (postgres_events.go) waits for it only for
// as long as the statement runs. scan reads the statement's row.
func (p *Postgres) writeStatement(ctx context.Context, scan func(pgx.Row) error, sql string, args ...any) error {
	err := p.attempt(ctx, func() (bool, error) {
		conn, err := p.pool.Acquire(ctx)
		if err != nil {
			return false, err
		}
		defer conn.Release()
		return true, scan(conn.QueryRow(ctx, sql, args...))
	}, retryable)
	if err == nil {
		p.commits.Add(1)
	}
	return err
}
