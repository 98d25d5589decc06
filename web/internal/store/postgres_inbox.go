package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The SQLite store's queries, with PostgreSQL's placeholders.
var (
	pgStatusConversationsQuery   = pgParams(statusConversationsQuery)
	pgCustomerConversationsQuery = pgParams(customerConversationsQuery)
	pgAgentConversationQuery     = pgParams(agentConversationQuery)
	pgConversationQuery          = pgParams(conversationQuery)
	pgAgentMessagesQueries       = map[Order]string{
		OldestFirst: pgParams(agentMessagesQueries[OldestFirst]),
		NewestFirst: pgParams(agentMessagesQueries[NewestFirst]),
	}
)

func (p *Postgres) AgentConversations(ctx context.Context, filter StatusFilter, page Page) ([]AgentConversation, string, error) {
	return agentConversationsPage(filter, page, func(fn func(statusLister) error) error {
		return p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return fn(func(status Status, last, seq int64, limit int) ([]AgentConversation, error) {
				rows, err := tx.Query(ctx, pgStatusConversationsQuery, string(status), last, seq, limit)
				return collectRows(rows, err, scanAgentConversation)
			})
		})
	})
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

// AgentMessages pages by seq, which here is not commit order: a message whose
// transaction was still open when a page was read may later sort behind that
// page's cursor. The inbox learns of new messages from AgentEvents, which
// waits for them, not from these pages.
func (p *Postgres) AgentMessages(ctx context.Context, conversationID string, order Order, page Page) ([]Message, string, error) {
	return agentMessagesPage(order, page, func(after int64, limit int) ([]Message, error) {
		var out []Message
		err := p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
			if err := pgExists(tx.QueryRow(ctx, pgConversationQuery, conversationID)); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, pgAgentMessagesQueries[order], conversationID, after, limit)
			out, err = collectRows(rows, err, scanMessage)
			return err
		})
		return out, err
	})
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
	msg, err := scanMessage(tx.QueryRow(ctx, pgMessageByID, r.ID))
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
