package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

func (s *SQLite) Conversations(ctx context.Context, customerID string, page Page) ([]Conversation, string, error) {
	keys, err := decodeCursor(page.Cursor, conversationCursor, conversationKeys...)
	if err != nil {
		return nil, "", err
	}
	size := page.size()
	rows, err := s.rs.conversations.QueryContext(ctx, customerID, keys[0], keys[1], size+1)
	convs, err := collect(rows, err, scanConversation)
	if err != nil {
		return nil, "", err
	}
	convs, next := trimPage(convs, size, conversationCursorOf)
	return convs, next, nil
}

func (s *SQLite) CreateConversation(ctx context.Context, sess Session, m NewMessage) (Conversation, Message, bool, error) {
	at := millis(m.Now)
	if m.ConversationID == "" {
		m.ConversationID = newID()
	}
	var conv Conversation
	var msg Message
	var created bool
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, s.ws.insertConversation).ExecContext(ctx, m.ConversationID, sess.CustomerID, at, at)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			created = false
			conv, msg, err = s.storedConversation(ctx, tx, sess.CustomerID, m)
			return err
		}
		conv = Conversation{ID: m.ConversationID, CustomerID: sess.CustomerID, CreatedAt: fromMillis(at),
			LastMessageAt: fromMillis(at), Preview: preview(m.Body)}
		// A new conversation holds no message yet, so a taken m.ID can only
		// be a conflict, which rolls the conversation back with it.
		msg, created, err = s.insertCustomerMessage(ctx, tx, sess, m, at)
		conv.LastSeq = msg.Seq
		return err
	})
	if err != nil {
		return Conversation{}, Message{}, false, sqliteCustomerGone(err)
	}
	return conv, msg, created, nil
}

// storedConversation answers a repeated CreateConversation from what is
// stored, if the conversation is the customer's and m.ID, when given, is its.
func (s *SQLite) storedConversation(ctx context.Context, tx *sql.Tx, customerID string, m NewMessage) (Conversation, Message, error) {
	conv, err := scanConversation(tx.StmtContext(ctx, s.ws.conversationByID).QueryRowContext(ctx, m.ConversationID))
	if err != nil {
		return Conversation{}, Message{}, err
	}
	if conv.CustomerID != customerID {
		return Conversation{}, Message{}, ErrConflict
	}
	var msg Message
	if m.ID == "" {
		msg, err = scanMessage(tx.StmtContext(ctx, s.ws.firstMessage).QueryRowContext(ctx, m.ConversationID))
	} else {
		msg, err = s.storedMessage(ctx, tx, customerID, m)
	}
	return conv, msg, err
}

func (s *SQLite) AddMessage(ctx context.Context, sess Session, m NewMessage) (Message, bool, error) {
	var msg Message
	var created bool
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		msg, created, err = s.insertCustomerMessage(ctx, tx, sess, m, millis(m.Now))
		return err
	})
	return msg, created, err
}

// insertCustomerMessage inserts only into a conversation the session's customer
// owns: the INSERT selects the conversation under that condition, so there is
// no window between an ownership check and the write. Every column but seq is
// known here, so the statement returns nothing and seq is the new rowid.
//
// A taken id makes the INSERT do nothing rather than fail (a failed write
// makes the writer run its whole group again); the row holding the id is then
// read in the same transaction, so of duplicates sent at once the first in
// commit order stores the message and the others answer with its row.
func (s *SQLite) insertCustomerMessage(ctx context.Context, tx *sql.Tx, sess Session, m NewMessage, at int64) (Message, bool, error) {
	if m.ID == "" {
		m.ID = newID()
	}
	msg := Message{ID: m.ID, ConversationID: m.ConversationID, CustomerID: sess.CustomerID, Author: AuthorCustomer,
		Body: m.Body, CreatedAt: fromMillis(at)}
	res, err := tx.StmtContext(ctx, s.ws.insertMessage).ExecContext(ctx,
		msg.ID, sess.ID, m.Body, at, m.ConversationID, sess.CustomerID)
	if err != nil {
		return Message{}, false, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return Message{}, false, err
	} else if n == 0 {
		msg, err = s.storedMessage(ctx, tx, sess.CustomerID, m)
		return msg, false, err
	}
	if msg.Seq, err = res.LastInsertId(); err != nil {
		return Message{}, false, err
	}
	_, err = tx.StmtContext(ctx, s.ws.touchConversation).ExecContext(ctx, at, msg.Seq, preview(m.Body), m.ConversationID)
	return msg, true, err
}

