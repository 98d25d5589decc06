package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// With many writers, message seqs do not commit in order: a poll could read
// seq 11 committed before seq 10 commits, move its cursor past 10 and never
// see it. A message's seq is the id of the transaction that stored it; the
// snapshot names the transactions still in progress, and one that has
// ended, or began after the snapshot, can never commit a message below what
// the snapshot shows. So the messages below the oldest transaction in
// progress, the horizon, are final: no message with a lower seq can commit
// after them. The events feeds return only those, and their cursors never
// pass the horizon. Taking no lock, they cost writers nothing.
//
// Transaction ids are the whole server's, so a transaction open in another
// database on it (another application's batch job, a prepared transaction)
// would hold every poll back; one that pg_stat_activity or
// pg_prepared_xacts shows to be another database's is left out of the
// horizon. Transaction ids are never reused, so this holds however late the
// view is read. pg_stat_activity shows the transaction ids of the service's
// own role only, unless that role has pg_read_all_stats.
//
// The price: a message committed behind a transaction of this database that
// is still open (usually for a few milliseconds) stays held back until that
// one ends, and a poll that finds only held-back messages reads again a
// moment later (untilFinal) rather than waiting for a wake-up that was
// already spent on it. The transaction's own id, in progress but not in its
// snapshot, bounds it too.
const horizonSQL = `LEAST(
	COALESCE(
		(SELECT MIN(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
		WHERE xid(x) NOT IN (
			SELECT backend_xid FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()
			UNION ALL SELECT transaction FROM pg_prepared_xacts WHERE database <> current_database())),
		pg_snapshot_xmax(pg_current_snapshot())::text::bigint),
	COALESCE(pg_current_xact_id_if_assigned()::text::bigint, 9223372036854775807))`

// maxHeldBack bounds how long a read waits for held-back messages to become
// final; an older transaction open longer than that (a bulk job in the same
// database) delays them to the poll's next read instead of holding the poll.
const maxHeldBack = 2 * time.Second

// untilFinal runs read in a read transaction, with the snapshot's horizon,
// until it reports nothing held back or maxHeldBack has passed.
func (p *Postgres) untilFinal(ctx context.Context, read func(ctx context.Context, tx pgx.Tx, horizon int64) (heldBack bool, err error)) error {
	pause := time.Millisecond
	giveUp := time.Now().Add(maxHeldBack)
	for {
		var heldBack bool
		err := p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
			var horizon int64
			if err := tx.QueryRow(ctx, `SELECT `+horizonSQL).Scan(&horizon); err != nil {
				return err
			}
			var err error
			heldBack, err = read(ctx, tx, horizon)
			return err
		})
		if err != nil || !heldBack || time.Now().After(giveUp) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// latestFinalSeq is the customer's cursor when no message is returned: its
