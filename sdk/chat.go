package sdk

import "strings"

// ensureSession creates the anonymous customer of this device when it has no session
// yet: the service binds it to the device id and returns its session, which is also
// the device's tracking token.
func (c *Client) ensureSession() *Error {
	if c.st.session != "" {
		return nil
	}
	resp, e := c.send(c.ctx, "POST", "/v1/identities/anonymous", "", map[string]string{"trackingId": c.st.deviceID})
	if e != nil {
		return e
	}
	if !ok2xx(resp.Status) {
		return chatError(resp)
	}
	var out identityResponse
	if e := decodeBody(resp.Body, &out); e != nil {
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
	c.startPoller(next.session)
	return nil
}

func (c *Client) createConversation(message string) (*Conversation, *Error) {
	if strings.TrimSpace(message) == "" {
		return nil, newError(CodeInvalidArgument, "createConversation needs a non-empty message")
	}
	c.ensureLoaded()
	if e := c.ensureSession(); e != nil {
		return nil, e
	}
	resp, e := c.send(c.ctx, "POST", "/v1/conversations", c.st.session, map[string]string{"message": message})
	if e != nil {
		return nil, e
	}
	if !ok2xx(resp.Status) {
		return nil, chatError(resp)
	}
	var out struct {
		Conversation *Conversation `json:"conversation"`
	}
	if e := decodeBody(resp.Body, &out); e != nil {
		return nil, e
	}
	if out.Conversation == nil || out.Conversation.ID == "" {
		return nil, errUnreadable()
	}
	event := *out.Conversation
	c.emit(EventConversationCreate, &event)
	return out.Conversation, nil
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
	return "/v1/conversations/" + pathSegment(conversationID) + suffix, nil
}

func (c *Client) sendMessage(conversationID, text string) (*Message, *Error) {
	if conversationID == "" {
		return nil, newError(CodeInvalidArgument, "a conversation id is required")
	}
	if strings.TrimSpace(text) == "" {
		return nil, newError(CodeInvalidArgument, "sendMessage needs a non-empty text")
	}
	path, e := c.conversationPath(conversationID, "/messages")
	if e != nil {
		return nil, e
	}
	resp, e := c.send(c.ctx, "POST", path, c.st.session, map[string]string{"body": text})
	if e != nil {
		return nil, e
	}
	if !ok2xx(resp.Status) {
		return nil, chatError(resp)
	}
	var out struct {
		Message *Message `json:"message"`
	}
	if e := decodeBody(resp.Body, &out); e != nil {
		return nil, e
	}
	if out.Message == nil || out.Message.ID == "" {
		return nil, errUnreadable()
	}
	return out.Message, nil
}

func (c *Client) getConversations() ([]Conversation, *Error) {
	c.ensureLoaded()
	if c.st.session == "" {
		return []Conversation{}, nil
	}
	resp, e := c.send(c.ctx, "GET", "/v1/conversations", c.st.session, nil)
	if e != nil {
		return nil, e
	}
	if !ok2xx(resp.Status) {
		return nil, chatError(resp)
	}
	var out struct {
		Conversations []Conversation `json:"conversations"`
	}
	if e := decodeBody(resp.Body, &out); e != nil {
		return nil, e
	}
	if out.Conversations == nil {
		out.Conversations = []Conversation{}
	}
	return out.Conversations, nil
}

func (c *Client) getMessages(conversationID string) ([]Message, *Error) {
	path, e := c.conversationPath(conversationID, "/messages")
	if e != nil {
		return nil, e
	}
	resp, e := c.send(c.ctx, "GET", path, c.st.session, nil)
	if e != nil {
		return nil, e
	}
	if !ok2xx(resp.Status) {
		return nil, chatError(resp)
	}
	var out struct {
		Messages []Message `json:"messages"`
	}
	if e := decodeBody(resp.Body, &out); e != nil {
		return nil, e
	}
	if out.Messages == nil {
		out.Messages = []Message{}
	}
	return out.Messages, nil
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
	resp, e := c.send(c.ctx, "POST", path, c.st.session, nil)
	if e != nil {
		return e
	}
	if !ok2xx(resp.Status) {
		return chatError(resp)
	}
	return nil
}
