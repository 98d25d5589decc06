package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// pgCustomerColumns are customerColumns with row_id, migration 2's stand-in
// for SQLite's rowid, as the search list's keyset key.
const pgCustomerColumns = `row_id, id, email, external_id, verified, verified_at, created_at, last_seen_at`

func (p *Postgres) Customer(ctx context.Context, customerID string) (Customer, error) {
	var c Customer
	err := p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		c, err = pgCustomerIn(ctx, tx, customerID)
		return err
	})
	return c, err
}

func pgCustomerIn(ctx context.Context, tx pgx.Tx, customerID string) (Customer, error) {
	c, err := scanCustomer(tx.QueryRow(ctx, `SELECT `+pgCustomerColumns+` FROM customers WHERE id = $1`, customerID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Customer{}, ErrNotFound
	}
	return c.Customer, err
}

// SearchCustomers answers as SQLite's LIKE does, which ignores the case of
// ASCII letters only: ILIKE under the "C" collation folds exactly those,
// whatever the database's own collation (under a linguistic one, ILIKE would
// also match É for é). PostgreSQL's LIKE escapes with '\' by default; the
// ESCAPE says so anyway, for likeEscaper's sake.
func (p *Postgres) SearchCustomers(ctx context.Context, q string, page Page) ([]Customer, string, error) {
	return searchPage(q, page, func(pattern string, before int64, limit int) ([]customerRowID, error) {
		var found []customerRowID
		err := p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT `+pgCustomerColumns+` FROM customers
				WHERE row_id < $1 AND (email COLLATE "C" ILIKE $2 ESCAPE '\' OR external_id COLLATE "C" ILIKE $2 ESCAPE '\')
				ORDER BY row_id DESC LIMIT $3`, before, pattern, limit)
			found, err = collectRows(rows, err, scanCustomer)
			return err
		})
		return found, err
	})
}

func (p *Postgres) CustomerConversations(ctx context.Context, customerID string, page Page) ([]AgentConversation, string, error) {
	keys, err := decodeCursor(page.Cursor, conversationCursor, conversationKeys...)
	if err != nil {
		return nil, "", err
	}
	size := page.size()
	var convs []AgentConversation
	err = p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := pgCustomerIn(ctx, tx, customerID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, pgCustomerConversationsQuery, customerID, keys[0], keys[1], size+1)
		convs, err = collectRows(rows, err, scanAgentConversation)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	convs, next := trimPage(convs, size, statusCursorOf(conversationCursor))
	return convs, next, nil
}

// ExportCustomer reads it all from one snapshot, as SQLite's does (see there
// for its size).
func (p *Postgres) ExportCustomer(ctx context.Context, customerID string) (CustomerExport, error) {
	var ex CustomerExport
	err := p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		ex = CustomerExport{}
		var err error
		if ex.Customer, err = pgCustomerIn(ctx, tx, customerID); err != nil {
			return err
		}
		return exportRest(&ex, func(query string, args ...any) (rowSet, func(), error) {
			rows, err := tx.Query(ctx, pgParams(query), args...)
			if err != nil {
				return nil, nil, err
			}
			return rows, rows.Close, nil
		}, customerID)
	})
	if err != nil {
		return CustomerExport{}, err
	}
	return ex, nil
}

// EraseCustomer deletes what SQLite's does, in the same order, and keeps the
// highest seq it deleted for AgentEvents, as SQLite's AUTOINCREMENT does. It
// locks the customer's row first: a concurrent message, session or adoption
// into this customer then either committed before (and its rows are deleted
// here, each DELETE being a new statement that sees them) or waits in its
// foreign-key check and fails once the customer is gone; none is left behind.
func (p *Postgres) EraseCustomer(ctx context.Context, customerID string) error {
	return p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := pgExists(tx.QueryRow(ctx, `SELECT 1 FROM customers WHERE id = $1 FOR UPDATE`, customerID)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `WITH gone AS (`+pgParams(eraseMessages)+` RETURNING seq)
			UPDATE erased_seq SET max_seq = GREATEST(max_seq, (SELECT MAX(seq) FROM gone))`, customerID); err != nil {
			return err
		}
		for _, q := range eraseAfterMessages {
			if _, err := tx.Exec(ctx, pgParams(q), customerID); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `DELETE FROM customers WHERE id = $1`, customerID)
		return err
	})
}
