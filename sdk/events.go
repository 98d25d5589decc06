package sdk

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
)

// poller is the running event long-poll of one session.
type poller struct {
	cancel context.CancelFunc
	done   chan struct{}
	unread int // last total emitted, -1 before any; read by the worker only after done
}

type eventsResponse struct {
	Messages []Message `json:"messages"`
	Cursor   *int64    `json:"cursor"`
	Unread   int       `json:"unread"`
}

// startPoller replaces the running poller, if any, with one for session.
func (c *Client) startPoller(session string) {
	c.stopPoller()
	if session == "" || c.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(c.ctx)
	p := &poller{cancel: cancel, done: make(chan struct{}), unread: -1}
	c.poll = p
	go c.runPoller(ctx, p, session)
}

// stopPoller stops the running poller and waits until it has exited, so that no event
// of the old session follows. It returns the last unread total the poller emitted.
func (c *Client) stopPoller() int {
	p := c.poll
	if p == nil {
		return -1
	}
	c.poll = nil
	p.cancel()
	<-p.done
	return p.unread
}

// runPoller long-polls GET /v1/events: first without after, for the cursor, then with
// after=cursor&wait. It emits onMessageReceived for each message and onUnread when
// the total changes (the first answer counts as a change), and backs off 1 s to 30 s
// on errors. It never touches the call queue or the state.
func (c *Client) runPoller(ctx context.Context, p *poller, session string) {
	defer close(p.done)
	defer func() { _ = recover() }()
	var cursor int64
	haveCursor := false
	var backoff time.Duration
	for ctx.Err() == nil {
		path, timeout := "/v1/events", c.timeout
		if haveCursor {
			path += "?after=" + strconv.FormatInt(cursor, 10) + "&wait=" + strconv.Itoa(c.pollWait)
			timeout += time.Duration(c.pollWait) * time.Second
		}
		started := time.Now()
		resp, e := c.sendTimeout(ctx, "GET", path, session, nil, timeout)
		var out eventsResponse
		if e != nil || resp.Status != 200 || json.Unmarshal(resp.Body, &out) != nil || out.Cursor == nil {
			backoff = c.nextBackoff(backoff)
			if !sleep(ctx, backoff) {
				return
			}
			continue
		}
		backoff = 0
		for i := range out.Messages {
			if ctx.Err() != nil {
				return
			}
			m := out.Messages[i]
			c.emit(EventMessageReceived, &m)
		}
		if ctx.Err() != nil {
			return
		}
		if out.Unread != p.unread {
			p.unread = out.Unread
			c.emit(EventUnread, out.Unread)
		}
		waited := haveCursor
		cursor, haveCursor = *out.Cursor, true
		// A service that answers a long poll at once with nothing must not be hammered.
		if waited && len(out.Messages) == 0 && time.Since(started) < c.minPollGap {
			if !sleep(ctx, c.minPollGap) {
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

// sleep waits d or until ctx is done; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
