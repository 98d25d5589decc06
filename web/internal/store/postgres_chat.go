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
	pgFirstMessage     = pgParams(firstMessageQuery)
	pgMessageByID      = pgParams(messageByIDQuery)
	pgMessages         = pgParams(messagesQuery)
	pgMarkRead         = pgParams(markReadQuery)
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
		msg, created, err = pgInsertCustomerMessage(ctx, tx, sess, m, at)
		conv.LastSeq = msg.Seq
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
	err := p.writeStatement(ctx, func(row pgx.Row) error { return row.Scan(&msg.Seq) }, pgInsertMessage, pgInsertMessageArgs(sess, msg)...)
	if err == nil {
		return msg, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return Message{}, false, err
	}
	var created bool
	err = p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		msg, created, err = pgInsertCustomerMessage(ctx, tx, sess, m, millis(m.Now))
		return err
	})
	return msg, created, err
}

// pgInsertMessage inserts a customer's message only into a conversation the
// session's customer owns: the INSERT selects the conversation under that
// condition. It also locks the conversation's row, which the touch below
// would lock anyway: a login adopting the customer's conversations (or
// another message to this one) holds it until its commit, after which the
// condition is checked again on the row as it is then. Without the lock, a
// message could be stored for the anonymous customer in a conversation just
// moved to the identified one, where neither would see it.
//
// The touch, in the same statement, updates the row as the lock left it
// (READ COMMITTED re-reads a row a concurrent commit changed). Seqs do not
// commit in order, so a message with a lower seq may touch the conversation
// after this one: the last message's fields follow the highest seq, the
// counters every message. A taken id makes the INSERT, and so the touch, do
// nothing, and the statement returns no row.
const pgInsertMessage = `WITH ins AS (
		INSERT INTO messages (id, conversation_id, customer_id, author, session_id, body, created_at)
		SELECT $1, c.id, c.customer_id, 'customer', $2, $3, $4 FROM conversations c WHERE c.id = $5 AND c.customer_id = $6
		FOR NO KEY UPDATE OF c
		ON CONFLICT (id) DO NOTHING
		RETURNING seq, conversation_id
	), touch AS (
		UPDATE conversations c SET
			last_message_at = CASE WHEN ins.seq > c.last_seq THEN $4 ELSE c.last_message_at END,
			preview = CASE WHEN ins.seq > c.last_seq THEN $7 ELSE c.preview END,
			last_seq = GREATEST(c.last_seq, ins.seq),
			agent_unread = c.agent_unread + 1, status = 'open'
		FROM ins WHERE c.id = ins.conversation_id
	)
	SELECT seq FROM ins`

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

// pgInsertCustomerMessage runs pgInsertMessage in tx. When it stores nothing
// the row holding m.ID is read in a new statement, which sees the racing
// duplicate that stored it (its insert waited for that one's commit), so
// exactly one stores the message.
func pgInsertCustomerMessage(ctx context.Context, tx pgx.Tx, sess Session, m NewMessage, at int64) (Message, bool, error) {
	msg := pgNewCustomerMessage(sess, m, at)
	m.ID = msg.ID
	err := tx.QueryRow(ctx, pgInsertMessage, pgInsertMessageArgs(sess, msg)...).Scan(&msg.Seq)
	if errors.Is(err, pgx.ErrNoRows) {
		msg, err = pgStoredMessage(ctx, tx, sess.CustomerID, m)
		return msg, false, err
	}
	if err != nil {
		return Message{}, false, err
	}
	return msg, true, nil
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
