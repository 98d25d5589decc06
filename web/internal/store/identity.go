package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

func (s *SQLite) CreateAnonymous(ctx context.Context, trackingID string, now time.Time) (Identity, string, error) {
	at := millis(now)
	id := Identity{ID: newID(), CustomerID: newID(), TrackingID: trackingID, CreatedAt: fromMillis(at), UpdatedAt: fromMillis(at)}
	token := NewToken()
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO customers (id, created_at, updated_at, last_seen_at) VALUES (?1, ?2, ?2, ?2)`, id.CustomerID, at); err != nil {
			return err
		}
		if _, err := tx.StmtContext(ctx, s.ws.upsertIdentity).ExecContext(ctx, id.ID, id.CustomerID, trackingID, at); err != nil {
			return err
		}
		_, err := tx.StmtContext(ctx, s.ws.insertSession).ExecContext(ctx, hashToken(token), id.CustomerID, id.ID, at)
		return err
	})
	if err != nil {
		return Identity{}, "", err
	}
	return id, token, nil
}

type customerRow struct {
	id, email, externalID string
}

func (s *SQLite) Login(ctx context.Context, p LoginParams) (LoginResult, error) {
	// Canonical again here, so that no caller can store or look up a second
	// spelling of one customer's email.
	email, err := contract.Email(p.Email)
	if err != nil {
		return LoginResult{}, err
	}
	p.Email = email
	at := millis(p.Now)
	token := NewToken()
	var res LoginResult
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res = LoginResult{SessionToken: token}
		stmt := func(st *sql.Stmt) *sql.Stmt { return tx.StmtContext(ctx, st) }
		byEmail, byExternalID := stmt(s.ws.customerByEmail), stmt(s.ws.customerByExternalID)

		// By email first, else by externalId; none: a new customer. A lookup
		// that found nobody also says that value is free, which the fill-in
		// below would otherwise ask again in this same transaction.
		var emailFree, externalIDFree bool
		c, err := findCustomer(ctx, byEmail, p.Email)
		emailFree = err == nil && c.id == ""
		if err == nil && c.id == "" {
			c, err = findCustomer(ctx, byExternalID, p.ExternalID)
			externalIDFree = err == nil && c.id == ""
		}
		if err != nil {
			return err
		}
		// Fill in what the customer lacks, unless another customer already
		// holds it: the unique indexes say one email, one externalId, one
		// customer.
		email, externalID := c.email, c.externalID
		if email == "" && p.Email != "" {
			if emailFree {
				email = p.Email
			} else if other, err := findCustomer(ctx, byEmail, p.Email); err != nil {
				return err
			} else if other.id == "" {
				email = p.Email
			}
		}
		if externalID == "" && p.ExternalID != "" {
			if externalIDFree {
				externalID = p.ExternalID
			} else if other, err := findCustomer(ctx, byExternalID, p.ExternalID); err != nil {
				return err
			} else if other.id == "" {
				externalID = p.ExternalID
			}
		}
		var verifiedAt, created, updated int64
		isNew := c.id == ""
		if isNew {
			c.id = newID()
			_, err = stmt(s.ws.insertCustomer).ExecContext(ctx, c.id, nullString(email), nullString(externalID), at)
			verifiedAt, created, updated = at, at, at
		} else {
			err = stmt(s.ws.updateCustomer).QueryRowContext(ctx, nullString(email), nullString(externalID), at, c.id).
				Scan(&verifiedAt, &created, &updated)
		}
		if err != nil {
			return err
		}

		if p.TrackingToken != "" {
			if res.MergedFrom, err = s.adoptAnonymous(ctx, tx, p.TrackingToken, c.id, at); err != nil {
				return err
			}
		}

		id := Identity{CustomerID: c.id, TrackingID: p.TrackingID, Email: email, ExternalID: externalID,
			Verified: true, VerifiedAt: fromMillis(verifiedAt)}
		var idCreated, idUpdated int64
		if err := stmt(s.ws.upsertIdentity).QueryRowContext(ctx, newID(), c.id, p.TrackingID, at).
			Scan(&id.ID, &idCreated, &idUpdated); err != nil {
			return err
		}
		id.CreatedAt, id.UpdatedAt = fromMillis(idCreated), fromMillis(idUpdated)
		res.Identity = id
		// One live session per device and customer: the tab that logged in
		// last holds it, and a session another tab's login replaced cannot be
		// replayed. The single writer makes racing logins take turns here.
		if _, err := stmt(s.ws.revokeDevice).ExecContext(ctx, at, id.ID); err != nil {
			return err
		}
		if _, err := stmt(s.ws.insertSession).ExecContext(ctx, hashToken(token), c.id, id.ID, at); err != nil {
			return err
		}
		if p.MaxSessions > 0 {
			if _, err := stmt(s.ws.revokeOldSessions).ExecContext(ctx, at, c.id, p.MaxSessions); err != nil {
				return err
			}
		}
		if isNew && res.MergedFrom == "" {
			return nil // created just now, nothing moved in: no message yet
		}
		// Read in the login's transaction: the device's poller starts from it,
		// and so misses nothing stored after the login.
		return tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM messages WHERE customer_id = ?`, c.id).Scan(&res.Cursor)
	})
	if err != nil {
		return LoginResult{}, err
	}
	return res, nil
}

