package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

func (s *SQLite) AgentConversations(ctx context.Context, page Page) ([]Conversation, string, error) {
	keys, err := decodeCursor(page.Cursor, conversationCursor, conversationKeys...)
	if err != nil {
		return nil, "", err
	}
	size := page.size()
	rows, err := s.rs.allConversations.QueryContext(ctx, keys[0], keys[1], size+1)
	convs, err := collect(rows, err, scanConversation)
	if err != nil {
		return nil, "", err
	}
	convs, next := trimPage(convs, size, conversationCursorOf)
	return convs, next, nil
}

func (s *SQLite) AgentReply(ctx context.Context, conversationID, body, authorName string, now time.Time) (Message, error) {
	at := millis(now)
	var msg Message
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		msg, err = scanMessage(tx.StmtContext(ctx, s.ws.insertAgentMessage).QueryRowContext(ctx,
			newID(), nullString(authorName), body, at, conversationID))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		_, err = tx.StmtContext(ctx, s.ws.touchConversation).ExecContext(ctx, at, msg.Seq, preview(body), 1, conversationID)
		return err
	})
	return msg, err
}
