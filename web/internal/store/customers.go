package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Device is a tracking identity: one of the customer's devices.
type Device struct {
	TrackingID string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// SessionTimes is what an export tells of a session: its times, never its
// token or hash. RevokedAt is zero for a session not revoked.
type SessionTimes struct {
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// ExportedConversation is a conversation with all its messages, oldest first.
type ExportedConversation struct {
	AgentConversation
	Messages []Message
}

// CustomerExport is everything stored about a customer (GDPR art. 15).
type CustomerExport struct {
	Customer      Customer
	Devices       []Device
	Sessions      []SessionTimes
	Conversations []ExportedConversation
}

const customerColumns = `rowid, id, email, external_id, verified, verified_at, created_at, last_seen_at`

// customerRowID carries a customer's rowid, the search list's keyset key,
// beside the Customer it scans.
type customerRowID struct {
	Customer
	rowID int64
}

func scanCustomer(sc scanner) (customerRowID, error) {
	var c customerRowID
	var email, externalID sql.NullString
	var verifiedAt, lastSeen sql.NullInt64
	var created int64
	err := sc.Scan(&c.rowID, &c.ID, &email, &externalID, &c.Verified, &verifiedAt, &created, &lastSeen)
	c.Email, c.ExternalID = email.String, externalID.String
	c.VerifiedAt, c.FirstSeenAt, c.LastSeenAt = nullMillis(verifiedAt), fromMillis(created), nullMillis(lastSeen)
	return c, err
}

func (s *SQLite) Customer(ctx context.Context, customerID string) (Customer, error) {
	return customerIn(ctx, s.r, customerID)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func customerIn(ctx context.Context, q queryer, customerID string) (Customer, error) {
	c, err := scanCustomer(q.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = ?`, customerID))
	if errors.Is(err, sql.ErrNoRows) {
		return Customer{}, ErrNotFound
	}
	return c.Customer, err
}

// likeEscaper makes q match itself only inside a LIKE pattern with ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SearchCustomers scans the customers table newest first (by rowid, which
// also keys the pages): a substring match has no index to use. SQLite's LIKE
// ignores the case of ASCII letters only, which is all of a canonical email's.
func (s *SQLite) SearchCustomers(ctx context.Context, q string, page Page) ([]Customer, string, error) {
	return searchPage(q, page, func(pattern string, before int64, limit int) ([]customerRowID, error) {
		rows, err := s.r.QueryContext(ctx, `SELECT `+customerColumns+` FROM customers
			WHERE rowid < ?1 AND (email LIKE ?2 ESCAPE '\' OR external_id LIKE ?2 ESCAPE '\')
			ORDER BY rowid DESC LIMIT ?3`, before, pattern, limit)
		return collect(rows, err, scanCustomer)
	})
}

// searchPage is SearchCustomers, which both stores share: read returns up to
// limit customers matching the LIKE pattern (escaped with '\') whose row
// key is below before, the newest first.
func searchPage(q string, page Page, read func(pattern string, before int64, limit int) ([]customerRowID, error)) ([]Customer, string, error) {
	keys, err := decodeCursor(page.Cursor, customerCursor, conversationKeys[0])
	if err != nil {
		return nil, "", err
	}
	size := page.size()
	found, err := read("%"+likeEscaper.Replace(q)+"%", keys[0], size+1)
	if err != nil {
		return nil, "", err
	}
	found, next := trimPage(found, size, func(c customerRowID) string { return encodeCursor(customerCursor, c.rowID) })
	out := make([]Customer, len(found))
	for i, c := range found {
		out[i] = c.Customer
	}
	return out, next, nil
}

func (s *SQLite) CustomerConversations(ctx context.Context, customerID string, page Page) ([]AgentConversation, string, error) {
	keys, err := decodeCursor(page.Cursor, conversationCursor, conversationKeys...)
	if err != nil {
		return nil, "", err
	}
	size := page.size()
	var convs []AgentConversation
	err = s.read(ctx, func(tx *sql.Tx) error {
		if _, err := customerIn(ctx, tx, customerID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, customerConversationsQuery, customerID, keys[0], keys[1], size+1)
		convs, err = collect(rows, err, scanAgentConversation)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	convs, next := trimPage(convs, size, statusCursorOf(conversationCursor))
	return convs, next, nil
}

// customerAndMerged is the customer ?1 and the anonymous customers a login of
// it adopted: their devices and sessions were the same person's. Their
// conversations and messages moved to ?1 when they were adopted.
const customerAndMerged = `(SELECT ?1 UNION ALL SELECT id FROM customers WHERE merged_into = ?1)`

// ExportCustomer reads it all from one snapshot and holds it in memory. No
// limit bounds it but what the customer stored: its messages grow only as
// fast as the per-session send limit lets them (4,000 characters each), its
// sessions by one per login or anonymous start. A customer so large that this
// matters would need a streamed export.
func (s *SQLite) ExportCustomer(ctx context.Context, customerID string) (CustomerExport, error) {
	var ex CustomerExport
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		if ex.Customer, err = customerIn(ctx, tx, customerID); err != nil {
			return err
		}
		return exportRest(&ex, func(query string, args ...any) (rowSet, func(), error) {
			rows, err := tx.QueryContext(ctx, query, args...)
			if err != nil {
				return nil, nil, err
			}
			return rows, func() { rows.Close() }, nil
		}, customerID)
	})
	if err != nil {
		return CustomerExport{}, err
	}
	return ex, nil
}

// EraseCustomer deletes in one transaction, children first so that the
// foreign keys hold at every step: either all of the customer is gone or
// nothing is. These are every table that refers to a customer; a table that
// comes to refer to one must be added here (TestEraseCustomer reads every
// table for what is left). The anonymous customers it adopted go too, with
// anything of theirs that a request still under way during the adoption
// stored after the move.
//
// eraseMessages and eraseAfterMessages are the erase's deletes before the
// customer's row, which both stores run (PostgreSQL's with pgParams).
const eraseMessages = `DELETE FROM messages WHERE customer_id IN ` + customerAndMerged

var eraseAfterMessages = []string{
	`DELETE FROM conversations WHERE customer_id IN ` + customerAndMerged,
	`DELETE FROM sessions WHERE customer_id IN ` + customerAndMerged,
	`DELETE FROM tracking_identities WHERE customer_id IN ` + customerAndMerged,
	`DELETE FROM customers WHERE merged_into = ?1`,
}

func (s *SQLite) EraseCustomer(ctx context.Context, customerID string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, q := range append([]string{eraseMessages}, eraseAfterMessages...) {
			if _, err := tx.ExecContext(ctx, q, customerID); err != nil {
				return err
			}
		}
		return affectedSome(tx.ExecContext(ctx, `DELETE FROM customers WHERE id = ?`, customerID))
	})
}