// findCustomer runs one of the customer lookups; a zero customerRow means
// there is no such customer.
func findCustomer(ctx context.Context, lookup *sql.Stmt, value string) (customerRow, error) {
	if value == "" {
		return customerRow{}, nil
	}
	var c customerRow
	var e, x sql.NullString
	err := lookup.QueryRowContext(ctx, value).Scan(&c.id, &e, &x)
	if errors.Is(err, sql.ErrNoRows) {
		return customerRow{}, nil
	}
	c.email, c.externalID = e.String, x.String
	return c, err
}

// adoptAnonymous moves the conversations of the anonymous customer whose live
// session is trackingToken to customerID and revokes that customer's sessions.
// The token is the only accepted proof of ownership; a token that is unknown,
// revoked or not anonymous is ignored.
func (s *SQLite) adoptAnonymous(ctx context.Context, tx *sql.Tx, trackingToken, customerID string, at int64) (string, error) {
	var anon string
	var created, lastUsed int64
	err := tx.StmtContext(ctx, s.ws.anonymousSession).QueryRowContext(ctx, hashToken(trackingToken)).Scan(&anon, &created, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) || anon == customerID {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	// An expired token proves nothing any more: a stolen one must not carry
	// a history into the thief's account after its session has ended.
	if !s.sessions.live(false, created, lastUsed, at) {
		return "", nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE conversations SET customer_id = ? WHERE customer_id = ?`, customerID, anon); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET customer_id = ? WHERE customer_id = ?`, customerID, anon); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE customer_id = ? AND revoked_at IS NULL`, at, anon); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE customers SET merged_into = ? WHERE id = ?`, customerID, anon); err != nil {
		return "", err
	}
	return anon, nil
}

func (s *SQLite) Session(ctx context.Context, token string, now time.Time) (Session, error) {
	var sess Session
	var verified bool
	var created, lastUsed int64
	err := s.rs.session.QueryRowContext(ctx, hashToken(token)).
		Scan(&sess.ID, &sess.CustomerID, &sess.IdentityID, &verified, &created, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrSessionInvalid
	}
	if err != nil {
		return Session{}, err
	}
	at := millis(now)
	if !s.sessions.live(verified, created, lastUsed, at) {
		return Session{}, ErrSessionInvalid
	}
	// A write per request would double the writer's load for nothing: the
	// idle timeout is days, so a minute's precision is plenty.
	if at-lastUsed < TouchEvery.Milliseconds() {
		sess.LiveUntil = s.sessions.liveUntil(verified, created, lastUsed)
		return sess, nil
	}
	sess.LiveUntil = s.sessions.liveUntil(verified, created, at)
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.StmtContext(ctx, s.ws.touchSession).ExecContext(ctx, at, sess.ID); err != nil {
			return err
		}
		_, err := tx.StmtContext(ctx, s.ws.touchCustomer).ExecContext(ctx, at, sess.CustomerID)
		return err
	})
	return sess, err
}

func (s *SQLite) RevokeSession(ctx context.Context, token string, now time.Time) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, s.ws.revokeSession).ExecContext(ctx, millis(now), hashToken(token))
		return err
	})
}
