package service

import "testing"

// A login's cursor is the customer's latest seq as of the login,
// moved conversations included: polling after it gives what came later, nothing of
// that history, and nothing of another customer's.
func TestLoginAnswersTheCursorOfItsHistory(t *testing.T) {
	e := newEnv(t)
	if c := e.login(e.jwt("new@example.com", ""), "device-0", "").Cursor; c == nil || *c != 0 {
		t.Fatalf("a new customer's cursor = %v, want 0", c)
	}
	anon := e.anonymous("device-1")
	conv := e.createConversation(anon.SessionToken, "before logging in")
	reply := e.agentReply(conv.Conversation.ID, "history")
	other := e.anonymous("device-9")
	e.createConversation(other.SessionToken, "someone else, later")

	res := e.login(e.jwt("ann@example.com", ""), "device-1", anon.SessionToken)
	if res.Cursor == nil || *res.Cursor != reply.Seq {
		t.Fatalf("cursor = %v, want the moved history's latest seq %d", res.Cursor, reply.Seq)
	}
	later := e.agentReply(conv.Conversation.ID, "after the login")
	ev := e.events(res.SessionToken, "?after="+itoa(*res.Cursor))
	if len(ev.Messages) != 1 || ev.Messages[0].ID != later.ID {
		t.Fatalf("events after the login's cursor = %+v", ev.Messages)
	}
}
