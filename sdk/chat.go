package sdk

import (
	"strconv"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

// ensureSession creates the anonymous customer of this device when it has no session
// yet: the service binds it to the device id and returns its session, which is also
// the device's tracking token.
func (c *Client) ensureSession() *Error {
	if c.st.session != "" {
		return nil
	}
	var body jsonObject
	body.str("trackingId", c.st.deviceID)
	resp, e := c.send(c.scope, "POST", contract.PathAnonymous, "", body.end())
	if e != nil {
		return e
	}
	if !ok2xx(resp.Status) {
		c.askedWait = retryAfter(resp) // too many new customers from this address
		return chatError(resp)
	}
	var out identityResponse
	if e := decodeBody(resp.Body, out.read); e != nil {
		return e
	}
	if out.Identity == nil || out.SessionToken == "" {
		return errUnreadable()
	}
	next := state{deviceID: c.st.deviceID, identity: *out.Identity, session: out.SessionToken}
	next.identity.Verified, next.identity.VerifiedAt = false, ""
	if next.identity.TrackingID == "" {
		next.identity.TrackingID = next.deviceID
	}
	if !next.coherent() {
		return errUnreadable()
	}
	c.st = next
	c.persist(next)
	c.startPoller(next.session, 0) // a new customer: every message of another session is news
	return nil
}

func (c *Client) createConversation(message string) (*Conversation, *Error) {
	if strings.TrimSpace(message) == "" {
		return nil, newError(CodeInvalidArgument, "createConversation needs a non-empty message")
	}
	c.ensureLoaded()
	// The ids are made here, so that every attempt is the same request to the service.
	s, e := c.deliverOwn(c.newEntry(c.newUUID(), message, true))
	if e != nil {
		return nil, e
	}
	return s.conv, nil
}

// conversationPath checks a conversation id and returns its path; an id the customer
// cannot have is NOT_FOUND without a request.
func (c *Client) conversationPath(conversationID, suffix string) (string, *Error) {
	if conversationID == "" {
		return "", newError(CodeInvalidArgument, "a conversation id is required")
	}
	c.ensureLoaded()
	if c.st.session == "" || conversationID == "." || conversationID == ".." {
		return "", newError(CodeNotFound, "conversation not found")
	}
	return contract.PathConversations + "/" + pathSegment(conversationID) + suffix, nil
}

func (c *Client) sendMessage(conversationID, text string) (*Message, *Error) {
	if conversationID == "" {
		return nil, newError(CodeInvalidArgument, "a conversation id is required")
	}
	if strings.TrimSpace(text) == "" {
		return nil, newError(CodeInvalidArgument, "sendMessage needs a non-empty text")
	}
	if _, e := c.conversationPath(conversationID, "/messages"); e != nil && !c.pendingConversation(conversationID) {
		return nil, e
	}
	s, e := c.deliverOwn(c.newEntry(conversationID, text, false))
	if e != nil {
		return nil, e
	}
	return s.msg, nil
}

func (c *Client) getConversations() ([]Conversation, *Error) {
	c.ensureLoaded()
	if c.st.session == "" {
		return []Conversation{}, nil
	}
	return getList[Conversation](c, contract.PathConversations, "conversations")
}

func (c *Client) getMessages(conversationID string) ([]Message, *Error) {
	path, e := c.conversationPath(conversationID, "/messages")
	if e != nil {
		return nil, e
	}
	return getList[Message](c, path, "messages")
}

// maxPages bounds the pages getList follows: 5,000 items at the service's 100 a page,
// far past any real visitor's history, and a bound on a service that never ends.
const maxPages = 50

// getList GETs path and the pages its "next" cursors name, and returns the items they
// hold under field: empty, not nil, when there are none. After maxPages it returns
// what it has, with a warning.
func getList[T any, P reader[T]](c *Client, path, field string) ([]T, *Error) {
	list := []T{}
	cursor := ""
	for range maxPages {
		p := path
		if cursor != "" {
			p += "?cursor=" + pathSegment(cursor)
		}
		resp, e := c.send(c.scope, "GET", p, c.st.session, nil)
		if e != nil {
			return nil, e
		}
		if !ok2xx(resp.Status) {
			return nil, chatError(resp)
		}
		var page []T
		next := ""
		if e := decodeBody(resp.Body, func(key string, v *fastjson.Value) bool {
			switch key {
			case field:
				return readList[T, P](v, &page)
			case "next":
				return v.Type() == fastjson.TypeNull || readString(v, &next)
			}
			return true
		}); e != nil {
			return nil, e
		}
		list = append(list, page...)
		if next == "" {
			return list, nil
		}
		cursor = next
	}
	c.warn("the chat service's list " + path + " had more than " + strconv.Itoa(maxPages) + " pages; the rest is left out")
	return list, nil
}

func (c *Client) getUnreadCount() (int, *Error) {
	conversations, e := c.getConversations()
	if e != nil {
		return 0, e
	}
	total := 0
	for _, conv := range conversations {
		if conv.Unread > 0 {
			total += conv.Unread
		}
	}
	return total, nil
}

func (c *Client) markRead(conversationID string) *Error {
	path, e := c.conversationPath(conversationID, "/read")
	if e != nil {
		return e
	}
	resp, e := c.send(c.scope, "POST", path, c.st.session, nil)
	if e != nil {
		return e
	}
	if !ok2xx(resp.Status) {
		return chatError(resp)
	}
	return nil
}
