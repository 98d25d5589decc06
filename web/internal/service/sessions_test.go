package service

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// An expired session answers every session call as a revoked one does.
func TestExpiredSessionIsInvalid(t *testing.T) {
	e := newEnvWithStore(t, store.SQLiteOptions{Sessions: store.SessionPolicy{VerifiedIdle: time.Hour, AnonymousIdle: 2 * time.Hour}})
	s := e.login(e.jwt("ann@example.com", ""), "d1", "").SessionToken
	anon := e.anonymous("d2").SessionToken
	e.conversations(s)
	e.clock.Advance(61 * time.Minute)
	for _, q := range []struct{ method, path string }{
		{"GET", "/v1/conversations"}, {"GET", "/v1/events?after=0"}, {"POST", "/v1/conversations"},
	} {
		e.sdk(q.method, q.path, s, map[string]any{"message": "x"}).expectError(401, codeSessionInvalid)
	}
	e.conversations(anon)
	e.clock.Advance(121 * time.Minute)
	e.sdk("GET", "/v1/conversations", anon, nil).expectError(401, codeSessionInvalid)
}

// Fifty tabs of one device logging in at once leave one live session.
func TestRacingLoginsOfOneDeviceLeaveOneLiveSession(t *testing.T) {
	e := newEnv(t)
	tokens := make([]string, 50)
	var wg sync.WaitGroup
	for i := range tokens {
		wg.Go(func() { tokens[i] = e.login(e.jwt("ann@example.com", ""), "d1", "").SessionToken })
	}
	wg.Wait()
	live := 0
	for _, tok := range tokens {
		if r := e.sdk("GET", "/v1/conversations", tok, nil); r.Code == 200 {
			live++
		} else {
			r.expectError(401, codeSessionInvalid)
		}
	}
	if live != 1 {
		t.Fatalf("%d of 50 sessions live, want 1", live)
	}
}

// A long poll opened before a logout does not deliver what is stored after it.
func TestLongPollEndsWithItsSession(t *testing.T) {
	e := newEnv(t)
	s := e.login(e.jwt("ann@example.com", ""), "d1", "").SessionToken
	c := e.createConversation(s, "help").Conversation
	cursor := e.events(s, "").Cursor
	answer := e.poll(context.Background(), s, "?after="+itoa(cursor)+"&wait=20")
	e.waitSubscribed(1)
	e.sdk("POST", "/v1/identities/logout", s, nil).expect(204)
	e.agentReply(c.ID, "for the logged-out visitor's eyes only")
	select {
	case r := <-answer:
		r.expectError(401, codeSessionInvalid)
	case <-time.After(3 * time.Second):
		t.Fatal("the long poll did not answer")
	}
}

// A logout ends its session's waiting poll at once, with nothing stored to
// wake it; the same customer's poll on another device keeps waiting.
func TestLogoutEndsItsPollAtOnce(t *testing.T) {
	e := newEnv(t)
	jwt := e.jwt("ann@example.com", "")
	phone, laptop := e.login(jwt, "phone", "").SessionToken, e.login(jwt, "laptop", "").SessionToken
	cursor := e.events(phone, "").Cursor
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	phonePoll := e.poll(ctx, phone, "?after="+itoa(cursor)+"&wait=25")
	laptopPoll := e.poll(ctx, laptop, "?after="+itoa(cursor)+"&wait=25")
	e.waitSubscribed(2)
	e.sdk("POST", "/v1/identities/logout", phone, nil).expect(204)
	select {
	case r := <-phonePoll:
		r.expectError(401, codeSessionInvalid)
	case <-time.After(2 * time.Second):
		t.Fatal("the logged-out session's poll still waits")
	}
	select {
	case r := <-laptopPoll:
		t.Fatalf("the other device's poll answered %d %s", r.Code, r.Body)
	case <-time.After(200 * time.Millisecond):
	}
	e.waitSubscribed(1)
}

// A session that expires while its poll waits ends the poll with 401 rather
// than an answer.
func TestLongPollEndsWhenItsSessionExpires(t *testing.T) {
	e := newEnvWithStore(t, store.SQLiteOptions{Sessions: store.SessionPolicy{VerifiedIdle: time.Hour}})
	s := e.login(e.jwt("ann@example.com", ""), "d1", "").SessionToken
	cursor := e.events(s, "").Cursor
	answer := e.poll(context.Background(), s, "?after="+itoa(cursor)+"&wait=1")
	e.waitSubscribed(1)
	e.clock.Advance(2 * time.Hour)
	select {
	case r := <-answer:
		r.expectError(401, codeSessionInvalid)
	case <-time.After(3 * time.Second):
		t.Fatal("the long poll did not answer")
	}
}
