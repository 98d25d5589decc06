package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Hot-path statements are prepared once per pool; database/sql re-prepares
// them on each reader connection as it first uses them, and transactions on
// the single writer connection reuse the writer's.

// messageFields are a message's columns after its seq: PostgreSQL's
// customer-facing reads put customer_seq before them instead.
const messageFields = `id, conversation_id, customer_id, author, author_name, body, created_at`

const messageColumns = `seq, ` + messageFields

const conversationColumns = `id, customer_id, created_at, last_message_at, last_seq, preview, unread`

const ownedConvQuery = `SELECT 1 FROM conversations WHERE id = ? AND customer_id = ?`

// conversationsQuery is a page of a customer's conversations after the cursor
// (?2, ?3), the most recently active first; last_seq, one message's seq, makes
// the order total.
const conversationsQuery = `SELECT ` + conversationColumns + ` FROM conversations
	WHERE customer_id = ?1 AND (last_message_at, last_seq) < (?2, ?3)
	ORDER BY last_message_at DESC, last_seq DESC LIMIT ?4`

// Statements both stores run: SQLite's as they are, PostgreSQL's through
// pgParams, which numbers the placeholders its way.
const (
	conversationByIDQuery = `SELECT ` + conversationColumns + ` FROM conversations WHERE id = ?`
	messageByIDQuery      = `SELECT ` + messageColumns + ` FROM messages WHERE id = ?`
	insertSessionQuery    = `INSERT INTO sessions (token_hash, customer_id, identity_id, created_at, last_used_at) VALUES (?1, ?2, ?3, ?4, ?4)`
	upsertIdentityQuery   = `INSERT INTO tracking_identities (id, customer_id, tracking_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
		ON CONFLICT (customer_id, tracking_id) DO UPDATE SET updated_at = excluded.updated_at
		RETURNING id, created_at, updated_at`
	// An agent who answers has read what came before.
	touchByAgentQuery = `UPDATE conversations
		SET last_message_at = ?1, last_seq = ?2, preview = ?3, unread = unread + 1, agent_unread = 0
		WHERE id = ?4`
	markReadQuery      = `UPDATE conversations SET unread = 0 WHERE id = ? AND customer_id = ?`
	revokeSessionQuery = `UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL`
	touchSessionQuery  = `UPDATE sessions SET last_used_at = ?1 WHERE id = ?2 AND last_used_at < ?1`
	touchCustomerQuery = `UPDATE customers SET last_seen_at = ?1 WHERE id = ?2 AND (last_seen_at IS NULL OR last_seen_at < ?1)`
	revokeDeviceQuery  = `UPDATE sessions SET revoked_at = ? WHERE identity_id = ? AND revoked_at IS NULL`
	// Revokes the customer's live sessions but the ?3 newest; the partial
	// index sessions_live_by_customer holds them in id order.
	revokeOldSessionsQuery = `UPDATE sessions SET revoked_at = ?1 WHERE customer_id = ?2 AND revoked_at IS NULL
		AND id <= (SELECT id FROM sessions WHERE customer_id = ?2 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1 OFFSET ?3)`
	customerByEmailQuery      = `SELECT id, email, external_id FROM customers WHERE email = ?`
	customerByExternalIDQuery = `SELECT id, email, external_id FROM customers WHERE external_id = ?`
	sessionQuery              = `SELECT s.id, s.customer_id, s.identity_id, c.verified, s.created_at, s.last_used_at
		FROM sessions s JOIN customers c ON c.id = s.customer_id
		WHERE s.token_hash = ? AND s.revoked_at IS NULL`
)

// notFromTheDevice leaves out of a customer's events the messages its device
// (tracking identity ?3) sent, on any of its sessions: every tab of a device
// shares its session, and one renewed by the token provider is the device's
// next, whose poller goes on from the old one's cursor.
const notFromTheDevice = `(session_id IS NULL OR session_id NOT IN (SELECT id FROM sessions WHERE identity_id = ?3))`

