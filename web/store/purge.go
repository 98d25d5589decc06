package store

import (
	"context"
	"database/sql"
	"time"
)

// PurgeGrace is how long an ended session's row is kept. During it a device that
// comes back is refused as for any ended session; after it the token's hash is
// unknown, which is refused the same way, so the purge changes no answer.
const PurgeGrace = 7 * 24 * time.Hour

// purgeBatch bounds the rows one write deletes: the single writer, which every
// request's write waits for, is never held by the purge for more than a moment.
const purgeBatch = 500

// purgeSessions deletes up to ?batch sessions that ended (revoked, or past an idle or
// absolute lifetime of the policy, per the customer's kind) before ?cutoff; a zero
// bound of the policy never ends a session. The newest session is kept whatever
// its state: sessions.id is a rowid, which SQLite would hand out again were the
// highest one deleted, and messages.session_id must never name a later session.
const purgeSessions = `DELETE FROM sessions WHERE id IN (
	SELECT s.id FROM sessions s JOIN customers c ON c.id = s.customer_id
	WHERE s.id < (SELECT MAX(id) FROM sessions) AND (
		(s.revoked_at IS NOT NULL AND s.revoked_at < :cutoff)
		OR (c.verified = 1 AND (
			(:vIdle > 0 AND s.last_used_at < :cutoff - :vIdle) OR (:vLife > 0 AND s.created_at < :cutoff - :vLife)))
		OR (c.verified = 0 AND (
			(:aIdle > 0 AND s.last_used_at < :cutoff - :aIdle) OR (:aLife > 0 AND s.created_at < :cutoff - :aLife))))
	LIMIT :batch)`

// PurgeSessions deletes the customer sessions that ended more than grace before
// now, in batches of one short write each, and returns how many it deleted. It
// stops early, with ctx's error, when ctx ends.
func (s *SQLite) PurgeSessions(ctx context.Context, now time.Time, grace time.Duration) (int64, error) {
	p := s.sessions
	args := []any{
		sql.Named("cutoff", millis(now.Add(-grace))),
		sql.Named("vIdle", p.VerifiedIdle.Milliseconds()), sql.Named("vLife", p.VerifiedLifetime.Milliseconds()),
		sql.Named("aIdle", p.AnonymousIdle.Milliseconds()), sql.Named("aLife", p.AnonymousLifetime.Milliseconds()),
		sql.Named("batch", purgeBatch),
	}
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var n int64
		err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, purgeSessions, args...)
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
		if n < purgeBatch {
			return total, nil
		}
	}
}
