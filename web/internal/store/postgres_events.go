package store

import (
	"context"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
)

// With many writers, seqs handed out from one sequence do not commit in
// order: a poll could read seq 11 committed before seq 10 commits, move its
// cursor past 10 and never see it.
//
// A customer's own feed (Events) follows customer_seq: each message takes
// the next value of its customer's counter under the customer's row lock,
// held to its commit (pgInsertMessage, pgInsertAgentMessage), so that the
// customer's messages commit in customer_seq order, and a poll that sees
// one sees every one before it. A poll waits for its own customer's writes
// only, and writers wait only for writes of the same customer.
//
// The agents' feed (AgentEvents) is every customer's, where one lock would
// make every write take turns. There a message's seq is the id of the
// transaction that stored it; the snapshot names the transactions still in
// progress, and one that has ended, or began after the snapshot, can never
// commit a message below what the snapshot shows. So the messages below the
// oldest transaction in progress, the horizon, are final: no message with a
// lower seq can commit after them. The agents' feed returns only those, and
// its cursor never passes the horizon. Taking no lock, it costs writers
// nothing.
//
// Transaction ids are the whole server's, so a transaction open in another
// database on it (another application's batch job, a prepared transaction)
// would hold the agents' feed back; one that pg_stat_activity or
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

// pgEvents is a poll's read in one statement, so one snapshot: up to $4 of
// the customer's messages after the cursor $2 but those of the device $3,
// each row with the customer's counter and unread total, and what tells
// whether the customer's session $5 is live (null when it is not there or
// revoked); with no message, one row of those, whose message columns are
// empty (an empty id). No row: no such customer.
var pgEvents = `SELECT COALESCE(m.customer_seq, 0), COALESCE(m.id, ''), COALESCE(m.conversation_id, ''), COALESCE(m.customer_id, ''),
		COALESCE(m.author, ''), m.author_name, COALESCE(m.body, ''), COALESCE(m.created_at, 0),
		t.last_seq, t.unread, t.verified, t.created_at, t.last_used_at
	FROM (SELECT c.last_seq, c.verified, s.created_at, s.last_used_at,
			(SELECT COALESCE(SUM(unread), 0) FROM conversations WHERE customer_id = $1) AS unread
		FROM customers c LEFT JOIN sessions s ON s.id = $5 AND s.customer_id = c.id AND s.revoked_at IS NULL
		WHERE c.id = $1) t
	LEFT JOIN LATERAL (SELECT customer_seq, ` + messageFields + ` FROM messages
		WHERE customer_id = $1 AND customer_seq > $2 AND ` + pgParams(notFromTheDevice) + `
		ORDER BY customer_seq LIMIT $4) m ON true
	ORDER BY m.customer_seq`

func (p *Postgres) Events(ctx context.Context, sess Session, after int64, limit int, now time.Time) (Events, error) {
	ev, live, err := p.events(ctx, sess.CustomerID, sess.IdentityID, sess.ID, after, limit, millis(now))
	if err == nil && !live {
		return Events{}, ErrSessionInvalid
	}
	return ev, err
}

// LatestEvents reads no session: id 0 is none.
func (p *Postgres) LatestEvents(ctx context.Context, customerID string) (Events, error) {
	ev, _, err := p.events(ctx, customerID, "", 0, math.MaxInt64, 1, 0)
	return ev, err
}

// events answers pgEvents: the cursor is the last message's customer_seq,
// else the customer's counter, which a message still to commit will pass;
// live tells whether the session was live at now in the same snapshot.
func (p *Postgres) events(ctx context.Context, customerID, identityID string, sessionID, after int64, limit int, now int64) (ev Events, live bool, err error) {
	var latest int64
	var verified bool
	var created, lastUsed *int64
	err = p.readStatement(ctx, func(rows pgx.Rows, err error) error {
		ev.Messages, err = collectRows(rows, err, func(sc scanner) (Message, error) {
			return scanMessage(withColumns{sc, []any{&latest, &ev.Unread, &verified, &created, &lastUsed}})
		})
		return err
	}, pgEvents, customerID, after, identityID, limit, sessionID)
	if err != nil {
		return Events{}, false, err
	}
	live = created != nil && lastUsed != nil && p.sessions.live(verified, *created, *lastUsed, now)
	if len(ev.Messages) > 0 && ev.Messages[0].ID == "" {
		ev.Messages = ev.Messages[:0]
	}
	ev.Cursor = latest
	if n := len(ev.Messages); n > 0 {
		ev.Cursor = ev.Messages[n-1].Seq
	}
	return ev, live, nil
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
