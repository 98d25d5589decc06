package store

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// A transaction that took its id (the lower seq) first but stores its
// message last: the customer's order is the commit order, and the
// conversation's last message is the one committed last, while the
// counters count every message, as the customer's other device reads them.
func TestPostgresCustomersOrderIsCommitOrder(t *testing.T) {
	ctx := context.Background()
	s := openPostgres(t, SessionPolicy{})
	sess, laptop := annOn(t, s, "phone"), annOn(t, s, "laptop")
	conv := startConversation(t, s, sess, "first", t0)
	var last Message
	err := pgx.BeginFunc(ctx, s.pool, func(early pgx.Tx) error {
		if _, err := early.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil { // takes its id, so the lower seq, now
			return err
		}
		if _, _, err := s.AddMessage(ctx, sess, NewMessage{ConversationID: conv.ID, Body: "second", Now: t0.Add(2 * time.Second)}); err != nil {
			return err
		}
		var err error
		last, _, _, err = pgInsertCustomerMessage(ctx, early, sess, NewMessage{ConversationID: conv.ID, Body: "third, lower seq"}, millis(t0.Add(time.Second)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	peek := postgresPeeker{s}
	if seq, second := peek.scalar(t, `SELECT seq FROM messages WHERE id = ?`, last.ID), peek.scalar(t, `SELECT MAX(seq) FROM messages`); seq >= second {
		t.Fatalf("the last committed seq %d is not the lower (%d): the test tests nothing", seq, second)
	}
	msgs, _, err := s.Messages(ctx, sess.CustomerID, conv.ID, Page{})
	if err != nil || len(msgs) != 3 || msgs[1].Body != "second" || msgs[2].ID != last.ID || msgs[1].Seq >= msgs[2].Seq {
		t.Fatalf("messages = %+v, %v", msgs, err)
	}
	ev, err := s.Events(ctx, laptop, msgs[0].Seq, 10, t0)
	if err != nil || len(ev.Messages) != 2 || ev.Messages[1].ID != last.ID || ev.Cursor != last.Seq {
		t.Fatalf("events = %+v, %v", ev, err)
	}
	c, err := scanConversation(s.pool.QueryRow(ctx, pgConversationByID, conv.ID))
	if err != nil {
		t.Fatal(err)
	}
	if c.Preview != last.Body || !c.LastMessageAt.Equal(last.CreatedAt) || c.LastSeq != peek.scalar(t, `SELECT seq FROM messages WHERE id = ?`, last.ID) {
		t.Fatalf("conversation = %+v, want its last message to be %+v", c, last)
	}
	if n := peek.scalar(t, `SELECT agent_unread FROM conversations WHERE id = ?`, conv.ID); n != 3 {
		t.Fatalf("agent_unread = %d, want 3", n)
	}
}