// storedMessage returns message m.ID if it is stored in the customer's
// conversation m.ConversationID. Otherwise the answer is ErrNotFound when the
// conversation is not the customer's, whatever m.ID is, so that an id never
// tells another customer's conversation from a missing one; else ErrConflict.
func (s *SQLite) storedMessage(ctx context.Context, tx *sql.Tx, customerID string, m NewMessage) (Message, error) {
	msg, err := scanMessage(tx.StmtContext(ctx, s.ws.messageByID).QueryRowContext(ctx, m.ID))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Message{}, err
	}
	if err == nil && msg.CustomerID == customerID && msg.ConversationID == m.ConversationID {
		return msg, nil
	}
	if err := exists(tx.StmtContext(ctx, s.ws.ownedConv).QueryRowContext(ctx, m.ConversationID, customerID)); err != nil {
		return Message{}, err
	}
	return Message{}, ErrConflict
}

func (s *SQLite) Messages(ctx context.Context, customerID, conversationID string, page Page) ([]Message, string, error) {
	keys, err := decodeCursor(page.Cursor, messageCursor, 0)
	if err != nil {
		return nil, "", err
	}
	size := page.size()
	var out []Message
	err = s.read(ctx, func(tx *sql.Tx) error {
		if err := exists(tx.StmtContext(ctx, s.rs.ownedConv).QueryRowContext(ctx, conversationID, customerID)); err != nil {
			return err
		}
		rows, err := tx.StmtContext(ctx, s.rs.messages).QueryContext(ctx, conversationID, customerID, keys[0], size+1)
		out, err = collect(rows, err, scanMessage)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, size, messageCursorOf)
	return out, next, nil
}

func (s *SQLite) MarkRead(ctx context.Context, customerID, conversationID string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return affectedSome(tx.StmtContext(ctx, s.ws.markRead).ExecContext(ctx, conversationID, customerID))
	})
}

func (s *SQLite) Events(ctx context.Context, sess Session, after int64, limit int, now time.Time) (Events, error) {
	var ev Events
	err := s.read(ctx, func(tx *sql.Tx) error {
		var verified bool
		var created, lastUsed int64
		err := tx.StmtContext(ctx, s.rs.liveSession).QueryRowContext(ctx, sess.ID, sess.CustomerID).Scan(&verified, &created, &lastUsed)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !s.sessions.live(verified, created, lastUsed, millis(now)) {
			return ErrSessionInvalid
		}
		if err != nil {
			return err
		}
		rows, err := tx.StmtContext(ctx, s.rs.events).QueryContext(ctx, sess.CustomerID, after, sess.IdentityID, limit)
		if ev.Messages, err = collect(rows, err, scanMessage); err != nil {
			return err
		}
		return s.fillCursor(ctx, tx, sess.CustomerID, &ev)
	})
	return ev, err
}

func (s *SQLite) LatestEvents(ctx context.Context, customerID string) (Events, error) {
	ev := Events{Messages: []Message{}}
	err := s.read(ctx, func(tx *sql.Tx) error { return s.fillCursor(ctx, tx, customerID, &ev) })
	return ev, err
}

// fillCursor sets the cursor (the last message returned, else the customer's
// latest seq) and the unread total, from the same snapshot as the messages.
func (s *SQLite) fillCursor(ctx context.Context, tx *sql.Tx, customerID string, ev *Events) error {
	if n := len(ev.Messages); n > 0 {
		ev.Cursor = ev.Messages[n-1].Seq
	} else if err := tx.StmtContext(ctx, s.rs.latestSeq).QueryRowContext(ctx, customerID).Scan(&ev.Cursor); err != nil {
		return err
	}
	return tx.StmtContext(ctx, s.rs.unreadTotal).QueryRowContext(ctx, customerID).Scan(&ev.Unread)
}