type writeStmts struct {
	insertMessage      *sql.Stmt // into an owned conversation; nothing inserted: not the customer's, or the id is taken
	insertAgentMessage *sql.Stmt // into any conversation; nothing inserted: no such conversation, or the id is taken
	touchConversation  *sql.Stmt // by a customer's message
	touchByAgent       *sql.Stmt // by an agent's reply
	insertConversation *sql.Stmt // nothing inserted: the id is taken
	conversationByID   *sql.Stmt
	messageByID        *sql.Stmt
	firstMessage       *sql.Stmt
	ownedConv          *sql.Stmt
	insertSession      *sql.Stmt
	upsertIdentity     *sql.Stmt
	markRead           *sql.Stmt
	revokeSession      *sql.Stmt
	revokeOldSessions  *sql.Stmt
	touchSession       *sql.Stmt
	touchCustomer      *sql.Stmt // last seen
	revokeDevice       *sql.Stmt // the live sessions of one tracking identity
	// login
	customerByEmail      *sql.Stmt
	customerByExternalID *sql.Stmt
	insertCustomer       *sql.Stmt
	updateCustomer       *sql.Stmt
	anonymousSession     *sql.Stmt
	// group commit
	savepoint, rollbackTo, release *sql.Stmt
}

func (w *writeStmts) prepare(ctx context.Context, db *sql.DB) error {
	return prepareAll(ctx, db, map[**sql.Stmt]string{
		&w.insertMessage: `INSERT INTO messages (id, conversation_id, customer_id, author, session_id, body, created_at)
			SELECT ?1, c.id, c.customer_id, 'customer', ?2, ?3, ?4 FROM conversations c WHERE c.id = ?5 AND c.customer_id = ?6
			ON CONFLICT (id) DO NOTHING`,
		&w.insertAgentMessage: `INSERT INTO messages (id, conversation_id, customer_id, author, author_name, agent_id, session_id, body, created_at)
			SELECT ?1, c.id, c.customer_id, 'agent', ?2, ?3, NULL, ?4, ?5 FROM conversations c WHERE c.id = ?6
			ON CONFLICT (id) DO NOTHING
			RETURNING ` + messageColumns,
		// A customer's message is news for the agents, and reopens a closed
		// conversation: the customer is asking again.
		&w.touchConversation: `UPDATE conversations
			SET last_message_at = ?1, last_seq = ?2, preview = ?3, agent_unread = agent_unread + 1, status = 'open'
			WHERE id = ?4`,
		&w.touchByAgent: touchByAgentQuery,
		&w.insertConversation: `INSERT INTO conversations (id, customer_id, created_at, last_message_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`,
		&w.conversationByID:     conversationByIDQuery,
		&w.messageByID:          messageByIDQuery,
		&w.firstMessage:         `SELECT ` + messageColumns + ` FROM messages WHERE conversation_id = ? ORDER BY seq LIMIT 1`,
		&w.ownedConv:            ownedConvQuery,
		&w.insertSession:        insertSessionQuery,
		&w.upsertIdentity:       upsertIdentityQuery,
		&w.markRead:             markReadQuery,
		&w.revokeSession:        revokeSessionQuery,
		&w.touchSession:         touchSessionQuery,
		&w.touchCustomer:        touchCustomerQuery,
		&w.revokeDevice:         revokeDeviceQuery,
		&w.revokeOldSessions:    revokeOldSessionsQuery,
		&w.customerByEmail:      customerByEmailQuery,
		&w.customerByExternalID: customerByExternalIDQuery,
		&w.insertCustomer: `INSERT INTO customers (id, email, external_id, verified, verified_at, created_at, updated_at, last_seen_at)
			VALUES (?1, ?2, ?3, 1, ?4, ?4, ?4, ?4)`,
		&w.updateCustomer: `UPDATE customers
			SET email = ?1, external_id = ?2, verified = 1, verified_at = COALESCE(verified_at, ?3), updated_at = ?3, last_seen_at = ?3
			WHERE id = ?4 RETURNING verified_at, created_at, updated_at`,
		&w.anonymousSession: `SELECT s.customer_id, s.created_at, s.last_used_at FROM sessions s JOIN customers c ON c.id = s.customer_id
			WHERE s.token_hash = ? AND s.revoked_at IS NULL AND c.verified = 0`,
		&w.savepoint:  `SAVEPOINT op`,
		&w.rollbackTo: `ROLLBACK TO op`,
		&w.release:    `RELEASE op`,
	})
}

