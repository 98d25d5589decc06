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
	pgAgentMessageByID           = pgParams(messageByIDQuery)
	pgTouchByAgent               = pgParams(touchByAgentQuery)
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

// pgAgentMessagesQueries are agentMessagesQueries in the order of
// customer_seq, the conversation's commit order (all of a conversation's
// messages are its customer's), on messages_by_conversation_customer_seq;
// each row has the agents' seq after the message.
var pgAgentMessagesQueries = map[Order]string{
	OldestFirst: `SELECT ` + pgCustomerMessageColumns + `, seq FROM messages
		WHERE conversation_id = $1 AND customer_seq > $2 ORDER BY customer_seq LIMIT $3`,
	NewestFirst: `SELECT ` + pgCustomerMessageColumns + `, seq FROM messages
		WHERE conversation_id = $1 AND customer_seq < $2 ORDER BY customer_seq DESC LIMIT $3`,
}

// AgentMessages pages by customer_seq, so that a message committed late
// never sorts behind a page already read, as it could by seq, the
// transaction's id; the messages answered carry the agents' seq, as the
// agents' feed does.
func (p *Postgres) AgentMessages(ctx context.Context, conversationID string, order Order, page Page) ([]Message, string, error) {
	agentSeq := map[string]int64{}
	out, next, err := agentMessagesPage(order, page, func(after int64, limit int) ([]Message, error) {
		var out []Message
		err := p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
			if err := pgExists(tx.QueryRow(ctx, pgConversationQuery, conversationID)); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, pgAgentMessagesQueries[order], conversationID, after, limit)
			out, err = collectRows(rows, err, func(sc scanner) (Message, error) {
				var seq int64
				m, err := scanMessage(withColumns{sc, []any{&seq}})
				agentSeq[m.ID] = seq
				return m, err
			})
			return err
		})
		return out, err
	})
	for i := range out {
		out[i].Seq = agentSeq[out[i].ID]
	}
	return out, next, err
}

// pgInsertAgentMessage stores an agent's reply in its own transaction, so
// that its seq (the agents' order) is the transaction's id. As a customer's
// message does (see pgInsertMessage), it takes its customer_seq from the
// conversation's customer's counter, locking the customer's row before the
// conversation's. A taken id or a missing conversation makes the INSERT do
// nothing; ON CONFLICT waits for a concurrent insert of the same id.
//
// The conversation's row is locked too, so as to check its customer_id as
// committed: a login moving the conversation to the customer who adopted it
// holds both customers until it has moved the messages too. When that move
// commits while the reply waits, the counter taken is the old customer's and
// the locked row no longer matches it: nothing is inserted, and the reply
// runs again for the new customer (errConversationMoved).
const pgInsertAgentMessage = `WITH n AS (
		UPDATE customers u SET last_seq = u.last_seq + 1 FROM conversations c WHERE c.id = $6 AND u.id = c.customer_id
		RETURNING u.id, u.last_seq
	)
	INSERT INTO messages (id, conversation_id, customer_id, customer_seq, author, author_name, agent_id, body, created_at)
	SELECT $1, c.id, c.customer_id, n.last_seq, 'agent', $2, $3, $4, $5 FROM n, conversations c WHERE c.id = $6 AND c.customer_id = n.id
	FOR NO KEY UPDATE OF c
	ON CONFLICT (id) DO NOTHING
	RETURNING ` + messageColumns

// errConversationMoved is a reply that lost a race with an adoption moving
// its conversation; it is stored again from the start.
var errConversationMoved = errors.New("store: the conversation moved to another customer meanwhile")

// AgentReply stores r; a taken id answers the message stored with it, if it
// is this conversation's agent reply, else ErrConflict; a new statement sees
// which it was.
func (p *Postgres) AgentReply(ctx context.Context, r AgentReply) (Message, bool, error) {
	at := millis(r.Now)
	if r.ID == "" {
		r.ID = newID()
	}
	var msg Message
	var created bool
	store := func(ctx context.Context, tx pgx.Tx) error {
		var err error
		msg, err = scanMessage(tx.QueryRow(ctx, pgInsertAgentMessage, r.ID, nullString(r.AuthorName), nullString(r.AgentID), r.Body, at, r.ConversationID))
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
	}
	err := p.write(ctx, store)
	// An adoption moves a conversation once; a reply is raced by one at most.
	for moves := 0; errors.Is(err, errConversationMoved) && moves < 3; moves++ {
		err = p.write(ctx, store)
	}
	if err != nil {
		return Message{}, false, err
	}
	return msg, created, nil
}

// storedAgentMessage is SQLite's storedAgentMessage, but for a reply that
// stored nothing with an id not taken in a conversation that exists: its
// conversation moved (see pgInsertAgentMessage).
func (p *Postgres) storedAgentMessage(ctx context.Context, tx pgx.Tx, r AgentReply) (Message, error) {
	msg, err := scanMessage(tx.QueryRow(ctx, pgAgentMessageByID, r.ID))
	if err == nil && msg.ConversationID == r.ConversationID && msg.Author == AuthorAgent {
		return msg, nil
	}
	taken := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return Message{}, err
	}
	if err := pgExists(tx.QueryRow(ctx, pgConversationQuery, r.ConversationID)); err != nil {
		return Message{}, err
	}
	if !taken {
		return Message{}, errConversationMoved
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
