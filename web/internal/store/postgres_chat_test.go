package store

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// A message whose transaction began first has the lower seq even when it
// commits last: the conversation's last message stays the one with the
// highest seq, while the counters count both.
func TestPostgresLastMessageFollowsTheHighestSeq(t *testing.T) {
	ctx := context.Background()
	s := openPostgres(t, SessionPolicy{})
	sess := session(t, s, "a")
	conv := startConversation(t, s, sess, "first", t0)
	err := pgx.BeginFunc(ctx, s.pool, func(early pgx.Tx) error {
		if _, err := early.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil { // takes its id, so the lower seq, now
			return err
		}
		if _, _, err := s.AddMessage(ctx, sess, NewMessage{ConversationID: conv.ID, Body: "later seq, committed first", Now: t0.Add(2 * time.Second)}); err != nil {
			return err
		}
		_, _, err := pgInsertCustomerMessage(ctx, early, sess, NewMessage{ConversationID: conv.ID, Body: "lower seq, committed last"}, millis(t0.Add(time.Second)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs, _, err := s.Messages(ctx, sess.CustomerID, conv.ID, Page{})
	if err != nil || len(msgs) != 3 || msgs[2].Body != "later seq, committed first" {
		t.Fatalf("messages = %+v, %v", msgs, err)
	}
	c, err := scanConversation(s.pool.QueryRow(ctx, pgConversationByID, conv.ID))
	if err != nil {
		t.Fatal(err)
	}
	if c.LastSeq != msgs[2].Seq || c.Preview != msgs[2].Body || !c.LastMessageAt.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("conversation = %+v, want its last message to be %+v", c, msgs[2])
	}
	if n := (postgresPeeker{s}).scalar(t, `SELECT agent_unread FROM conversations WHERE id = ?`, conv.ID); n != 3 {
		t.Fatalf("agent_unread = %d, want 3", n)
	}
}
