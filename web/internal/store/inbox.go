package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Status is a conversation's state in the agents' inbox.
type Status string

const (
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)

// StatusFilter picks the conversations an agent list shows.
type StatusFilter string

const (
	FilterOpen   StatusFilter = "open"
	FilterClosed StatusFilter = "closed"
	// FilterAll lists the open conversations first, then the closed ones.
	FilterAll StatusFilter = "all"
)

// Order is the direction a list of messages is walked in.
type Order string

const (
	OldestFirst Order = "oldest"
	NewestFirst Order = "newest"
)

// CustomerSummary is who a conversation is with, as an inbox row shows it.
type CustomerSummary struct {
	ID         string
	Email      string
	ExternalID string
	Verified   bool
}

// AgentConversation is a conversation as agents see it. Unread is the
// visitor's count (agent replies the customer has not read); AgentUnread
// counts the customer's messages since an agent last read or answered it.
type AgentConversation struct {
	Conversation
	Status      Status
	AgentUnread int
	Customer    CustomerSummary
}

// Customer is what agents see of a customer. Times are zero when unknown.
type Customer struct {
	ID          string
	Email       string
	ExternalID  string
	Verified    bool
	VerifiedAt  time.Time
	FirstSeenAt time.Time
	LastSeenAt  time.Time
}

// AgentReply is an agent's message to store. ID is the client's (canonical
// UUID) or empty for the store to make; AgentID is empty for an integration.
type AgentReply struct {
	ConversationID string
	ID             string
	Body           string
	AuthorName     string
	AgentID        string
	Now            time.Time
}

// AgentEvents is one answer of the agents' events feed: Cursor is the seq of
// the last message, or the latest seq service-wide when there are none.
type AgentEvents struct {
	Messages []Message
	Cursor   int64
}

// agentConversationColumns read a conversations row c joined with its customer u.
const agentConversationColumns = `c.id, c.customer_id, c.created_at, c.last_message_at, c.last_seq, c.preview, c.unread,
	c.status, c.agent_unread, u.email, u.external_id, u.verified`

const agentConversationFrom = ` FROM conversations c JOIN customers u ON u.id = c.customer_id `

// One status's conversations after the cursor (?2, ?3), served by the index
// conversations_by_status.
const statusConversationsQuery = `SELECT ` + agentConversationColumns + agentConversationFrom + `
	WHERE c.status = ?1 AND (c.last_message_at, c.last_seq) < (?2, ?3)
	ORDER BY c.last_message_at DESC, c.last_seq DESC LIMIT ?4`

const customerConversationsQuery = `SELECT ` + agentConversationColumns + agentConversationFrom + `
	WHERE c.customer_id = ?1 AND (c.last_message_at, c.last_seq) < (?2, ?3)
	ORDER BY c.last_message_at DESC, c.last_seq DESC LIMIT ?4`

const agentConversationQuery = `SELECT ` + agentConversationColumns + agentConversationFrom + `WHERE c.id = ?`

func scanAgentConversation(sc scanner) (AgentConversation, error) {
	var c AgentConversation
	var created, last int64
	var status string
	var email, externalID sql.NullString
	err := sc.Scan(&c.ID, &c.CustomerID, &created, &last, &c.LastSeq, &c.Preview, &c.Unread,
		&status, &c.AgentUnread, &email, &externalID, &c.Customer.Verified)
	c.CreatedAt, c.LastMessageAt, c.Status = fromMillis(created), fromMillis(last), Status(status)
	c.Customer.ID, c.Customer.Email, c.Customer.ExternalID = c.CustomerID, email.String, externalID.String
	return c, err
}

// Cursor kinds of the agent lists: a cursor of one status's list is refused
// by another's, and the "all" list's names which part of it it is in.
const (
	openCursor     = "o"
	closedCursor   = "x"
	allCursor      = "a"
	customerCursor = "u"
)

func statusCursorOf(kind string) func(AgentConversation) string {
	return func(c AgentConversation) string {
		return encodeCursor(kind, c.LastMessageAt.UnixMilli(), c.LastSeq)
	}
}

// allCursorOf leads with 1 for the open part of the list, 0 for the closed one.
func allCursorOf(c AgentConversation) string {
	part := int64(0)
	if c.Status == StatusOpen {
		part = 1
	}
	return encodeCursor(allCursor, part, c.LastMessageAt.UnixMilli(), c.LastSeq)
}

func (s *SQLite) AgentConversations(ctx context.Context, filter StatusFilter, page Page) ([]AgentConversation, string, error) {
	return agentConversationsPage(filter, page, func(fn func(statusLister) error) error {
		return s.read(ctx, func(tx *sql.Tx) error {
			return fn(func(status Status, last, seq int64, limit int) ([]AgentConversation, error) {
				rows, err := tx.QueryContext(ctx, statusConversationsQuery, string(status), last, seq, limit)
				return collect(rows, err, scanAgentConversation)
			})
		})
	})
}

func (s *SQLite) AgentConversation(ctx context.Context, conversationID string) (AgentConversation, error) {
	c, err := scanAgentConversation(s.r.QueryRowContext(ctx, agentConversationQuery, conversationID))
	if errors.Is(err, sql.ErrNoRows) {
		return AgentConversation{}, ErrNotFound
	}
	return c, err
}

