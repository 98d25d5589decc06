package store

import (
	"context"
	"errors"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pgStatusConversationsQuery is statusConversationsQuery with PostgreSQL's
// placeholders: one status's conversations after the cursor ($2, $3), served
// by the index conversations_by_status.
const pgStatusConversationsQuery = `SELECT ` + agentConversationColumns + agentConversationFrom + `
	WHERE c.status = $1 AND (c.last_message_at, c.last_seq) < ($2, $3)
	ORDER BY c.last_message_at DESC, c.last_seq DESC LIMIT $4`

const pgCustomerConversationsQuery = `SELECT ` + agentConversationColumns + agentConversationFrom + `
	WHERE c.customer_id = $1 AND (c.last_message_at, c.last_seq) < ($2, $3)
	ORDER BY c.last_message_at DESC, c.last_seq DESC LIMIT $4`

const pgAgentConversationQuery = `SELECT ` + agentConversationColumns + agentConversationFrom + `WHERE c.id = $1`

const pgConversationQuery = `SELECT 1 FROM conversations WHERE id = $1`

func (p *Postgres) AgentConversations(ctx context.Context, filter StatusFilter, page Page) ([]AgentConversation, string, error) {
	size := page.size()
	switch filter {
	case FilterOpen, FilterClosed:
		kind := openCursor
		if filter == FilterClosed {
			kind = closedCursor
		}
		keys, err := decodeCursor(page.Cursor, kind, conversationKeys...)
		if err != nil {
			return nil, "", err
		}
		var convs []AgentConversation
		err = p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
			rows, err := tx.Query(ctx, pgStatusConversationsQuery, string(filter), keys[0], keys[1], size+1)
			convs, err = collectRows(rows, err, scanAgentConversation)
			return err
		})
		if err != nil {
			return nil, "", err
		}
		convs, next := trimPage(convs, size, statusCursorOf(kind))
		return convs, next, nil
	case FilterAll:
	default:
		return nil, "", errors.New("store: unknown status filter " + string(filter))
	}
	// As in SQLite: the open part, then the closed one, from one snapshot so
	// that a page never skips the seam.
	keys, err := decodeCursor(page.Cursor, allCursor, 1, conversationKeys[0], conversationKeys[1])
	if err != nil {
		return nil, "", err
	}
	var convs []AgentConversation
	err = p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		convs = []AgentConversation{}
		last, seq := keys[1], keys[2]
		if keys[0] == 1 {
			rows, err := tx.Query(ctx, pgStatusConversationsQuery, string(StatusOpen), last, seq, size+1)
			if convs, err = collectRows(rows, err, scanAgentConversation); err != nil || len(convs) > size {
				return err
			}
			last, seq = conversationKeys[0], conversationKeys[1]
		}
		rows, err := tx.Query(ctx, pgStatusConversationsQuery, string(StatusClosed), last, seq, size+1-len(convs))
		closed, err := collectRows(rows, err, scanAgentConversation)
		convs = append(convs, closed...)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	convs, next := trimPage(convs, size, allCursorOf)
	return convs, next, nil
}

func (p *Postgres) AgentConversation(ctx context.Context, conversationID string) (AgentConversation, error) {
	var c AgentConversation
	err := p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		c, err = agentConversationIn(ctx, tx, conversationID)
		return err
	})
	return c, err
}

func agentConversationIn(ctx context.Context, tx pgx.Tx, conversationID string) (AgentConversation, error) {
	c, err := scanAgentConversation(tx.QueryRow(ctx, pgAgentConversationQuery, conversationID))
	if errors.Is(err, pgx.ErrNoRows) {
		return AgentConversation{}, ErrNotFound
	}
	return c, err
}

// pgAgentMessagesQueries are agentMessagesQueries with PostgreSQL's
// placeholders.
var pgAgentMessagesQueries = map[Order]string{
	OldestFirst: `SELECT ` + messageColumns + ` FROM messages
		WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
	NewestFirst: `SELECT ` + messageColumns + ` FROM messages
		WHERE conversation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
}

