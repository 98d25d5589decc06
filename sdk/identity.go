package sdk

import (
	"github.com/valyala/fastjson"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

// identityResponse is the body of a login or of the anonymous customer's creation.
type identityResponse struct {
	Identity     *Identity
	SessionToken string
	Cursor       *int64 // a login's: the customer's latest seq when it loaded their history
}

func (r *identityResponse) read(key string, v *fastjson.Value) bool {
	switch key {
	case "identity":
		return readObject(v, &r.Identity)
	case "sessionToken":
		return readString(v, &r.SessionToken)
	case "cursor":
		r.Cursor = nil
		if v.Type() != fastjson.TypeNull {
			r.Cursor = new(int64)
			return readInt(v, r.Cursor)
		}
	}
	return true
}

// logIn checks the token locally, then has the service verify it. Nothing changes
// unless it succeeds. The token goes only into the request body.
func (c *Client) logIn(jwt string) (*Identity, *Error) {
	if jwt == "" {
		return nil, newError(CodeInvalidArgument, "logIn needs the token as a non-empty string")
	}
	claims, e := parseToken(jwt)
	if e != nil {
		return nil, e
	}
	if e := claims.checkTime(c.now()); e != nil {
		return nil, e
	}
	c.ensureLoaded()
	prev := c.st
	if prev.identity.Verified && claims.names(&prev.identity) {
		id := prev.identity
		return &id, nil
	}

	next, from, e := c.loginRequest(jwt, prev)
	if e != nil {
		return nil, e
	}
	if before := prev.verifiedCustomer(); before != "" && before != next.verifiedCustomer() {
		c.dropOutbox() // an anonymous visitor's messages go on: the service moved its conversations
	}
	c.st = next
	c.later(func() {
		c.persist(next)
		c.startPoller(next.session, from)
	})
	if prev.identity.Verified && prev.session != "" && prev.session != next.session {
		c.revokeInBackground(prev.session)
	}
	event := next.identity
	c.emit(EventLogin, func(ev Events) { ev.Login(&event) })
	result := next.identity
	return &result, nil
}

// loginRequest has the service verify jwt for the device of prev and returns the
// state it logs in and the seq its poller starts from (noCursor when the service did
// not say); it changes nothing.
func (c *Client) loginRequest(jwt string, prev state) (state, int64, *Error) {
	var body jsonObject
	body.str("apiKey", c.apiKey)
	body.str("jwt", jwt)
	body.str("trackingId", prev.deviceID)
	if !prev.identity.Verified {
		body.optStr("trackingToken", prev.session) // the anonymous customer's proof, if it exists
	}
	resp, e := c.sendLogIn(body.end())
	if e != nil {
		return state{}, noCursor, e
	}
	if !ok2xx(resp.Status) {
		return state{}, noCursor, loginError(resp)
	}
	var out identityResponse
	if e := decodeBody(resp.Body, out.read); e != nil {
		return state{}, noCursor, e
	}
	if out.Identity == nil || out.SessionToken == "" || !out.Identity.Verified {
		return state{}, noCursor, errUnreadable()
	}
	next := state{deviceID: prev.deviceID, identity: *out.Identity, session: out.SessionToken}
	if next.identity.TrackingID == "" {
		next.identity.TrackingID = prev.deviceID
	}
	if !next.coherent() {
		return state{}, noCursor, errUnreadable()
	}
	from := int64(noCursor)
	if out.Cursor != nil && *out.Cursor >= 0 {
		from = *out.Cursor
	}
	return next, from, nil
}

// revokeSession asks the service to end session; best effort, bounded by a short
// timeout, errors ignored.
func (c *Client) revokeSession(session string) {
	_, _ = c.sendTimeout(c.scope, "POST", contract.PathLogout, session, nil, min(logoutTimeout, c.timeout))
}

func (c *Client) revokeInBackground(session string) {
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		c.revokeSession(session)
	}()
}

// logOut revokes the session (best effort), then makes a fresh anonymous device. It
// always emits onLogout.
func (c *Client) logOut() {
	c.ensureLoaded()
	unread := c.stopPoller()
	ended := c.st.session
	// The device forgets first: another tab that finds the session revoked then reads
	// the logged-out state, instead of renewing the old one or warning that it ended.
	c.forget(unread, true)
	if ended != "" {
		c.revokeSession(ended)
	}
}

// forget makes the device a fresh anonymous one, without a word to the service;
// unread is the total the stopped poller last emitted.
func (c *Client) forget(unread int, loggedOut bool) {
	c.dropOutbox()
	c.st = c.freshState()
	c.persist(c.st)
	if loggedOut {
		c.emit(EventLogout, Events.Logout)
	}
	if unread > 0 {
		c.emit(EventUnread, func(ev Events) { ev.Unread(0) })
	}
}

func (c *Client) isLoggedIn(idType, id string) (bool, *Error) {
	if idType != "email" && idType != "userId" {
		return false, newError(CodeInvalidArgument, `isLoggedIn needs idType "email" or "userId"`)
	}
	c.ensureLoaded()
	ident := c.st.identity
	if !ident.Verified {
		return false, nil
	}
	if idType == "email" {
		return sameEmail(id, ident.Email), nil
	}
	return ident.ExternalID != "" && id == ident.ExternalID, nil
}

// verifiedCustomer is the customer id of a verified state, "" otherwise.
func (s state) verifiedCustomer() string {
	if s.identity.Verified {
		return s.identity.CustomerID
	}
	return ""
}

// reload takes the state, and the outbox, another tab stored. Before the first load
// there is nothing to compare with, so it only loads. Messages another tab added to
// the outbox are that tab's to send; this one arms its background retry in case the
// other tab goes away first.
func (c *Client) reload() {
	if !c.loaded {
		c.ensureLoaded()
		return
	}
	prev := c.st
	next := c.readState()
	c.st = next
	if len(c.readOutbox()) > 0 {
		c.mu.Lock()
		c.waiting = true
		c.retryLater(0)
		c.mu.Unlock()
	}
	unread := -1
	switch {
	case next.session == prev.session:
	case next.session != "" && prev.session != "" && next.identity.CustomerID == prev.identity.CustomerID:
		// Another tab renewed the session: the same customer, whose messages this tab's
		// poller goes on announcing from where it was.
		c.resumePoller(next.session, noCursor)
	default:
		unread = c.stopPoller()
		if next.session != "" {
			c.startPoller(next.session, noCursor) // another tab logged in: its page reads the history
		}
	}
	before, after := prev.verifiedCustomer(), next.verifiedCustomer()
	if before != after {
		if before != "" {
			c.emit(EventLogout, Events.Logout)
		}
		if after != "" {
			event := next.identity
			c.emit(EventLogin, func(ev Events) { ev.Login(&event) })
		}
	}
	if next.session == "" && unread > 0 {
		c.emit(EventUnread, func(ev Events) { ev.Unread(0) })
	}
}
