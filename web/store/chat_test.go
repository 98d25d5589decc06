package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

func session(t *testing.T, s *SQLite, trackingID string) Session {
	t.Helper()
	ctx := context.Background()
	_, tok, err := s.CreateAnonymous(ctx, trackingID, t0)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.Session(ctx, tok, t0)
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

// Many sends of one message at once, as retries racing a slow answer would
// be, share the writer's group commits; exactly one stores it.
func TestConcurrentRepeatsStoreOnce(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "chat.db"))
	sess := session(t, s, "a")
	const convID, firstID, msgID = "6f1c2b9e-0d4a-4c3b-9a57-1f0e2d3c4b5a", "0b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "a1b2c3d4-e5f6-4789-8abc-def012345678"

	const n = 32
	type result struct {
		msg     Message
		created bool
		err     error
	}
	var wg sync.WaitGroup
	convs, sends := make([]result, n), make([]result, n)
	for i := range n {
		wg.Go(func() {
			var r result
			_, r.msg, r.created, r.err = s.CreateConversation(ctx, sess, NewMessage{ConversationID: convID, ID: firstID, Body: "first", Now: t0})
			convs[i] = r
		})
	}
	wg.Wait()
	for i := range n {
		wg.Go(func() {
			var r result
			r.msg, r.created, r.err = s.AddMessage(ctx, sess, NewMessage{ConversationID: convID, ID: msgID, Body: "again", Now: t0})
			sends[i] = r
		})
	}
	wg.Wait()
	for name, rs := range map[string][]result{"CreateConversation": convs, "AddMessage": sends} {
		created := 0
		for _, r := range rs {
			if r.err != nil {
				t.Fatalf("%s: %v", name, r.err)
			}
			if r.created {
				created++
			}
			if r.msg.Seq != rs[0].msg.Seq || r.msg.ID != rs[0].msg.ID {
				t.Fatalf("%s answered %+v and %+v", name, r.msg, rs[0].msg)
			}
		}
		if created != 1 {
			t.Fatalf("%s created %d times, want once", name, created)
		}
	}
	msgs, _, err := s.Messages(ctx, sess.CustomerID, convID, Page{})
	if err != nil || len(msgs) != 2 || msgs[0].ID != firstID || msgs[1].ID != msgID {
		t.Fatalf("messages = %+v, %v; want %s then %s once each", msgs, err, firstID, msgID)
	}
	if convs, _, _ := s.Conversations(ctx, sess.CustomerID, Page{}); len(convs) != 1 || convs[0].Preview != "again" {
		t.Fatalf("conversations = %+v", convs)
	}
}

