package sdk

import (
	"strconv"
	"time"

	"github.com/valyala/fastjson"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

// poller is the running event long-poll of one session.
type poller struct {
	scope  *scope
	done   chan struct{}
	unread int // last total emitted, -1 before any; read by the worker only after done
	// cursor is where the poller is, when haveCursor; a renewed session's poller goes
	// on from it, so that what came while the session was being renewed still arrives.
	cursor     int64
	haveCursor bool
}

// eventsResponse is the body of GET /v1/events.
type eventsResponse struct {
	Messages []Message
	Cursor   *int64
	Unread   int
}

func (r *eventsResponse) read(key string, v *fastjson.Value) bool {
	switch key {
	case "messages":
		return readList(v, &r.Messages)
	case "cursor":
		r.Cursor = nil
		if v.Type() != fastjson.TypeNull {
			r.Cursor = new(int64)
			return readInt(v, r.Cursor)
		}
	case "unread":
		return readInt(v, &r.Unread)
	}
	return true
}

// noCursor is a poller's start when the device knows no seq of its customer: a page
// that found a stored session. Its first poll asks the service for the current cursor;
// what was stored before is history, which the page reads with getMessages.
const noCursor = -1

// startPoller replaces the running poller, if any, with one for session that
// announces every message after the seq from: for a customer the device has just
// created, 0; after a logIn, the service's latest seq when it loaded the customer's
// history. A message stored before the poller's first answer then still arrives, and
// none the device has seen arrives again (the service leaves out the device's own).
func (c *Client) startPoller(session string, from int64) {
	c.stopPoller()
	c.runPollerFrom(session, &poller{unread: -1, cursor: from, haveCursor: from >= 0})
}

// resumePoller replaces the running poller with one for session that goes on where
// the old one was: the same customer's new session, whose login answered at seq
// login. The service leaves out what this device sent on any of its sessions, so
// nothing of the old session's comes again.
func (c *Client) resumePoller(session string, login int64) {
	old := c.poll
	c.stopPoller()
	from := &poller{unread: -1, cursor: login, haveCursor: login >= 0}
	if old != nil && old.haveCursor {
		from = &poller{unread: old.unread, cursor: old.cursor, haveCursor: true}
	}
	c.runPollerFrom(session, from)
}

func (c *Client) runPollerFrom(session string, p *poller) {
	if session == "" || c.scope.ended() {
		return
	}
	p.scope, p.done = c.scope.child(), make(chan struct{})
	c.poll = p
	go c.runPoller(p.scope, p, session)
}

// stopPoller stops the running poller and waits until it has exited, so that no event
// of the old session follows. It returns the last unread total the poller emitted.
func (c *Client) stopPoller() int {
	p := c.poll
	if p == nil {
		return -1
	}
	c.poll = nil
	p.scope.cancel()
	<-p.done
	return p.unread
}

// runPoller long-polls GET /v1/events: first without wait, from its start cursor (or
// without after, for the current one) to learn the unread total, then with
// after=cursor&wait&unread=<the last total>, which the service answers at once when
// the total differs: a markRead on any device then reaches every device. It emits
// onMessageReceived for each message and onUnread when the total changes (the first
// answer counts as a change), and backs off 1 s to 30 s on errors, at least the Retry-After of a 429. It never touches
// the call queue or the state.
func (c *Client) runPoller(sc *scope, p *poller, session string) {
	defer close(p.done)
	defer func() { _ = recover() }()
	cursor, haveCursor := p.cursor, p.haveCursor
	defer func() { p.cursor, p.haveCursor = cursor, haveCursor }()
	var backoff time.Duration
	for !sc.ended() {
		path, timeout := contract.PathEvents, c.timeout
		waits := haveCursor && p.unread >= 0
		if haveCursor {
			path += "?after=" + strconv.FormatInt(cursor, 10)
		}
		if waits {
			path += "&wait=" + strconv.Itoa(c.pollWait) + "&unread=" + strconv.Itoa(p.unread)
			timeout += time.Duration(c.pollWait) * time.Second
		}
		started := time.Now()
		resp, e := c.sendTimeout(sc, "GET", path, session, nil, timeout)
		if e == nil && sessionEnded(resp) && !sc.ended() {
			c.pollerSessionEnded(session)
			return
		}
		var out eventsResponse
		if e != nil || resp.Status != 200 || !readBody(resp.Body, out.read) || out.Cursor == nil {
			backoff = c.nextBackoff(backoff)
			// A refused poll (too many waiting) waits as long as the service asked.
			if !sleep(sc, max(backoff, retryAfter(resp))) {
				return
			}
			continue
		}
		backoff = 0
		for i := range out.Messages {
			if sc.ended() {
				return
			}
			m := out.Messages[i]
			c.emit(EventMessageReceived, func(ev Events) { ev.MessageReceived(&m) })
		}
		if sc.ended() {
			return
		}
		news := len(out.Messages) > 0 || out.Unread != p.unread
		if out.Unread != p.unread {
			p.unread = out.Unread
			unread := out.Unread
			c.emit(EventUnread, func(ev Events) { ev.Unread(unread) })
		}
		cursor, haveCursor = *out.Cursor, true
		// A service that answers a long poll at once with nothing new must not be
		// hammered. A new total is news: a markRead woke the poll, and an agent's next
		// reply must not wait out the gap.
		if waits && !news && time.Since(started) < c.minPollGap {
			if !sleep(sc, c.minPollGap) {
				return
			}
		}
	}
}

// nextBackoff doubles the wait after each failure, from backoffMin up to backoffMax.
func (c *Client) nextBackoff(b time.Duration) time.Duration {
	if b <= 0 {
		return c.backoffMin
	}
	return min(2*b, c.backoffMax)
}

// sleep waits d or until sc ends; it reports whether sc is still live. It uses
// AfterFunc, not a Timer: a Timer's channel of time.Time, held in an interface inside
// package time, would link time's formatter (see scope).
func sleep(sc *scope, d time.Duration) bool {
	wake := make(chan struct{})
	t := time.AfterFunc(d, func() { close(wake) })
	defer t.Stop()
	select {
	case <-wake:
		return true
	case <-sc.done():
		return false
	}
}
