package sdk

import (
	"fmt"
	"strings"
	"sync"
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
		Clock: e.clock, Events: eventLog(newRecorder().emit), Warn: e.rec.warn}, func(c *Client) {
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

func rateLimitedFor(secs string) func(Request) (Response, error, bool) {
	return func(r Request) (Response, error, bool) {
		resp, _, _ := rateLimited(r)
		resp.RetryAfter = secs
		return resp, nil, true
	}
}

func TestRetryAfterIsReadAsBoundedSeconds(t *testing.T) {
	cases := []struct {
		status int
		header string
		want   time.Duration
	}{
		{429, "3", 3 * time.Second},
		{429, "0", 0},
		{429, "", 0},
		{429, "600", maxRetryAfter},
		{429, "99999999999999999999", 0},
		{429, "-1", 0},
		{429, "1.5", 0},
		{429, "Wed, 21 Oct 2026 07:28:00 GMT", 0},
		{503, "3", 0},
	}
	for _, tc := range cases {
		if got := retryAfter(Response{Status: tc.status, RetryAfter: tc.header}); got != tc.want {
			t.Errorf("%d Retry-After %q: %v, want %v", tc.status, tc.header, got, tc.want)
		}
	}
}

// The outbox's background retry waits at least the Retry-After of a 429, even though
// its own backoff (a few ms in these tests) is shorter; then it delivers.
func TestTheOutboxWaitsTheRetryAfterOfA429(t *testing.T) {
	e := newEnv(t)
	conv := must(t, e.c.CreateConversation("hello"))
	var mu sync.Mutex
	var posts []time.Time
	e.svc.setHook(func(r Request) (Response, error, bool) {
		if r.Method != "POST" {
			return Response{}, nil, false
		}
		mu.Lock()
		defer mu.Unlock()
		posts = append(posts, time.Now())
		if len(posts) == 1 {
			return rateLimitedFor("1")(r)
		}
		return Response{}, nil, false
	})
	mustFail(t, e.c.SendMessage(conv.ID, "later"), CodeRateLimited)
	e.rec.waitFor(t, isSent("later"))
	mu.Lock()
	defer mu.Unlock()
	if len(posts) != 2 {
		t.Fatalf("%d attempts, want the refused one and one after the wait", len(posts))
	}
	if gap := posts[1].Sub(posts[0]); gap < time.Second {
		t.Fatalf("the retry came %v after a 429 asking for 1 s", gap)
	}
}

// The poller, refused with Retry-After, waits that long before it polls again, though
// its own backoff is shorter.
func TestThePollerWaitsTheRetryAfterOfA429(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var polls []time.Time
	e.svc.setHook(func(r Request) (Response, error, bool) {
		if !strings.Contains(r.URL, "/v1/events") {
			return Response{}, nil, false
		}
		mu.Lock()
		defer mu.Unlock()
		polls = append(polls, time.Now())
		if len(polls) == 1 {
			return rateLimitedFor("1")(r)
		}
		return Response{}, nil, false
	})
	must(t, e.c.CreateConversation("hello"))
	e.rec.waitFor(t, isUnread(0))
	mu.Lock()
	defer mu.Unlock()
	if gap := polls[1].Sub(polls[0]); gap < time.Second {
		t.Fatalf("the poller polled again %v after a 429 asking for 1 s", gap)
	}
}
