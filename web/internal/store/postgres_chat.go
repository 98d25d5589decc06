package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

var (
	pgOwnedConv        = pgParams(ownedConvQuery)
	pgConversations    = pgParams(conversationsQuery)
	pgConversationByID = pgParams(conversationByIDQuery)
	pgMarkRead         = pgParams(markReadQuery)
)

// pgCustomerMessageColumns are messageColumns as the customer's side reads
// them: a message's seq there is its customer_seq, the order of the
// customer's own feed (see postgres_events.go).
const pgCustomerMessageColumns = `customer_seq, ` + messageFields

const (
	pgMessageByID  = `SELECT ` + pgCustomerMessageColumns + ` FROM messages WHERE id = $1`
	pgFirstMessage = `SELECT ` + pgCustomerMessageColumns + ` FROM messages WHERE conversation_id = $1 ORDER BY customer_seq LIMIT 1`
	pgMessages     = `SELECT ` + pgCustomerMessageColumns + ` FROM messages
		WHERE conversation_id = $1 AND customer_id = $2 AND customer_seq > $3 ORDER BY customer_seq LIMIT $4`
)

func (p *Postgres) Conversations(ctx context.Context, customerID string, page Page) ([]Conversation, string, error) {
	keys, err := decodeCursor(page.Cursor, conversationCursor, conversationKeys...)
	if err != nil {
		return nil, "", err
	}
	size := page.size()
	var convs []Conversation
	err = p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, pgConversations, customerID, keys[0], keys[1], size+1)
		convs, err = collectRows(rows, err, scanConversation)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	convs, next := trimPage(convs, size, conversationCursorOf)
	return convs, next, nil
}

func (p *Postgres) CreateConversation(ctx context.Context, sess Session, m NewMessage) (Conversation, Message, bool, error) {
	at := millis(m.Now)
	if m.ConversationID == "" {
		m.ConversationID = newID()
	}
	var conv Conversation
	var msg Message
	var created bool
	err := p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		// A racing create of the same id (a retry on another instance) waits
		// here for the first one's commit, then inserts nothing, and the
		// read below, a new statement, sees what that one stored.
		tag, err := tx.Exec(ctx, `INSERT INTO conversations (id, customer_id, created_at, last_message_at) VALUES ($1, $2, $3, $3)
			ON CONFLICT (id) DO NOTHING`, m.ConversationID, sess.CustomerID, at)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			created = false
			conv, msg, err = pgStoredConversation(ctx, tx, sess.CustomerID, m)
			return err
		}
		conv = Conversation{ID: m.ConversationID, CustomerID: sess.CustomerID, CreatedAt: fromMillis(at),
			LastMessageAt: fromMillis(at), Preview: preview(m.Body)}
		// A new conversation holds no message yet, so a taken m.ID can only
		// be a conflict, which rolls the conversation back with it.
		msg, conv.LastSeq, created, err = pgInsertCustomerMessage(ctx, tx, sess, m, at)
		return err
	})
	if err != nil {
		return Conversation{}, Message{}, false, pgCustomerGone(err)
	}
	return conv, msg, created, nil
}

// pgStoredConversation answers a repeated CreateConversation from what is
// stored, if the conversation is the customer's and m.ID, when given, is its.
func pgStoredConversation(ctx context.Context, tx pgx.Tx, customerID string, m NewMessage) (Conversation, Message, error) {
	conv, err := scanConversation(tx.QueryRow(ctx, pgConversationByID, m.ConversationID))
	if err != nil {
		return Conversation{}, Message{}, err
	}
	if conv.CustomerID != customerID {
		return Conversation{}, Message{}, ErrConflict
	}
	var msg Message
	if m.ID == "" {
		msg, err = scanMessage(tx.QueryRow(ctx, pgFirstMessage, m.ConversationID))
	} else {
		msg, err = pgStoredMessage(ctx, tx, customerID, m)
	}
	return conv, msg, err
}

func (p *Postgres) AddMessage(ctx context.Context, sess Session, m NewMessage) (Message, bool, error) {
	// Almost every message is new and goes to its customer's conversation:
	// one statement, a transaction of its own, stores it. Only when it
	// stores nothing (a taken id, a conversation not the customer's) does
	// the full transaction below find out why.
	msg := pgNewCustomerMessage(sess, m, millis(m.Now))
	m.ID = msg.ID
	err := p.writeStatement(ctx, func(row pgx.Row) error { return row.Scan(&msg.Seq, new(int64)) }, pgInsertMessage, pgInsertMessageArgs(sess, msg)...)
	if err == nil {
		return msg, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return Message{}, false, err
	}
	var created bool
	err = p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		msg, _, created, err = pgInsertCustomerMessage(ctx, tx, sess, m, millis(m.Now))
		return err
	})
	return msg, created, err
}

