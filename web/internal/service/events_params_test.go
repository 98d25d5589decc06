package service

import (
	"context"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A wait past what an int64 of nanoseconds holds once overflowed into a
// negative duration: the poll subscribed to nothing and never answered.
func TestHugeWaitStillWakes(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	c := e.createConversation(s, "help").Conversation
	cursor := e.events(s, "").Cursor
	for _, wait := range []string{"9223372037", "99999999999999999999999999"} {
		answer := e.poll(context.Background(), s, "?after="+itoa(cursor)+"&wait="+wait)
		e.waitSubscribed(1)
		reply := e.agentReply(c.ID, "hello")
		select {
		case r := <-answer:
			if ev := decodeAs[eventsJSON](r.expect(200)); len(ev.Messages) != 1 || ev.Messages[0].ID != reply.ID {
				t.Fatalf("wait=%s: events %+v", wait, ev)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("wait=%s: the long poll did not wake", wait)
		}
		cursor = reply.Seq
		e.waitSubscribed(0)
	}
}

func TestEventsParametersClampedOrRefused(t *testing.T) {
	for query, want := range map[string]eventsQuery{
		"":                                 {after: -1, unread: -1},
		"after=0&wait=0&unread=0":          {},
		"after=007&wait=25&unread=3":       {after: 7, wait: 25 * time.Second, unread: 3},
		"wait=26":                          {after: -1, wait: 25 * time.Second, unread: -1},
		"wait=9223372037":                  {after: -1, wait: 25 * time.Second, unread: -1},
		"after=9223372036854775808":        {after: math.MaxInt64, unread: -1},
		"unread=9223372036854775807":       {after: -1, unread: math.MaxInt32},
		"after=" + strings.Repeat("9", 99): {after: math.MaxInt64, unread: -1},
	} {
		q, _ := url.ParseQuery(query)
		got, err := parseEventsQuery(q)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", query, got, err, want)
		}
	}
	for _, query := range []string{"after=", "after=-1", "after=+1", "after=-0", "after=1e3", "after=0x10", "after=%201",
		"after=1.0", "wait=-1", "wait=+5", "wait=5s", "wait=%E2%80%8B5", "unread=-1", "unread=", "unread=one", "after=١"} {
		q, _ := url.ParseQuery(query)
		if got, err := parseEventsQuery(q); err == nil {
			t.Errorf("%q accepted as %+v", query, got)
		}
	}
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	e.sdk("GET", "/v1/events?after=+1", s, nil).expectError(400, codeInvalidArgument)
	e.sdk("GET", "/v1/events?unread=-1&after=0", s, nil).expectError(400, codeInvalidArgument)
}

// FuzzEventsParameters holds, for any after, wait and unread, that a value is
// refused or lands in range, and that digits alone are always accepted.
func FuzzEventsParameters(f *testing.F) {
	f.Add("0", "25", "0")
	f.Add("9223372036854775808", "9223372037", "99999999999")
	f.Add("-1", "+5", "1e3")
	f.Fuzz(func(t *testing.T, after, wait, unread string) {
		q := url.Values{"after": {after}, "wait": {wait}, "unread": {unread}}
		got, err := parseEventsQuery(q)
		digits := func(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
		if err != nil {
			if digits(after) && (wait == "" || digits(wait)) && digits(unread) {
				t.Fatalf("%v refused: %v", q, err)
			}
			return
		}
		if !digits(after) || wait != "" && !digits(wait) || !digits(unread) {
			t.Fatalf("%v accepted as %+v", q, got)
		}
		if got.after < 0 || got.wait < 0 || got.wait > maxWait || got.unread < 0 {
			t.Fatalf("%v out of range: %+v", q, got)
		}
	})
}
