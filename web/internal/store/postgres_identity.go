package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

// Lock order: a write that locks a customer's row and rows of its sessions
// takes the customer's first (a login's customer update before its
// revocations, an adoption's anonymous customer before its session, a
// session's touch), so that such writes wait for each other instead of
// deadlocking.

var (
	pgInsertIdentity       = pgParams(upsertIdentityQuery)
	pgInsertSession        = pgParams(insertSessionQuery)
	pgCustomerByEmail      = pgParams(customerByEmailQuery)
	pgCustomerByExternalID = pgParams(customerByExternalIDQuery)
	pgRevokeDevice         = pgParams(revokeDeviceQuery)
	pgRevokeOldSessions    = pgParams(revokeOldSessionsQuery)
	pgSession              = pgParams(sessionQuery)
	pgTouchCustomer        = pgParams(touchCustomerQuery)
	pgTouchSession         = pgParams(touchSessionQuery)
	pgRevokeSession        = pgParams(revokeSessionQuery)
)

func (p *Postgres) CreateAnonymous(ctx context.Context, trackingID string, now time.Time) (Identity, string, error) {
	at := millis(now)
	id := Identity{ID: newID(), CustomerID: newID(), TrackingID: trackingID, CreatedAt: fromMillis(at), UpdatedAt: fromMillis(at)}
	token := NewToken()
	err := p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO customers (id, created_at, updated_at, last_seen_at) VALUES ($1, $2, $2, $2)`, id.CustomerID, at); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, pgInsertIdentity, id.ID, id.CustomerID, trackingID, at); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, pgInsertSession, hashToken(token), id.CustomerID, id.ID, at)
		return err
	})
	if err != nil {
		return Identity{}, "", err
	}
	return id, token, nil
}

func (p *Postgres) Login(ctx context.Context, lp LoginParams) (LoginResult, error) {
	// Canonical again here, as in the SQLite store: no caller stores or looks
	// up a second spelling of one customer's email.
	email, err := contract.Email(lp.Email)
	if err != nil {
		return LoginResult{}, err
	}
	lp.Email = email
	at := millis(lp.Now)
	token := NewToken()
	var res LoginResult
	err = p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		res = LoginResult{SessionToken: token}
		c, verifiedAt, isNew, err := loginCustomer(ctx, tx, lp, at)
		if err != nil {
			return err
		}
		if lp.TrackingToken != "" {
			if res.MergedFrom, err = p.adoptAnonymous(ctx, tx, lp.TrackingToken, c.id, at); err != nil {
				return err
			}
		}
		id := Identity{CustomerID: c.id, TrackingID: lp.TrackingID, Email: c.email, ExternalID: c.externalID,
			Verified: true, VerifiedAt: fromMillis(verifiedAt)}
		var idCreated, idUpdated int64
		// The upsert row-locks the device's identity until commit, so racing
		// logins of one device take turns from here: the last one's session
		// is the device's only live one.
		if err := tx.QueryRow(ctx, pgInsertIdentity, newID(), c.id, lp.TrackingID, at).Scan(&id.ID, &idCreated, &idUpdated); err != nil {
			return err
		}
		id.CreatedAt, id.UpdatedAt = fromMillis(idCreated), fromMillis(idUpdated)
		res.Identity = id
		if _, err := tx.Exec(ctx, pgRevokeDevice, at, id.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, pgInsertSession, hashToken(token), c.id, id.ID, at); err != nil {
			return err
		}
		// loginCustomer left the customer's row locked (its insert or its
		// update), so logins of one customer on any instance count and
		// revoke its sessions one at a time.
		if lp.MaxSessions > 0 {
			if _, err := tx.Exec(ctx, pgRevokeOldSessions,
				at, c.id, lp.MaxSessions); err != nil {
				return err
			}
		}
		if isNew && res.MergedFrom == "" {
			return nil // created just now, nothing moved in: no message yet
		}
		// The customer's counter, locked by this login since loginCustomer:
		// the device's first poll starts from it and misses nothing still
		// to commit.
		return tx.QueryRow(ctx, `SELECT last_seq FROM customers WHERE id = $1`, c.id).Scan(&res.Cursor)
	})
	if err != nil {
		return LoginResult{}, err
	}
	return res, nil
}

// loginAttempts bounds the rounds of loginCustomer; each round after the
// first follows a racing login's commit, so two are almost always enough.
const loginAttempts = 5

// loginCustomer finds the customer by email, else by externalId, or makes
// it, and marks it verified, filling in what it lacks; it returns the
// customer as stored and its verified_at. Racing logins of one new customer
// (on any instance) all insert; the unique keys let one row in, and the
// others, whose insert did nothing once the winner committed, find it in the
// next round: a new statement under READ COMMITTED sees that commit.
func loginCustomer(ctx context.Context, tx pgx.Tx, lp LoginParams, at int64) (c customerRow, verifiedAt int64, isNew bool, err error) {
	for range loginAttempts {
		if c, err = pgFindCustomer(ctx, tx, pgCustomerByEmail, lp.Email); err != nil {
			return customerRow{}, 0, false, err
		}
		if c.id == "" {
			if c, err = pgFindCustomer(ctx, tx, pgCustomerByExternalID, lp.ExternalID); err != nil {
				return customerRow{}, 0, false, err
			}
		}
		if c.id != "" {
			// Locked and read again before anything is decided from it: a
			// racing login's fill-in, committed meanwhile, must be seen, or
			// this update would write the stale values over it.
			if c, err = pgFindCustomer(ctx, tx, `SELECT id, email, external_id FROM customers WHERE id = $1 FOR UPDATE`, c.id); err != nil {
				return customerRow{}, 0, false, err
			}
			if c.id == "" {
				continue // erased since the lookup
			}
			verifiedAt, err = verifyCustomer(ctx, tx, &c, lp, at)
			if errors.Is(err, pgx.ErrNoRows) {
				continue
			}
			return c, verifiedAt, false, err
		}
		c = customerRow{id: newID(), email: lp.Email, externalID: lp.ExternalID}
		tag, err := tx.Exec(ctx, `INSERT INTO customers (id, email, external_id, verified, verified_at, created_at, updated_at, last_seen_at)
			VALUES ($1, $2, $3, true, $4, $4, $4, $4) ON CONFLICT DO NOTHING`, c.id, nullString(c.email), nullString(c.externalID), at)
		if err != nil {
			return customerRow{}, 0, false, err
		}
		if tag.RowsAffected() == 1 {
			return c, at, true, nil
		}
	}
	return customerRow{}, 0, false, fmt.Errorf("store: postgres: login: the customer changed under %d attempts", loginAttempts)
}

// verifyCustomer marks the found customer c verified and fills in the email
// or externalId it lacks unless another customer holds it (one email, one
// externalId, one customer), updating c to what is stored. A value that
// looked free may be taken by a racing login before this update commits;
// the update then fails on the unique key, in a savepoint so that the login
// goes on, and the next round's lookups see the other customer's row.
func verifyCustomer(ctx context.Context, tx pgx.Tx, c *customerRow, lp LoginParams, at int64) (int64, error) {
	for {
		email, err := fillIn(ctx, tx, pgCustomerByEmail, c.email, lp.Email)
		if err != nil {
			return 0, err
		}
		externalID, err := fillIn(ctx, tx, pgCustomerByExternalID, c.externalID, lp.ExternalID)
		if err != nil {
			return 0, err
		}
		var verifiedAt int64
		update := func(q pgx.Tx) error {
			return q.QueryRow(ctx, `UPDATE customers
				SET email = $1, external_id = $2, verified = true, verified_at = COALESCE(verified_at, $3), updated_at = $3, last_seen_at = $3
				WHERE id = $4 RETURNING verified_at`, nullString(email), nullString(externalID), at, c.id).Scan(&verifiedAt)
		}
		if email == c.email && externalID == c.externalID {
			return verifiedAt, update(tx) // nothing filled in: no key to collide on
		}
		err = pgx.BeginFunc(ctx, tx, update)
		if !isUniqueViolation(err) {
			c.email, c.externalID = email, externalID
			return verifiedAt, err
		}
	}
}

// fillIn is the value a customer holding held keeps after a login carrying
// want: held, else want if no customer has it.
func fillIn(ctx context.Context, tx pgx.Tx, lookup, held, want string) (string, error) {
	if held != "" || want == "" {
		return held, nil
	}
	other, err := pgFindCustomer(ctx, tx, lookup, want)
	if err != nil || other.id != "" {
		return held, err
	}
	return want, nil
}

// pgFindCustomer runs one of the customer lookups; a zero customerRow means
// there is no such customer.
func pgFindCustomer(ctx context.Context, tx pgx.Tx, lookup, value string) (customerRow, error) {
	if value == "" {
		return customerRow{}, nil
	}
	var c customerRow
	var e, x *string
	err := tx.QueryRow(ctx, lookup, value).Scan(&c.id, &e, &x)
	if errors.Is(err, pgx.ErrNoRows) {
		return customerRow{}, nil
	}
	if e != nil {
		c.email = *e
	}
	if x != nil {
		c.externalID = *x
	}
	return c, err
}

func isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// adoptAnonymous moves the conversations of the anonymous customer whose live
// session is trackingToken to customerID and revokes that customer's
// sessions, as the SQLite store's does. Logins carrying one token race on
// every instance: each locks the anonymous customer's row, then reads the
// session again, locked; only the first finds it live, and those after it,
// which waited for its commit, find it revoked and move nothing.
func (p *Postgres) adoptAnonymous(ctx context.Context, tx pgx.Tx, trackingToken, customerID string, at int64) (string, error) {
	hash := hashToken(trackingToken)
	var anon string
	err := tx.QueryRow(ctx, `SELECT s.customer_id FROM sessions s JOIN customers c ON c.id = s.customer_id
		WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND NOT c.verified`, hash).Scan(&anon)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && anon == customerID {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	// NO KEY UPDATE: the lock the updates below take anyway, which lets the
	// anonymous customer's messages still being stored check their foreign
	// key meanwhile.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM customers WHERE id = $1 FOR NO KEY UPDATE`, anon); err != nil {
		return "", err
	}
	var created, lastUsed int64
	err = tx.QueryRow(ctx, `SELECT created_at, last_used_at FROM sessions
		WHERE token_hash = $1 AND customer_id = $2 AND revoked_at IS NULL FOR UPDATE`, hash, anon).Scan(&created, &lastUsed)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	// An expired token proves nothing any more: a stolen one must not carry
	// a history into the thief's account after its session has ended.
	if !p.sessions.live(false, created, lastUsed, at) {
		return "", nil
	}
	return anon, pgMoveCustomer(ctx, tx, anon, customerID, at)
}

