package service

import (
	"context"
	"testing"
	"time"
)

// poll runs a long poll in the background and delivers its answer.
func (e *env) poll(ctx context.Context, session, query string) <-chan response {
	ch := make(chan response, 1)
	go func() {
		ch <- e.do(req{Method: "GET", Path: "/v1/events" + query, APIKey: testAPIKey, Session: session, Ctx: ctx})
	}()
	return ch
}

// waitSubscribed returns once n long polls are waiting.
func (e *env) waitSubscribed(n int) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.notifier.count() != n {
		if time.Now().After(deadline) {
			e.t.Fatalf("%d long polls waiting, want %d", e.srv.notifier.count(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAgentReplyWakesLongPoll(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	c := e.createConversation(s, "help").Conversation
	cursor := e.events(s, "").Cursor

	answer := e.poll(context.Background(), s, "?after="+itoa(cursor)+"&wait=20")
	e.waitSubscribed(1)
	start := time.Now()
	reply := e.agentReply(c.ID, "hello from an agent")
	var r response
	select {
	case r = <-answer:
	case <-time.After(3 * time.Second):
		t.Fatal("the long poll did not wake for an agent reply")
	}
	latency := time.Since(start)
	t.Logf("agent reply reached the long poll in %v", latency)
	if latency > time.Second {
		t.Fatalf("woke after %v", latency)
	}
	ev := decodeAs[eventsJSON](r.expect(200))
	if len(ev.Messages) != 1 || ev.Messages[0].ID != reply.ID || ev.Messages[0].Author != "agent" {
		t.Fatalf("events = %+v", ev)
	}
	if ev.Cursor != reply.Seq || ev.Unread != 1 {
		t.Fatalf("cursor %d unread %d, want %d and 1", ev.Cursor, ev.Unread, reply.Seq)
	}
	e.waitSubscribed(0)
}

func TestEventsExcludeOwnMessagesIncludeOtherDevices(t *testing.T) {
	e := newEnv(t)
	phone := e.login(e.jwt("ann@example.com", ""), "phone", "").SessionToken
	laptop := e.login(e.jwt("ann@example.com", ""), "laptop", "").SessionToken
	start := e.events(phone, "").Cursor

	c := e.createConversation(phone, "sent from the phone")
	own := e.events(phone, "?after="+itoa(start))
	if len(own.Messages) != 0 {
		t.Fatalf("the phone got its own message back: %+v", own.Messages)
	}
	if own.Cursor != c.Message.Seq {
		t.Fatalf("cursor %d, want the customer's latest seq %d", own.Cursor, c.Message.Seq)
	}
	seen := e.events(laptop, "?after="+itoa(start))
	if len(seen.Messages) != 1 || seen.Messages[0].ID != c.Message.ID || seen.Cursor != c.Message.Seq {
		t.Fatalf("laptop events = %+v", seen)
	}

	// A long poll is woken by the other device's message, not by its own.
	answer := e.poll(context.Background(), laptop, "?after="+itoa(seen.Cursor)+"&wait=20")
	e.waitSubscribed(1)
	fromPhone := e.send(phone, c.Conversation.ID, "phone again")
	select {
	case r := <-answer:
		ev := decodeAs[eventsJSON](r.expect(200))
		if len(ev.Messages) != 1 || ev.Messages[0].ID != fromPhone.ID {
			t.Fatalf("laptop long poll = %+v", ev)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("another device's message did not wake the long poll")
	}

	answer = e.poll(context.Background(), phone, "?after="+itoa(fromPhone.Seq)+"&wait=1")
	e.waitSubscribed(1)
	mine := e.send(phone, c.Conversation.ID, "my own")
	r := <-answer
	ev := decodeAs[eventsJSON](r.expect(200))
	if len(ev.Messages) != 0 || ev.Cursor != mine.Seq {
		t.Fatalf("own message in long poll: %+v, want none and cursor %d", ev, mine.Seq)
	}

	// Another customer's messages never wake or reach it.
	bob := e.login(e.jwt("", "bob-42"), "b", "").SessionToken
	e.createConversation(bob, "bob")
	all := e.events(laptop, "?after=0")
	if len(all.Messages) != 3 || all.Cursor != mine.Seq {
		t.Fatalf("laptop events from 0 = %+v, want ann's 3 messages up to seq %d", all, mine.Seq)
	}
	if ev := e.events(phone, "?after=0"); len(ev.Messages) != 0 || ev.Cursor != mine.Seq {
		t.Fatalf("phone events from 0 = %+v, want none of its own and not bob's seq", ev)
	}
}

func TestLongPollReturnsWhenClientLeaves(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	ctx, cancel := context.WithCancel(context.Background())
	answer := e.poll(ctx, s, "?after=0&wait=25")
	e.waitSubscribed(1)
	start := time.Now()
	cancel()
	select {
	case <-answer:
	case <-time.After(2 * time.Second):
		t.Fatal("the long poll kept waiting after the client left")
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("returned %v after the client left", d)
	}
	e.waitSubscribed(0)
}

func TestEventsImmediateAnswers(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	empty := e.events(s, "")
	if empty.Messages == nil || len(empty.Messages) != 0 || empty.Cursor != 0 || empty.Unread != 0 {
		t.Fatalf("fresh customer events = %+v", empty)
	}
	c := e.createConversation(s, "x").Conversation
	r1 := e.agentReply(c.ID, "one")
	r2 := e.agentReply(c.ID, "two")
	// Without after: no messages, the current cursor, even with wait.
	start := time.Now()
	now := e.events(s, "?wait=5")
	if len(now.Messages) != 0 || now.Cursor != r2.Seq || now.Unread != 2 {
		t.Fatalf("events without after = %+v", now)
	}
	// With messages pending, wait does not delay the answer.
	got := e.events(s, "?after="+itoa(r1.Seq-1)+"&wait=25")
	if len(got.Messages) != 2 || got.Messages[0].ID != r1.ID || got.Messages[1].ID != r2.ID || got.Cursor != r2.Seq {
		t.Fatalf("events = %+v", got)
	}
	// wait=0 answers at once, empty.
	if none := e.events(s, "?after="+itoa(r2.Seq)); len(none.Messages) != 0 || none.Cursor != r2.Seq {
		t.Fatalf("nothing new = %+v", none)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("immediate answers took %v", d)
	}
	for _, q := range []string{"?after=-1", "?after=x", "?after=1&wait=-1", "?after=1&wait=soon",
		"?after=1&unread=-1", "?after=1&unread=x", "?after=1&unread=", "?unread=1.5", "?wait=soon"} {
		e.sdk("GET", "/v1/events"+q, s, nil).expectError(400, codeInvalidArgument)
	}
}

// A markRead on one device reaches the unread badge of another at once,
// though no message comes with it.
func TestMarkReadAnswersLongPollThatSawAnotherUnread(t *testing.T) {
	e := newEnv(t)
	phone := e.login(e.jwt("ann@example.com", ""), "phone", "").SessionToken
	laptop := e.login(e.jwt("ann@example.com", ""), "laptop", "").SessionToken
	c := e.createConversation(phone, "help").Conversation
	e.agentReply(c.ID, "hello")
	seen := e.events(laptop, "")
	if seen.Unread != 1 {
		t.Fatalf("unread %d, want 1", seen.Unread)
	}
	query := "?after=" + itoa(seen.Cursor) + "&wait=20&unread="

	// A total the client has not seen answers at once.
	start := time.Now()
	if ev := e.events(laptop, query+"0"); ev.Unread != 1 || len(ev.Messages) != 0 || ev.Cursor != seen.Cursor {
		t.Fatalf("events with a stale unread = %+v", ev)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("a stale unread answered after %v", d)
	}

	answer := e.poll(context.Background(), laptop, query+"1")
	e.waitSubscribed(1)
	start = time.Now()
	e.sdk("POST", "/v1/conversations/"+c.ID+"/read", phone, nil).expect(204)
	var r response
	select {
	case r = <-answer:
	case <-time.After(3 * time.Second):
		t.Fatal("markRead on another device did not answer the long poll")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("answered %v after markRead", d)
	}
	if ev := decodeAs[eventsJSON](r.expect(200)); ev.Unread != 0 || len(ev.Messages) != 0 || ev.Cursor != seen.Cursor {
		t.Fatalf("events after markRead = %+v, want unread 0 and no messages", ev)
	}

	// The total the client shows is no news: the poll waits as before.
	answer = e.poll(context.Background(), laptop, "?after="+itoa(seen.Cursor)+"&wait=1&unread=0")
	e.waitSubscribed(1)
	start = time.Now()
	e.sdk("POST", "/v1/conversations/"+c.ID+"/read", phone, nil).expect(204)
	ev := decodeAs[eventsJSON]((<-answer).expect(200))
	if d := time.Since(start); d < 900*time.Millisecond || len(ev.Messages) != 0 || ev.Unread != 0 {
		t.Fatalf("answered %+v after %v, want the full wait", ev, d)
	}
}
