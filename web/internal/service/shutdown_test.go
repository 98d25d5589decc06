package service

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// A request whose context ends before its write is handed to the store (the
// client left, the server is going) answers 503 with the API's error body:
// net/http would otherwise send an empty 200 for a message never stored.
func TestCancelledRequestAnswers503(t *testing.T) {
	e := newEnv(t)
	sess := e.anonymous("d1").SessionToken
	conv := e.createConversation(sess, "hello")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e.do(req{Method: "POST", Path: "/v1/conversations/" + conv.Conversation.ID + "/messages", APIKey: testAPIKey,
		Session: sess, Body: map[string]string{"body": "lost?"}, Ctx: ctx}).expectError(503, codeServerError)
	msgs := e.sdk("GET", "/v1/conversations/"+conv.Conversation.ID+"/messages", sess, nil).expect(200)
	if strings.Contains(string(msgs.Body), "lost?") {
		t.Fatal("a message answered 503 was stored")
	}
}

// A write the store cannot make for a cause on the machine answers 503.
func TestDeletedDatabaseAnswers503(t *testing.T) {
	e := newEnv(t)
	sess := e.anonymous("d1").SessionToken
	if err := os.Remove(e.path); err != nil {
		t.Fatal(err)
	}
	e.sdk("POST", "/v1/conversations", sess, map[string]string{"message": "hello"}).expectError(503, codeServerError)
}

func TestStoppingEndsLongPolls(t *testing.T) {
	stopping := make(chan struct{})
	e := newEnv(t, func(o *Options) { o.Stopping = stopping })
	sess := e.anonymous("d1").SessionToken
	done := make(chan response, 1)
	go func() { done <- e.sdk("GET", "/v1/events?after=0&wait=25", sess, nil) }()
	time.Sleep(50 * time.Millisecond)
	close(stopping)
	select {
	case r := <-done:
		r.expect(200)
	case <-time.After(2 * time.Second):
		t.Fatal("a long poll outlived the start of shutdown")
	}
}
