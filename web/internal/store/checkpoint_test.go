package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// Commits wake the background checkpointer, which copies the WAL into the
// database file without failing, and the data stays intact.
func TestBackgroundCheckpoint(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "chat.db"))
	_, tok, err := s.CreateAnonymous(ctx, "d", t0)
	if err != nil {
		t.Fatal(err)
	}
	sess, _ := s.Session(ctx, tok, t0)
	conv, _, _, err := s.CreateConversation(ctx, sess, NewMessage{Body: "first", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if _, _, err := s.AddMessage(ctx, sess, NewMessage{ConversationID: conv.ID, Body: "m", Now: t0}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.ckpt.runs.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no background checkpoint within 5 s of the writes")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.ckpt.fails.Load(); n != 0 {
		t.Fatalf("%d checkpoints failed", n)
	}
	if msgs, _, err := s.Messages(ctx, sess.CustomerID, conv.ID, Page{}); err != nil || len(msgs) != 51 {
		t.Fatalf("%d messages, %v", len(msgs), err)
	}
}