// pgMoveCustomer moves everything of the customer from to the customer to
// and revokes from's sessions; the caller holds both customers' rows.
func pgMoveCustomer(ctx context.Context, tx pgx.Tx, from, to string, at int64) error {
	for _, move := range []struct {
		query string
		args  []any
	}{
		{`UPDATE conversations SET customer_id = $1 WHERE customer_id = $2`, []any{to, from}},
		// The moved messages come after the customer's own in its feed, in
		// their order: a device of the customer polling meanwhile receives
		// them, and the counter stays above every customer_seq.
		{`WITH moved AS (
				UPDATE messages m SET customer_id = $1,
					customer_seq = (SELECT last_seq FROM customers WHERE id = $1) + r.n
				FROM (SELECT seq, row_number() OVER (ORDER BY customer_seq) AS n FROM messages WHERE customer_id = $2) r
				WHERE m.seq = r.seq
				RETURNING 1)
			UPDATE customers SET last_seq = last_seq + (SELECT COUNT(*) FROM moved) WHERE id = $1`, []any{to, from}},
		{`UPDATE sessions SET revoked_at = $1 WHERE customer_id = $2 AND revoked_at IS NULL`, []any{at, from}},
		{`UPDATE customers SET merged_into = $1 WHERE id = $2`, []any{to, from}},
	} {
		if _, err := tx.Exec(ctx, move.query, move.args...); err != nil {
			return err
		}
	}
	return nil
}