func (w *writeStmts) close() {
	closeAll(w.insertMessage, w.insertAgentMessage, w.touchConversation, w.touchByAgent, w.touchCustomer, w.insertConversation,
		w.conversationByID, w.messageByID, w.firstMessage, w.ownedConv,
		w.insertSession, w.upsertIdentity, w.markRead, w.revokeSession, w.revokeOldSessions, w.touchSession, w.revokeDevice,
		w.customerByEmail, w.customerByExternalID, w.insertCustomer, w.updateCustomer, w.anonymousSession,
		w.savepoint, w.rollbackTo, w.release)
}

type readStmts struct {
	session       *sql.Stmt
	liveSession   *sql.Stmt
	conversations *sql.Stmt
	ownedConv     *sql.Stmt
	messages      *sql.Stmt
	events        *sql.Stmt
	latestSeq     *sql.Stmt
	unreadTotal   *sql.Stmt
}

func (r *readStmts) prepare(ctx context.Context, db *sql.DB) error {
	return prepareAll(ctx, db, map[**sql.Stmt]string{
		&r.session: sessionQuery,
		&r.liveSession: `SELECT c.verified, s.created_at, s.last_used_at
			FROM sessions s JOIN customers c ON c.id = s.customer_id
			WHERE s.id = ? AND s.customer_id = ? AND s.revoked_at IS NULL`,
		&r.conversations: conversationsQuery,
		&r.ownedConv:     ownedConvQuery,
		&r.messages: `SELECT ` + messageColumns + ` FROM messages
			WHERE conversation_id = ?1 AND customer_id = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4`,
		&r.events: `SELECT ` + messageColumns + ` FROM messages
			WHERE customer_id = ?1 AND seq > ?2 AND ` + notFromTheDevice + `
			ORDER BY seq LIMIT ?4`,
		&r.latestSeq:   `SELECT COALESCE(MAX(seq), 0) FROM messages WHERE customer_id = ?`,
		&r.unreadTotal: `SELECT COALESCE(SUM(unread), 0) FROM conversations WHERE customer_id = ?`,
	})
}

func (r *readStmts) close() {
	closeAll(r.session, r.liveSession, r.conversations, r.ownedConv, r.messages, r.events, r.latestSeq, r.unreadTotal)
}

func prepareAll(ctx context.Context, db *sql.DB, stmts map[**sql.Stmt]string) error {
	for dst, query := range stmts {
		st, err := db.PrepareContext(ctx, query)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", query, err)
		}
		*dst = st
	}
	return nil
}

func closeAll(stmts ...*sql.Stmt) {
	for _, st := range stmts {
		if st != nil {
			st.Close()
		}
	}
}

type scanner interface{ Scan(dest ...any) error }

func scanMessage(sc scanner) (Message, error) {
	var m Message
	var author string
	var authorName sql.NullString
	var created int64
	err := sc.Scan(&m.Seq, &m.ID, &m.ConversationID, &m.CustomerID, &author, &authorName, &m.Body, &created)
	m.Author, m.AuthorName, m.CreatedAt = Author(author), authorName.String, fromMillis(created)
	return m, err
}

func scanConversation(sc scanner) (Conversation, error) {
	var c Conversation
	var created, last int64
	err := sc.Scan(&c.ID, &c.CustomerID, &created, &last, &c.LastSeq, &c.Preview, &c.Unread)
	c.CreatedAt, c.LastMessageAt = fromMillis(created), fromMillis(last)
	return c, err
}

func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanAll(rows, scan)
}

// rowSet is what database/sql's and pgx's rows share.
type rowSet interface {
	scanner
	Next() bool
	Err() error
}

func scanAll[T any](rows rowSet, scan func(scanner) (T, error)) ([]T, error) {
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