// last final message's seq. Inside a write transaction too it never passes
// the horizon, so a login's cursor skips nothing still to commit.
func latestFinalSeq(ctx context.Context, tx pgx.Tx, customerID string) (int64, error) {
	var seq int64
	err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM messages
		WHERE customer_id = $1 AND seq < `+horizonSQL, customerID).Scan(&seq)
	return seq, err
}

// pgFinalEvents is the events read of a poll that has something to answer:
// the final messages after the cursor, each with the unread total, in one
// statement (one snapshot, as untilFinal's transaction), the horizon and the
// total computed once. No row: nothing final to answer, which untilFinal's
// read tells apart from held-back messages.
const pgFinalEvents = `SELECT m.*, (SELECT COALESCE(SUM(unread), 0) FROM conversations WHERE customer_id = $1)
	FROM (SELECT ` + horizonSQL + ` AS v) h, LATERAL (SELECT ` + messageColumns + ` FROM messages
		WHERE customer_id = $1 AND seq > $2 AND seq < h.v AND (session_id IS NULL OR session_id <> $3)
		ORDER BY seq LIMIT $4) m
	ORDER BY m.seq`

func (p *Postgres) Events(ctx context.Context, sess Session, after int64, limit int) (Events, error) {
	var ev Events
	err := p.readStatement(ctx, func(rows pgx.Rows, err error) error {
		ev.Messages, err = collectRows(rows, err, func(sc scanner) (Message, error) {
			return scanMessage(withColumns{sc, []any{&ev.Unread}})
		})
		return err
	}, pgFinalEvents, sess.CustomerID, after, sess.ID, limit)
	if err != nil {
		return Events{}, err
	}
	if n := len(ev.Messages); n > 0 {
		ev.Cursor = ev.Messages[n-1].Seq
		return ev, nil
	}
	err = p.untilFinal(ctx, func(ctx context.Context, tx pgx.Tx, horizon int64) (bool, error) {
		rows, err := tx.Query(ctx, `SELECT `+messageColumns+` FROM messages
			WHERE customer_id = $1 AND seq > $2 AND seq < $3 AND (session_id IS NULL OR session_id <> $4)
			ORDER BY seq LIMIT $5`, sess.CustomerID, after, horizon, sess.ID, limit)
		if ev.Messages, err = collectRows(rows, err, scanMessage); err != nil {
			return false, err
		}
		heldBack := false
		if len(ev.Messages) == 0 {
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM messages
				WHERE customer_id = $1 AND seq >= $2 AND seq > $3 AND (session_id IS NULL OR session_id <> $4))`,
				sess.CustomerID, horizon, after, sess.ID).Scan(&heldBack); err != nil {
				return false, err
			}
		}
		return heldBack, p.fillCursor(ctx, tx, sess.CustomerID, &ev)
	})
	return ev, err
}

func (p *Postgres) LatestEvents(ctx context.Context, customerID string) (Events, error) {
	ev := Events{Messages: []Message{}}
	err := p.read(ctx, func(ctx context.Context, tx pgx.Tx) error { return p.fillCursor(ctx, tx, customerID, &ev) })
	return ev, err
}

// fillCursor sets the cursor (the last message returned, else the customer's
// latest final seq) and the unread total, from the same snapshot as the
// messages.
func (p *Postgres) fillCursor(ctx context.Context, tx pgx.Tx, customerID string, ev *Events) error {
	if n := len(ev.Messages); n > 0 {
		ev.Cursor = ev.Messages[n-1].Seq
	} else {
		var err error
		if ev.Cursor, err = latestFinalSeq(ctx, tx, customerID); err != nil {
			return err
		}
	}
	return tx.QueryRow(ctx, `SELECT COALESCE(SUM(unread), 0) FROM conversations WHERE customer_id = $1`, customerID).Scan(&ev.Unread)
}

func (p *Postgres) AgentEvents(ctx context.Context, after int64, limit int) (AgentEvents, error) {
	var ev AgentEvents
	err := p.untilFinal(ctx, func(ctx context.Context, tx pgx.Tx, horizon int64) (bool, error) {
		ev = AgentEvents{Messages: []Message{}}
		if after >= 0 {
			rows, err := tx.Query(ctx, `SELECT `+messageColumns+` FROM messages
				WHERE seq > $1 AND seq < $2 ORDER BY seq LIMIT $3`, after, horizon, limit)
			if ev.Messages, err = collectRows(rows, err, scanMessage); err != nil {
				return false, err
			}
		}
		if n := len(ev.Messages); n > 0 {
			ev.Cursor = ev.Messages[n-1].Seq
			return false, nil
		}
		// An erase may have deleted the latest messages; the highest seq it
		// deleted keeps the cursor from going back, but only up to the
		// horizon, below which no message can still commit.
		if err := tx.QueryRow(ctx, `SELECT GREATEST((SELECT COALESCE(MAX(seq), 0) FROM messages WHERE seq < $1),
			(SELECT LEAST(max_seq, $1 - 1) FROM erased_seq))`, horizon).Scan(&ev.Cursor); err != nil {
			return false, err
		}
		heldBack := false
		if after >= 0 {
			err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM messages WHERE seq >= $1 AND seq > $2)`, horizon, after).Scan(&heldBack)
			return heldBack, err
		}
		return false, nil
	})
	return ev, err
}

// collectRows is collect for pgx's rows.
func collectRows[T any](rows pgx.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanAll(rows, scan)
}
