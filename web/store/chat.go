package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

func (s *SQLite) Conversations(ctx context.Context, customerID string) ([]Conversation, error) {
	rows, err := s.rs.conversations.QueryContext(ctx, customerID)
	return collect(rows, err, scanConversation)
}

func (s *SQLite) CreateConversation(ctx context.Context, sess Session, body string, now time.Time) (Conversation, Message, error) {
	at := millis(now)
	conv := Conversation{ID: newID(), CustomerID: sess.CustomerID, CreatedAt: fromMillis(at), LastMessageAt: fromMillis(at)}
	var msg Message
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.StmtContext(ctx, s.ws.insertConversation).ExecContext(ctx, conv.ID, conv.CustomerID, at, at); err != nil {
			return err
		}
		var err error
		msg, err = s.insertCustomerMessage(ctx, tx, sess, conv.ID, body, at)
		return err
	})
	if err != nil {
		return Conversation{}, Message{}, err
	}
	conv.Preview = preview(body)
	return conv, msg, nil
}

func (s *SQLite) AddMessage(ctx context.Context, sess Session, conversationID, body string, now time.Time) (Message, error) {
	var msg Message
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		msg, err = s.insertCustomerMessage(ctx, tx, sess, conversationID, body, millis(now))
		return err
	})
	return msg, err
}

// insertCustomerMessage inserts only into a conversation the session's customer
// owns: the INSERT selects the conversation under that condition, so there is
// no window between an ownership check and the write. Every column but seq is
// known here, so the statement returns nothing and seq is the new rowid.
func (s *SQLite) insertCustomerMessage(ctx context.Context, tx *sql.Tx, sess Session, conversationID, body string, at int64) (Message, error) {
	msg := Message{ID: newID(), ConversationID: conversationID, CustomerID: sess.CustomerID, Author: AuthorCustomer,
		Body: body, CreatedAt: fromMillis(at)}
	res, err := tx.StmtContext(ctx, s.ws.insertMessage).ExecContext(ctx,
		msg.ID, sess.ID, body, at, conversationID, sess.CustomerID)
	if err != nil {
		return Message{}, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return Message{}, err
	} else if n == 0 {
		return Message{}, ErrNotFound
	}
	if msg.Seq, err = res.LastInsertId(); err != nil {
		return Message{}, err
	}
	_, err = tx.StmtContext(ctx, s.ws.touchConversation).ExecContext(ctx, at, msg.Seq, preview(body), 0, conversationID)
	return msg, err
}

func (s *SQLite) Messages(ctx context.Context, customerID, conversationID string) ([]Message, error) {
	var out []Message
	err := s.read(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.StmtContext(ctx, s.rs.ownedConv).QueryRowContext(ctx, conversationID, customerID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		rows, err := tx.StmtContext(ctx, s.rs.messages).QueryContext(ctx, conversationID, customerID)
		out, err = collect(rows, err, scanMessage)
		return err
	})
	return out, err
}

func (s *SQLite) MarkRead(ctx context.Context, customerID, conversationID string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, s.ws.markRead).ExecContext(ctx, conversationID, customerID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

func (s *SQLite) Events(ctx context.Context, sess Session, after int64, limit int) (Events, error) {
	var ev Events
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.StmtContext(ctx, s.rs.events).QueryContext(ctx, sess.CustomerID, after, sess.ID, limit)
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