// pgInsertMessage inserts a customer's message only into a conversation the
// session's customer owns: the INSERT selects the conversation under that
// condition.
//
// It first takes the message's customer_seq from the customer's counter,
// whose row the UPDATE locks until commit: a customer's messages take turns
// from there, and so commit in customer_seq order. The INSERT's row depends
// on the counter's, so the customer's row is always locked before the
// conversation's, the order every write of a customer's conversations
// follows (an adoption locks both customers before their conversations). A
// taken id or a conversation not the customer's leaves a gap in the counter,
// which the feed allows.
//
// The INSERT locks the conversation's row too, which the touch below would
// lock anyway: a login adopting the customer's conversations holds it until
// its commit, after which the condition is checked again on the row as it
// is then. Without the lock, a message could be stored for the anonymous
// customer in a conversation just moved to the identified one, where
// neither would see it.
//
// The touch, in the same statement, updates the row as the lock left it
// (READ COMMITTED re-reads a row a concurrent commit changed); touches of a
// conversation come in its customer's commit order, so the last to touch it
// is its last message. last_seq is that message's seq: unique, it makes the
// agents' conversation lists' order total. A taken id makes the INSERT, and
// so the touch, do nothing, and the statement returns no row. It returns the
// message's customer_seq and seq.
const pgInsertMessage = `WITH n AS (
		UPDATE customers SET last_seq = last_seq + 1 WHERE id = $6 RETURNING last_seq
	), ins AS (
		INSERT INTO messages (id, conversation_id, customer_id, customer_seq, author, session_id, body, created_at)
		SELECT $1, c.id, c.customer_id, n.last_seq, 'customer', $2, $3, $4 FROM n, conversations c WHERE c.id = $5 AND c.customer_id = $6
		FOR NO KEY UPDATE OF c
		ON CONFLICT (id) DO NOTHING
		RETURNING customer_seq, seq, conversation_id
	), touch AS (
		UPDATE conversations c SET last_message_at = $4, last_seq = ins.seq, preview = $7,
			agent_unread = c.agent_unread + 1, status = 'open'
		FROM ins WHERE c.id = ins.conversation_id
	)
	SELECT customer_seq, seq FROM ins`

// pgNewCustomerMessage is the message pgInsertMessage stores for m, without
// its seq; m.ID is given one if it has none.
func pgNewCustomerMessage(sess Session, m NewMessage, at int64) Message {
	if m.ID == "" {
		m.ID = newID()
	}
	return Message{ID: m.ID, ConversationID: m.ConversationID, CustomerID: sess.CustomerID, Author: AuthorCustomer,
		Body: m.Body, CreatedAt: fromMillis(at)}
}

func pgInsertMessageArgs(sess Session, msg Message) []any {
	return []any{msg.ID, sess.ID, msg.Body, millis(msg.CreatedAt), msg.ConversationID, sess.CustomerID, preview(msg.Body)}
}

// pgInsertCustomerMessage runs pgInsertMessage in tx and returns the message
// and its seq. When it stores nothing the row holding m.ID is read in a new
// statement, which sees the racing duplicate that stored it (its insert
// waited for that one's commit), so exactly one stores the message.
func pgInsertCustomerMessage(ctx context.Context, tx pgx.Tx, sess Session, m NewMessage, at int64) (Message, int64, bool, error) {
	msg := pgNewCustomerMessage(sess, m, at)
	m.ID = msg.ID
	var seq int64
	err := tx.QueryRow(ctx, pgInsertMessage, pgInsertMessageArgs(sess, msg)...).Scan(&msg.Seq, &seq)
	if errors.Is(err, pgx.ErrNoRows) {
		msg, err = pgStoredMessage(ctx, tx, sess.CustomerID, m)
		return msg, 0, false, err
	}
	if err != nil {
		return Message{}, 0, false, err
	}
	return msg, seq, true, nil
}

// pgStoredMessage returns message m.ID if it is stored in the customer's
// conversation m.ConversationID. Otherwise the answer is ErrNotFound when
// the conversation is not the customer's, whatever m.ID is, so that an id
// never tells another customer's conversation from a missing one; else
// ErrConflict.
func pgStoredMessage(ctx context.Context, tx pgx.Tx, customerID string, m NewMessage) (Message, error) {
	msg, err := scanMessage(tx.QueryRow(ctx, pgMessageByID, m.ID))
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return Message{}, err
	}
	if err == nil && msg.CustomerID == customerID && msg.ConversationID == m.ConversationID {
		return msg, nil
	}
	if err := pgExists(tx.QueryRow(ctx, pgOwnedConv, m.ConversationID, customerID)); err != nil {
		return Message{}, err
	}
	return Message{}, ErrConflict
}

func (p *Postgres) Messages(ctx context.Context, customerID, conversationID string, page Page) ([]Message, string, error) {
	keys, err := decodeCursor(page.Cursor, messageCursor, 0)
	if err != nil {
		return nil, "", err
	}
	size := page.size()
	var out []Message
	err = p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := pgExists(tx.QueryRow(ctx, pgOwnedConv, conversationID, customerID)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, pgMessages, conversationID, customerID, keys[0], size+1)
		out, err = collectRows(rows, err, scanMessage)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, size, messageCursorOf)
	return out, next, nil
}

func (p *Postgres) MarkRead(ctx context.Context, customerID, conversationID string) error {
	return p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, pgMarkRead, conversationID, customerID)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return err
	})
}

// pgExists is ErrNotFound for a query that found no row.
func pgExists(row pgx.Row) error {
	var one int
	err := row.Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
