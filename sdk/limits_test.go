package sdk

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func rateLimited(Request) (Response, error, bool) {
	return Response{Status: 429, Body: []byte(`{"error":{"code":"RATE_LIMITED","message":"x"}}`)}, nil, true
}

// A message the service refuses for now stays in the outbox, as when it is out of
// reach, and the background retry sends it once the limit passes.
func TestARateLimitedMessageIsKeptAndSentLater(t *testing.T) {
	e := newEnv(t)
	conv := must(t, e.c.CreateConversation("hello"))
	var refused atomic.Int32
	e.svc.setHook(func(r Request) (Response, error, bool) {
		if r.Method == "POST" && refused.Add(1) <= 3 {
			return rateLimited(r)
		}
		return Response{}, nil, false
	})
	err := mustFail(t, e.c.SendMessage(conv.ID, "later"), CodeRateLimited)
	if !strings.Contains(err.Message, "kept on this device") {
		t.Fatalf("message %q", err.Message)
	}
	e.rec.waitFor(t, isSent("later"))
	if got := e.svc.customerBodies(); strings.Join(got, ",") != "hello,later" {
		t.Fatalf("service stored %q", got)
	}
	if p := must(t, e.c.GetPendingMessages()); len(p) != 0 {
		t.Fatalf("pending %+v", p)
	}
	for _, w := range e.rec.warns() {
		if strings.Contains(w, "dropped") {
			t.Fatalf("warned %q", w)
		}
	}
}

// The poller waits longer after each 429 instead of asking again at once.
func TestThePollerBacksOffWhileRateLimited(t *testing.T) {
	e := newEnv(t)
	must(t, e.c.CreateConversation("hello"))
	e.rec.waitFor(t, isUnread(0))
	var polls atomic.Int32
	e.svc.setHook(func(r Request) (Response, error, bool) {
		if strings.Contains(r.URL, "/v1/events") {
			polls.Add(1)
			return rateLimited(r)
		}
		return Response{}, nil, false
	})
	c, err := newClient(Config{APIKey: testAPIKey, ServerURL: testBase, Storage: e.store, Transport: e.svc,
		Clock: e.clock, Emit: newRecorder().emit, Warn: e.rec.warn}, func(c *Client) {
		c.backoffMin, c.backoffMax, c.minPollGap = 20*time.Millisecond, 160*time.Millisecond, time.Millisecond
	})
	if err != nil {
		t.Fatal(err)
	}
	e.c.Close()
	polls.Store(0)
	must(t, c.GetIdentity()) // loads the stored session and starts its poller
	time.Sleep(500 * time.Millisecond)
	c.Close()
	// 20+40+80+160+160 ms: about 5 polls; without the backoff, thousands.
	if n := polls.Load(); n < 2 || n > 8 {
		t.Fatalf("%d polls in 500 ms while refused", n)
	}
}

// pagedHook answers GET path with pages of one item each, pages of them, the last
// with "next": null (never, when pages is 0), and records the cursors asked for.
func pagedHook(path, field string, pages int, cursors *[]string) func(Request) (Response, error, bool) {
	return func(r Request) (Response, error, bool) {
		u, query, _ := strings.Cut(strings.TrimPrefix(r.URL, testBase), "?")
		if r.Method != "GET" || u != path {
			return Response{}, nil, false
		}
		cursor := strings.TrimPrefix(query, "cursor=")
		*cursors = append(*cursors, cursor)
		n := len(*cursors)
		next := fmt.Sprintf(`"p%02d+x"`, n)
		if pages > 0 && n == pages {
			next = "null"
		}
		item := fmt.Sprintf(`{"id":"i%02d",`, n) + `"conversationId":"c","author":"agent","body":"b","createdAt":"2026-01-01T00:00:00.000Z"}`
		return Response{Status: 200, Body: []byte(`{"` + field + `":[` + item + `],"next":` + next + `}`)}, nil, true
	}
}

func TestListsFollowTheCursor(t *testing.T) {
	e := newEnv(t)
	conv := must(t, e.c.CreateConversation("hello"))
	var cursors []string
	e.svc.setHook(pagedHook("/v1/conversations/"+conv.ID+"/messages", "messages", 3, &cursors))
	msgs := must(t, e.c.GetMessages(conv.ID))
	if len(msgs) != 3 || msgs[0].ID != "i01" || msgs[2].ID != "i03" {
		t.Fatalf("messages %+v", msgs)
	}
	// The cursor goes back as given, escaped for the query.
	if strings.Join(cursors, ",") != ",p01%2Bx,p02%2Bx" {
		t.Fatalf("cursors %q", cursors)
	}

	cursors = nil
	e.svc.setHook(pagedHook("/v1/conversations", "conversations", 2, &cursors))
	if convs := must(t, e.c.GetConversations()); len(convs) != 2 {
		t.Fatalf("conversations %+v", convs)
	}
	if unread := must(t, e.c.GetUnreadCount()); unread != 0 {
		t.Fatalf("unread %d", unread)
	}
}

// A service whose pages never end costs maxPages requests, and the call still
// answers with what they held.
func TestListsStopAfterMaxPages(t *testing.T) {
	e := newEnv(t)
	conv := must(t, e.c.CreateConversation("hello"))
	var cursors []string
	e.svc.setHook(pagedHook("/v1/conversations/"+conv.ID+"/messages", "messages", 0, &cursors))
	msgs := must(t, e.c.GetMessages(conv.ID))
	if len(msgs) != maxPages || len(cursors) != maxPages {
		t.Fatalf("%d messages from %d requests, want %d", len(msgs), len(cursors), maxPages)
	}
	warned := false
	for _, w := range e.rec.warns() {
		warned = warned || strings.Contains(w, "pages")
	}
	if !warned {
		t.Fatalf("no warning: %q", e.rec.warns())
	}
}