// agentMessagesQueries read one page of a conversation's messages past the
// cursor's seq (?2), each a range scan of messages_by_conversation, forwards
// or backwards.
var agentMessagesQueries = map[Order]string{
	OldestFirst: `SELECT ` + messageColumns + ` FROM messages
		WHERE conversation_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3`,
	NewestFirst: `SELECT ` + messageColumns + ` FROM messages
		WHERE conversation_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3`,
}

// The newest-first walk has a cursor kind of its own: a seq means "after" in
// one walk and "before" in the other, so each refuses the other's cursor.
const newestMessageCursor = "n"

func newestMessageCursorOf(m Message) string { return encodeCursor(newestMessageCursor, m.Seq) }

func (s *SQLite) AgentMessages(ctx context.Context, conversationID string, order Order, page Page) ([]Message, string, error) {
	return agentMessagesPage(order, page, func(after int64, limit int) ([]Message, error) {
		var out []Message
		err := s.read(ctx, func(tx *sql.Tx) error {
			if err := exists(tx.QueryRowContext(ctx, conversationQuery, conversationID)); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, agentMessagesQueries[order], conversationID, after, limit)
			out, err = collect(rows, err, scanMessage)
			return err
		})
		return out, err
	})
}

// AgentReply inserts like insertCustomerMessage: a taken id or a missing
// conversation makes the INSERT do nothing, and the same transaction then
// reads which it was.
func (s *SQLite) AgentReply(ctx context.Context, r AgentReply) (Message, bool, error) {
	at := millis(r.Now)
	if r.ID == "" {
		r.ID = newID()
	}
	var msg Message
	var created bool
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		msg, err = scanMessage(tx.StmtContext(ctx, s.ws.insertAgentMessage).QueryRowContext(ctx,
			r.ID, nullString(r.AuthorName), nullString(r.AgentID), r.Body, at, r.ConversationID))
		if errors.Is(err, sql.ErrNoRows) {
			created = false
			msg, err = s.storedAgentMessage(ctx, tx, r)
			return err
		}
		if err != nil {
			return err
		}
		created = true
		_, err = tx.StmtContext(ctx, s.ws.touchByAgent).ExecContext(ctx, at, msg.Seq, preview(r.Body), r.ConversationID)
		return err
	})
	if err != nil {
		return Message{}, false, err
	}
	return msg, created, nil
}

// storedAgentMessage answers an agent reply that inserted nothing: the stored
// message when r.ID is an agent's message in that conversation, ErrNotFound
// when there is no such conversation, else ErrConflict.
func (s *SQLite) storedAgentMessage(ctx context.Context, tx *sql.Tx, r AgentReply) (Message, error) {
	msg, err := scanMessage(tx.StmtContext(ctx, s.ws.messageByID).QueryRowContext(ctx, r.ID))
	if err == nil && msg.ConversationID == r.ConversationID && msg.Author == AuthorAgent {
		return msg, nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Message{}, err
	}
	if err := exists(tx.QueryRowContext(ctx, conversationQuery, r.ConversationID)); err != nil {
		return Message{}, err
	}
	return Message{}, ErrConflict
}

// conversationQuery finds a conversation whoever's it is, for exists.
const conversationQuery = `SELECT 1 FROM conversations WHERE id = ?`

// exists is ErrNotFound for a query of one row that found none.
func exists(row *sql.Row) error {
	var one int
	err := row.Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// affectedSome is ErrNotFound for a statement that changed no row.
func affectedSome(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}

func (s *SQLite) AgentRead(ctx context.Context, conversationID string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return affectedSome(tx.ExecContext(ctx, `UPDATE conversations SET agent_unread = 0 WHERE id = ?1`, conversationID))
	})
}

func (s *SQLite) SetStatus(ctx context.Context, conversationID string, status Status) (AgentConversation, error) {
	if status != StatusOpen && status != StatusClosed {
		return AgentConversation{}, errors.New("store: unknown status " + string(status))
	}
	var c AgentConversation
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := affectedSome(tx.ExecContext(ctx, `UPDATE conversations SET status = ?2 WHERE id = ?1`, conversationID, string(status))); err != nil {
			return err
		}
		var err error
		c, err = scanAgentConversation(tx.QueryRowContext(ctx, agentConversationQuery, conversationID))
		return err
	})
	return c, err
}

// AgentEvents reads the messages by their primary key. The cursor without
// messages is the highest seq ever given (AUTOINCREMENT keeps it in
// sqlite_sequence), not MAX(seq): an erase may delete the latest messages,
// and a cursor must never go back.
func (s *SQLite) AgentEvents(ctx context.Context, after int64, limit int) (AgentEvents, error) {
	ev := AgentEvents{Messages: []Message{}}
	err := s.read(ctx, func(tx *sql.Tx) error {
		if after >= 0 {
			rows, err := tx.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
			if ev.Messages, err = collect(rows, err, scanMessage); err != nil {
				return err
			}
		}
		if n := len(ev.Messages); n > 0 {
			ev.Cursor = ev.Messages[n-1].Seq
			return nil
		}
		return tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0)`).Scan(&ev.Cursor)
	})
	return ev, err
}