// AgentMessages pages by seq, which here is not commit order: a message whose
// transaction was still open when a page was read may later sort behind that
// page's cursor. The inbox learns of new messages from AgentEvents, which
// waits for them, not from these pages.
func (p *Postgres) AgentMessages(ctx context.Context, conversationID string, order Order, page Page) ([]Message, string, error) {
	kind, first, cursorOf := messageCursor, int64(0), messageCursorOf
	switch order {
	case OldestFirst:
	case NewestFirst:
		kind, first, cursorOf = newestMessageCursor, math.MaxInt64, newestMessageCursorOf
	default:
		return nil, "", errors.New("store: unknown order " + string(order))
	}
	keys, err := decodeCursor(page.Cursor, kind, first)
	if err != nil {
		return nil, "", err
	}
	size := page.size()
	var out []Message
	err = p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := pgExists(tx.QueryRow(ctx, pgConversationQuery, conversationID)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, pgAgentMessagesQueries[order], conversationID, keys[0], size+1)
		out, err = collectRows(rows, err, scanMessage)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, size, cursorOf)
	return out, next, nil
}

// pgTouchByAgent is touchByAgent for concurrent writers: messages of one
// conversation may reach it in any seq order, so only the highest seq's
// message sets the last message; the counters always apply. ($1 at, $2 seq,
// $3 preview, $4 conversation.)
const pgTouchByAgent = `UPDATE conversations SET
		last_message_at = CASE WHEN $2 > last_seq THEN $1 ELSE last_message_at END,
		preview = CASE WHEN $2 > last_seq THEN $3 ELSE preview END,
		last_seq = GREATEST(last_seq, $2),
		unread = unread + 1, agent_unread = 0
	WHERE id = $4`

// AgentReply stores one message in its own transaction (seq is the
// transaction's id). A taken id or a missing conversation makes the INSERT
// do nothing; ON CONFLICT waits for a concurrent insert of the same id, and a
// new statement then sees which it was.
//
// The INSERT locks the conversation's row, which the touch below would lock
// anyway, so as to read its customer_id as committed: a login moving the
// conversation to the customer who adopted it holds the row until it has
// moved the messages too. Read without the lock, the reply would be stored
// for the anonymous customer, after the move, where no one would see it.
func (p *Postgres) AgentReply(ctx context.Context, r AgentReply) (Message, bool, error) {
	at := millis(r.Now)
	if r.ID == "" {
		r.ID = newID()
	}
	var msg Message
	var created bool
	err := p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		msg, err = scanMessage(tx.QueryRow(ctx, `INSERT INTO messages (id, conversation_id, customer_id, author, author_name, agent_id, body, created_at)
			SELECT $1, c.id, c.customer_id, 'agent', $2, $3, $4, $5 FROM conversations c WHERE c.id = $6
			FOR NO KEY UPDATE OF c
			ON CONFLICT (id) DO NOTHING
			RETURNING `+messageColumns, r.ID, nullString(r.AuthorName), nullString(r.AgentID), r.Body, at, r.ConversationID))
		if errors.Is(err, pgx.ErrNoRows) {
			created = false
			msg, err = p.storedAgentMessage(ctx, tx, r)
			return err
		}
		if err != nil {
			return err
		}
		created = true
		_, err = tx.Exec(ctx, pgTouchByAgent, at, msg.Seq, preview(r.Body), r.ConversationID)
		return err
	})
	if err != nil {
		return Message{}, false, err
	}
	return msg, created, nil
}

// storedAgentMessage is SQLite's storedAgentMessage.
func (p *Postgres) storedAgentMessage(ctx context.Context, tx pgx.Tx, r AgentReply) (Message, error) {
	msg, err := scanMessage(tx.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = $1`, r.ID))
	if err == nil && msg.ConversationID == r.ConversationID && msg.Author == AuthorAgent {
		return msg, nil
	}
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return Message{}, err
	}
	if err := pgExists(tx.QueryRow(ctx, pgConversationQuery, r.ConversationID)); err != nil {
		return Message{}, err
	}
	return Message{}, ErrConflict
}

// pgAffectedSome is affectedSome for pgx's command tags.
func pgAffectedSome(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

func (p *Postgres) AgentRead(ctx context.Context, conversationID string) error {
	return p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return pgAffectedSome(tx.Exec(ctx, `UPDATE conversations SET agent_unread = 0 WHERE id = $1`, conversationID))
	})
}

func (p *Postgres) SetStatus(ctx context.Context, conversationID string, status Status) (AgentConversation, error) {
	if status != StatusOpen && status != StatusClosed {
		return AgentConversation{}, errors.New("store: unknown status " + string(status))
	}
	var c AgentConversation
	err := p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := pgAffectedSome(tx.Exec(ctx, `UPDATE conversations SET status = $2 WHERE id = $1`, conversationID, string(status))); err != nil {
			return err
		}
		var err error
		c, err = agentConversationIn(ctx, tx, conversationID)
		return err
	})
	return c, err
}
