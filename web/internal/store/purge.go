package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// PurgeGrace is how long an ended session's row is kept. During it a device that
// comes back is refused as for any ended session; after it the token's hash is
// unknown, which is refused the same way, so the purge changes no answer.
const PurgeGrace = 7 * 24 * time.Hour

// purgeBatch bounds the rows one write deletes: the single writer, which every
// request's write waits for, is never held by the purge for more than a moment.
const purgeBatch = 500

// endedSessions holds for a session s of customer c that ended (revoked, or past an
// idle or absolute lifetime of the policy, per the customer's kind) before @cutoff; a
// zero bound of the policy never ends a session. Both stores run it: named @params,
// which database/sql's sql.Named and pgx.NamedArgs both bind, and a CAST on each
// bound's first use, since PostgreSQL would take one compared with 0 for a 32-bit
// integer.
const endedSessions = `((s.revoked_at IS NOT NULL AND s.revoked_at < @cutoff)
		OR (c.verified AND (
			(CAST(@vIdle AS BIGINT) > 0 AND s.last_used_at < @cutoff - @vIdle) OR (CAST(@vLife AS BIGINT) > 0 AND s.created_at < @cutoff - @vLife)))
		OR (NOT c.verified AND (
			(CAST(@aIdle AS BIGINT) > 0 AND s.last_used_at < @cutoff - @aIdle) OR (CAST(@aLife AS BIGINT) > 0 AND s.created_at < @cutoff - @aLife))))`

// findEndedSessions reads, on a reader, up to @batch ended sessions after @after in
// id order: finding them scans the table, which must not hold the single writer
// that every request's write waits for. The newest session is kept whatever its
// state: sessions.id is a rowid, which SQLite would hand out again were the highest
// one deleted, and messages.session_id must never name a later session.
const findEndedSessions = `SELECT s.id FROM sessions s JOIN customers c ON c.id = s.customer_id
	WHERE s.id > @after AND s.id < (SELECT MAX(id) FROM sessions) AND ` + endedSessions + `
	ORDER BY s.id LIMIT @batch`

// deleteEndedSessions deletes those of @ids (a JSON array) that are still ended: one
// may have been used since it was read.
const deleteEndedSessions = `DELETE FROM sessions WHERE id IN (
	SELECT s.id FROM sessions s JOIN customers c ON c.id = s.customer_id
	WHERE s.id IN (SELECT value FROM json_each(@ids)) AND ` + endedSessions + `)`

// deleteEndedAgentSessions deletes up to @batch agent sessions that ended (revoked, or
// past the agent idle or lifetime bound) before @cutoff. The table holds a row per
// sign-in of the support team, small enough to search on the writer; no other
// table names an agent session, so its rowids may be handed out again.
const deleteEndedAgentSessions = `DELETE FROM agent_sessions WHERE id IN (
	SELECT id FROM agent_sessions WHERE (revoked_at IS NOT NULL AND revoked_at < @cutoff)
		OR (CAST(@gIdle AS BIGINT) > 0 AND last_used_at < @cutoff - @gIdle) OR (CAST(@gLife AS BIGINT) > 0 AND created_at < @cutoff - @gLife)
	LIMIT @batch)`

// PurgeSessions deletes the customer and agent sessions that ended more than grace
// before now, in batches of one short write each, and returns how many it deleted.
// It stops early, with ctx's error, when ctx ends.
func (s *SQLite) PurgeSessions(ctx context.Context, now time.Time, grace time.Duration) (int64, error) {
	n, err := s.purgeCustomerSessions(ctx, now, grace)
	if err != nil {
		return n, err
	}
	m, err := s.purgeAgentSessions(ctx, now, grace)
	return n + m, err
}

func (s *SQLite) purgeAgentSessions(ctx context.Context, now time.Time, grace time.Duration) (int64, error) {
	args := []any{sql.Named("cutoff", millis(now.Add(-grace))), sql.Named("batch", purgeBatch),
		sql.Named("gIdle", s.sessions.AgentIdle.Milliseconds()), sql.Named("gLife", s.sessions.AgentLifetime.Milliseconds())}
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var n int64
		err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, deleteEndedAgentSessions, args...)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if total += n; err != nil || n < purgeBatch {
			return total, err
		}
	}
}

func (s *SQLite) purgeCustomerSessions(ctx context.Context, now time.Time, grace time.Duration) (int64, error) {
	p := s.sessions
	args := []any{
		sql.Named("cutoff", millis(now.Add(-grace))),
		sql.Named("vIdle", p.VerifiedIdle.Milliseconds()), sql.Named("vLife", p.VerifiedLifetime.Milliseconds()),
		sql.Named("aIdle", p.AnonymousIdle.Milliseconds()), sql.Named("aLife", p.AnonymousLifetime.Milliseconds()),
		sql.Named("batch", purgeBatch),
	}
	var total, after int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var ids []int64
		err := s.read(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, findEndedSessions, append(args, sql.Named("after", after))...)
			ids, err = collect(rows, err, func(sc scanner) (int64, error) { var id int64; return id, sc.Scan(&id) })
			return err
		})
		if err != nil || len(ids) == 0 {
			return total, err
		}
		after = ids[len(ids)-1]
		list, _ := json.Marshal(ids)
		var n int64
		err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, deleteEndedSessions, append(args, sql.Named("ids", string(list)))...)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if len(ids) < purgeBatch {
			return total, nil
		}
	}
}