func (p *Postgres) Session(ctx context.Context, token string, now time.Time) (Session, error) {
	if p.closed.Load() {
		return Session{}, ErrClosed
	}
	var sess Session
	var verified bool
	var created, lastUsed int64
	// One statement, outside a transaction: every request asks this.
	err := p.pool.QueryRow(ctx, pgSession, hashToken(token)).
		Scan(&sess.ID, &sess.CustomerID, &sess.IdentityID, &verified, &created, &lastUsed)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, ErrSessionInvalid
	}
	if err != nil {
		return Session{}, classifyPostgres(err)
	}
	at := millis(now)
	if !p.sessions.live(verified, created, lastUsed, at) {
		return Session{}, ErrSessionInvalid
	}
	// At most once per TouchEvery, as in the SQLite store: the idle timeout
	// is days, so a minute's precision is plenty.
	if at-lastUsed < TouchEvery.Milliseconds() {
		sess.LiveUntil = p.sessions.liveUntil(verified, created, lastUsed)
		return sess, nil
	}
	sess.LiveUntil = p.sessions.liveUntil(verified, created, at)
	err = p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		// The customer's row before the session's: the lock order above.
		if _, err := tx.Exec(ctx, pgTouchCustomer,
			at, sess.CustomerID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, pgTouchSession, at, sess.ID)
		return err
	})
	return sess, err
}

func (p *Postgres) RevokeSession(ctx context.Context, token string, now time.Time) error {
	return p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, pgRevokeSession, millis(now), hashToken(token))
		return err
	})
}