func TestRepeatedCreateConversationAnswersItAsItIsNow(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "chat.db"))
	sess := session(t, s, "a")
	first := NewMessage{ConversationID: "6f1c2b9e-0d4a-4c3b-9a57-1f0e2d3c4b5a", ID: "0b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", Body: "first", Now: t0}
	conv, msg, created, err := s.CreateConversation(ctx, sess, first)
	if err != nil || !created {
		t.Fatalf("CreateConversation = %v, %v", created, err)
	}
	reply, _, err := s.AgentReply(ctx, AgentReply{ConversationID: conv.ID, Body: "a reply", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []NewMessage{first, {ConversationID: first.ConversationID, Body: "first", Now: t0}} {
		again, stored, created, err := s.CreateConversation(ctx, sess, m)
		if err != nil || created {
			t.Fatalf("repeat = %v, %v", created, err)
		}
		if stored.ID != msg.ID || stored.Seq != msg.Seq {
			t.Fatalf("repeat answered message %+v, want %+v", stored, msg)
		}
		if again.Unread != 1 || again.Preview != reply.Body {
			t.Fatalf("repeat answered %+v, want the conversation as it is now", again)
		}
	}
}

func TestClientIDsOfOthersConflict(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "chat.db"))
	a, b := session(t, s, "a"), session(t, s, "b")
	const annConv, annMsg, otherID = "6f1c2b9e-0d4a-4c3b-9a57-1f0e2d3c4b5a", "0b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "a1b2c3d4-e5f6-4789-8abc-def012345678"
	if _, _, _, err := s.CreateConversation(ctx, a, NewMessage{ConversationID: annConv, ID: annMsg, Body: "a's", Now: t0}); err != nil {
		t.Fatal(err)
	}
	aOther, _, _, err := s.CreateConversation(ctx, a, NewMessage{Body: "a's other", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	bConv, _, _, err := s.CreateConversation(ctx, b, NewMessage{Body: "b's", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"b takes a's conversation id": errOf4(s.CreateConversation(ctx, b, NewMessage{ConversationID: annConv, Body: "x", Now: t0})),
		"b takes a's message id":      errOf4(s.CreateConversation(ctx, b, NewMessage{ID: annMsg, Body: "x", Now: t0})),
		"b sends a's message id":      errOf3(s.AddMessage(ctx, b, NewMessage{ConversationID: bConv.ID, ID: annMsg, Body: "x", Now: t0})),
		"a's id in a's other":         errOf3(s.AddMessage(ctx, a, NewMessage{ConversationID: aOther.ID, ID: annMsg, Body: "x", Now: t0})),
		"a's conversation, new first": errOf4(s.CreateConversation(ctx, a, NewMessage{ConversationID: annConv, ID: otherID, Body: "x", Now: t0})),
	} {
		if !errors.Is(err, ErrConflict) {
			t.Errorf("%s: %v, want ErrConflict", name, err)
		}
	}
	// Into a conversation that is not b's, an id changes nothing: not found.
	if _, _, err := s.AddMessage(ctx, b, NewMessage{ConversationID: annConv, ID: annMsg, Body: "x", Now: t0}); !errors.Is(err, ErrNotFound) {
		t.Errorf("b sends a's message into a's conversation: %v, want ErrNotFound", err)
	}
	if convs, _, _ := s.Conversations(ctx, b.CustomerID, Page{}); len(convs) != 1 {
		t.Fatalf("b has %d conversations after the conflicts, want 1", len(convs))
	}
	for _, conv := range []string{annConv, aOther.ID} {
		if msgs, _, _ := s.Messages(ctx, a.CustomerID, conv, Page{}); len(msgs) != 1 {
			t.Fatalf("a's conversation %s has %d messages, want 1", conv, len(msgs))
		}
	}
}

func errOf4[A, B, C any](_ A, _ B, _ C, err error) error { return err }

func errOf3[A, B any](_ A, _ B, err error) error { return err }

func TestAgentAuthorName(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "chat.db"))
	sess := session(t, s, "a")
	conv, _, _, err := s.CreateConversation(ctx, sess, NewMessage{Body: "hi", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	named, _, err := s.AgentReply(ctx, AgentReply{ConversationID: conv.ID, Body: "hello", AuthorName: "Dana", Now: t0})
	if err != nil || named.AuthorName != "Dana" {
		t.Fatalf("AgentReply = %+v, %v", named, err)
	}
	if _, _, err := s.AgentReply(ctx, AgentReply{ConversationID: conv.ID, Body: "anonymous agent", Now: t0}); err != nil {
		t.Fatal(err)
	}
	msgs, _, err := s.Messages(ctx, sess.CustomerID, conv.ID, Page{})
	if err != nil || len(msgs) != 3 || msgs[0].AuthorName != "" || msgs[1].AuthorName != "Dana" || msgs[2].AuthorName != "" {
		t.Fatalf("messages = %+v, %v", msgs, err)
	}
	var nulls int
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM messages WHERE author_name IS NULL`).Scan(&nulls); err != nil || nulls != 2 {
		t.Fatalf("%d NULL author names, want 2 (no name is NULL, not ''): %v", nulls, err)
	}
}

// A database made before authorName existed opens with its messages intact
// and nameless.
// databaseAt writes at path a database of the schema version given, as a binary of
// that time left it, with rows made by stmts.
func databaseAt(t *testing.T, path string, version int, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	qs := []string{`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`}
	for v := 1; v <= version; v++ {
		qs = append(qs, migrations[v], fmt.Sprintf(`INSERT INTO schema_migrations VALUES (%d, 0)`, v))
	}
	for _, q := range append(qs, stmts...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMigrationFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "chat.db")
	databaseAt(t, path, 1,
		`INSERT INTO customers (id, created_at, updated_at) VALUES ('c', 0, 0)`,
		`INSERT INTO conversations (id, customer_id, created_at, last_message_at) VALUES ('v', 'c', 0, 0)`,
		`INSERT INTO messages (id, conversation_id, customer_id, author, body, created_at) VALUES ('m', 'v', 'c', 'agent', 'old reply', 0)`)

	s := openTest(t, path)
	msgs, _, err := s.Messages(ctx, "c", "v", Page{})
	if err != nil || len(msgs) != 1 || msgs[0].Body != "old reply" || msgs[0].AuthorName != "" {
		t.Fatalf("messages after migrating = %+v, %v", msgs, err)
	}
}
