package sdk

import (
	"time"

	"github.com/valyala/fastjson"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

// Delivery of the outbox. Every send goes through the outbox and is delivered on the
// worker, in outbox order, by the call that made it or by a flush job that a
// background retry queues like any call: so a logOut or logIn queued in between
// still settles in call order.

// sent is what the service stored for an entry.
type sent struct {
	conv *Conversation // for a newConversation entry
	msg  *Message
}

// permanent tells whether the service refused an entry for good, so that sending it
// again cannot help: it leaves the outbox, and its owner learns why.
func permanent(e *Error) bool {
	return e.Code == CodeNotFound || e.Code == CodeInvalidArgument
}

// kept is e for a message that stays in the outbox.
func kept(e *Error) *Error {
	return &Error{Code: e.Code, Err: e.Err,
		Message: e.Message + "; the message is kept on this device and will be sent when the service is back"}
}

// newEntry adds a message to the outbox and returns it.
func (c *Client) newEntry(conversationID, body string, newConversation bool) entry {
	en := entry{id: c.newUUID(), conversationID: conversationID, body: body, createdAt: timestamp(c.now()),
		newConversation: newConversation, deviceID: c.st.deviceID}
	c.editOutbox("", &en)
	return en
}

// deliverOwn delivers the outbox up to and including own, for the call that made
// own. A network failure is tried again twice within the call, shortly (the service
// may be restarting); after that the message waits for the background retry.
func (c *Client) deliverOwn(own entry) (sent, *Error) {
	// Renewed here, not by running the call again: that would type the message twice.
	s, e := c.deliver(&own)
	if e != nil && e.Err == errSessionEnded {
		anonymous := !c.st.identity.Verified
		renewed := c.renew()
		// A new conversation needs nothing of the ended anonymous visitor: the
		// fresh one the device becomes starts it.
		if !renewed && !(anonymous && own.newConversation) {
			// The device is a new visitor now, and its outbox went with the old one.
			e = &Error{Code: e.Code, Err: e.Err, Message: "the chat session ended; the message was not sent"}
			c.afterDelivery(e)
			return sent{}, e
		}
		if !renewed {
			// The old visitor's outbox went with it: the message joins the fresh
			// visitor's, so that a failure from here keeps it like any other.
			own.deviceID = c.st.deviceID
			c.editOutbox("", &own)
		}
		s, e = c.deliver(&own)
	}
	for _, wait := range c.sendRetries {
		if e == nil || e.Code != CodeNetworkError || !sleep(c.scope, wait) {
			break
		}
		s, e = c.deliver(&own)
	}
	c.afterDelivery(e)
	return s, e
}

// flush delivers the whole outbox, for a background retry or RetryPending.
func (c *Client) flush() {
	_, e := c.deliver(nil)
	if e != nil && e.Err == errSessionEnded && c.renew() {
		_, e = c.deliver(nil)
	}
	c.afterDelivery(e)
}

// deliver sends the outbox, oldest first, up to own (nil: all of it). It returns what
// the service stored for own, or the error that stopped it: own's refusal, or the
// failure that keeps own waiting. An earlier entry that the service refuses for good
// has no call left to tell: it goes with a warning.
func (c *Client) deliver(own *entry) (sent, *Error) {
	c.askedWait = 0
	last := ""
	for {
		entries := c.readOutbox()
		var next entry
		switch {
		case len(entries) > 0 && entries[0].id != last && (own == nil || contains(entries, own.id)):
			next = entries[0]
		case own != nil:
			// Own is gone from storage (another tab sent it), or the storage does not
			// remove what was sent: send own all the same; the service stores it once.
			next = *own
		default:
			return sent{}, nil
		}
		last = next.id
		isOwn := own != nil && next.id == own.id
		var s sent
		var e *Error
		// An entry sent already can come back through another tab's stale write.
		if !c.announced[next.id] {
			s, e = c.post(next)
		}
		if e != nil && !permanent(e) {
			return sent{}, kept(e)
		}
		c.editOutbox(next.id, nil)
		switch {
		case e == nil && s.msg != nil:
			c.announce(next, s)
			if isOwn {
				return s, nil
			}
		case isOwn:
			return sent{}, e
		case e != nil:
			c.warn("an unsent message was dropped: " + e.Message)
		}
	}
}

func contains(entries []entry, id string) bool {
	for _, en := range entries {
		if en.id == id {
			return true
		}
	}
	return false
}

// post sends one entry. A newConversation entry creates the anonymous customer first
// when the device has none yet: a visitor's first message may have been typed offline.
func (c *Client) post(en entry) (sent, *Error) {
	var body jsonObject
	var path string
	if en.newConversation {
		if e := c.ensureSession(); e != nil {
			return sent{}, e
		}
		path = contract.PathConversations
		body.str("id", en.conversationID)
		body.str("message", en.body)
		body.str("messageId", en.id)
	} else {
		var e *Error
		if path, e = c.conversationPath(en.conversationID, "/messages"); e != nil {
			return sent{}, e
		}
		body.str("id", en.id)
		body.str("body", en.body)
	}
	resp, e := c.send(c.scope, "POST", path, c.st.session, body.end())
	if e != nil {
		return sent{}, e
	}
	if !ok2xx(resp.Status) { // 201 stored now, 200 stored by an earlier attempt
		c.askedWait = retryAfter(resp) // the background retry waits at least that
		return sent{}, chatError(resp)
	}
	var s sent
	if e := decodeBody(resp.Body, func(key string, v *fastjson.Value) bool {
		switch key {
		case "conversation":
			return readObject(v, &s.conv)
		case "message":
			return readObject(v, &s.msg)
		}
		return true
	}); e != nil {
		return sent{}, e
	}
	if s.msg == nil || s.msg.ID == "" || en.newConversation && (s.conv == nil || s.conv.ID == "") {
		return sent{}, errUnreadable()
	}
	return s, nil
}

// announce emits the events of a stored entry, once per message in this tab.
func (c *Client) announce(en entry, s sent) {
	if c.announced == nil {
		c.announced = map[string]bool{}
	}
	c.announced[en.id] = true
	if s.conv != nil {
		conv := *s.conv // the listener's own copy: the call returns s.conv
		c.emit(EventConversationCreate, func(ev Events) { ev.ConversationCreate(&conv) })
	}
	msg := *s.msg
	c.emit(EventMessageSent, func(ev Events) { ev.MessageSent(&msg) })
}

// afterDelivery notes how a delivery ended. What still waits is "failed" when it
// failed, and keeps a background retry armed; an empty outbox disarms it.
func (c *Client) afterDelivery(e *Error) {
	c.deliveryFailed = e != nil && !permanent(e)
	waiting := len(c.readOutbox()) > 0
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiting = waiting
	if c.waiting {
		c.retryLater(c.askedWait)
	} else {
		c.stopRetry()
	}
}

// retryLater arms the background retry, unless it is armed or queued already, with
// the next backoff: 1 s, doubling to 30 s, and not before atLeast, the wait a
// rate-limited service asked for, which replaces any retry armed before.
// c.mu held.
func (c *Client) retryLater(atLeast time.Duration) {
	if c.retryTimer != nil && atLeast > 0 {
		c.retryTimer.Stop()
		c.retryTimer = nil
	}
	if c.retryTimer != nil || c.flushQueued || c.closed {
		return
	}
	c.retryDelay = c.nextBackoff(c.retryDelay)
	var t *time.Timer
	t = time.AfterFunc(max(c.retryDelay, atLeast), func() {
		c.mu.Lock()
		if c.retryTimer == t {
			c.retryTimer = nil
		}
		c.mu.Unlock()
		c.kickFlush()
	})
	c.retryTimer = t
}

// stopRetry disarms the background retry and resets its backoff. c.mu held.
func (c *Client) stopRetry() {
	if c.retryTimer != nil {
		c.retryTimer.Stop()
		c.retryTimer = nil
	}
	c.retryDelay = 0
}

// kickFlush queues a flush job, unless one is queued already.
func (c *Client) kickFlush() {
	c.mu.Lock()
	queued := c.flushQueued
	c.flushQueued = true
	if c.retryTimer != nil {
		c.retryTimer.Stop()
		c.retryTimer = nil
	}
	c.mu.Unlock()
	if queued {
		return
	}
	submit(c, func() (struct{}, *Error) {
		c.ensureLoaded()
		c.mu.Lock()
		c.flushQueued = false
		c.mu.Unlock()
		c.flush()
		return struct{}{}, nil
	})
}

// reached records whether a request got an answer from the service. A change fires
// onConnectionChange; the service coming back resets the background retry and sends
// what waits at once.
func (c *Client) reached(up bool) {
	c.connMu.Lock()
	c.mu.Lock()
	changed := c.connected != up
	c.connected = up
	kick := changed && up && c.waiting
	if changed && up {
		c.retryDelay = 0
	}
	c.mu.Unlock()
	if changed {
		c.emit(EventConnectionChange, func(ev Events) { ev.ConnectionChange(up) })
	}
	c.connMu.Unlock()
	if kick {
		c.kickFlush()
	}
}
