package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgDeleteEndedSessions deletes up to @batch ended sessions after @after in
// id order and answers how many and the last id. Unlike the SQLite store it
// finds and deletes in one statement and keeps no newest row: writers do not
// queue behind one connection here, and sessions.id is an identity column,
// whose values PostgreSQL never hands out again, so messages.session_id
// cannot come to name a later session. A session found ended stays ended
// (it is refused, so never used again), so the delete needs no second look.
const pgDeleteEndedSessions = `WITH gone AS (
	DELETE FROM sessions WHERE id IN (
		SELECT s.id FROM sessions s JOIN customers c ON c.id = s.customer_id
		WHERE s.id > @after AND ` + endedSessions + `
		ORDER BY s.id LIMIT @batch)
	RETURNING id)
SELECT COUNT(*), COALESCE(MAX(id), 0) FROM gone`

func (p *Postgres) PurgeSessions(ctx context.Context, now time.Time, grace time.Duration) (int64, error) {
	pol := p.sessions
	cutoff := millis(now.Add(-grace))
	customers := pgx.NamedArgs{
		"cutoff": cutoff, "batch": purgeBatch,
		"vIdle": pol.VerifiedIdle.Milliseconds(), "vLife": pol.VerifiedLifetime.Milliseconds(),
		"aIdle": pol.AnonymousIdle.Milliseconds(), "aLife": pol.AnonymousLifetime.Milliseconds(),
	}
	var total, after int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		customers["after"] = after
		var n int64
		err := p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, pgDeleteEndedSessions, customers).Scan(&n, &after)
		})
		if err != nil {
			return total, err
		}
		if total += n; n < purgeBatch {
			break
		}
	}
	agents := pgx.NamedArgs{"cutoff": cutoff, "batch": purgeBatch,
		"gIdle": pol.AgentIdle.Milliseconds(), "gLife": pol.AgentLifetime.Milliseconds()}
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var n int64
		err := p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, deleteEndedAgentSessions, agents)
			n = tag.RowsAffected()
			return err
		})
		if err != nil {
			return total, err
		}
		if total += n; n < purgeBatch {
			return total, nil
		}
	}
}
