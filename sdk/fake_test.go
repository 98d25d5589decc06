package sdk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

const (
	testBase   = "http://chat.test"
	testAPIKey = "pk_test_1"
)

var testSecret = []byte("org-secret")

// fakeClock is a Clock moved by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// failingStorage fails every operation.
type failingStorage struct {
	mu    sync.Mutex
	calls int
	panic bool
}

func (s *failingStorage) hit() {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	if s.panic {
		panic("storage exploded")
	}
}
func (s *failingStorage) Get(string) (string, bool, error) {
	s.hit()
	return "", false, errors.New("SecurityError: access denied")
}
func (s *failingStorage) Set(string, string) error { s.hit(); return errors.New("QuotaExceededError") }
func (s *failingStorage) Remove(string) error      { s.hit(); return errors.New("SecurityError") }

// fakeService implements the API.md endpoints in memory.
type fakeService struct {
	mu        sync.Mutex
	clock     *fakeClock
	n         int
	customers map[string]*fCustomer // by id
	tracking  map[string]*Identity  // by customerId + "/" + trackingId
	sessions  map[string]*fSession
	convs     map[string]*fConv
	msgs      []*fMsg
	reqs      []Request
	changed   chan struct{}
	hook      func(Request) (Response, error, bool) // answers instead of the service when ok
}

type fCustomer struct {
	id, email, externalID, verifiedAt, createdAt string
	verified                                     bool
}

type fSession struct {
	token, customerID, trackingID string
	anonymous, revoked            bool
}

type fConv struct {
	id, customerID, createdAt, lastMessageAt, preview string
	readSeq                                           int64
}

type fMsg struct {
	Message
	customerID, session string
}

func newFakeService(clock *fakeClock) *fakeService {
	return &fakeService{
		clock:     clock,
		customers: map[string]*fCustomer{},
		tracking:  map[string]*Identity{},
		sessions:  map[string]*fSession{},
		convs:     map[string]*fConv{},
		changed:   make(chan struct{}),
	}
}

func (s *fakeService) setHook(h func(Request) (Response, error, bool)) {
	s.mu.Lock()
	s.hook = h
	s.mu.Unlock()
}

// requests returns the recorded requests whose path starts with prefix ("" for all).
func (s *fakeService) requests(prefix string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.reqs {
		if strings.HasPrefix(strings.TrimPrefix(r.URL, testBase), prefix) {
			out = append(out, r)
		}
	}
	return out
}

// chatRequests are the recorded requests other than the event poll.
func (s *fakeService) chatRequests() []Request {
	var out []Request
	for _, r := range s.requests("") {
		if !strings.HasPrefix(strings.TrimPrefix(r.URL, testBase), "/v1/events") {
			out = append(out, r)
		}
	}
	return out
}

func (s *fakeService) newID(prefix string) string {
	s.n++
	return prefix + "-" + strconv.Itoa(s.n)
}

func (s *fakeService) now() string { return timestamp(s.clock.Now()) }

func reply(status int, v any) (Response, error) {
	if v == nil {
		return Response{Status: status}, nil
	}
	b, _ := json.Marshal(v)
	return Response{Status: status, Body: b}, nil
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func fail(status int, code string) (Response, error) {
	return reply(status, map[string]any{"error": map[string]string{"code": code, "message": "refused"}})
}

func (s *fakeService) Do(cancel <-chan struct{}, req Request) (Response, error) {
	s.mu.Lock()
	r := req
	r.Header = map[string]string{}
	for k, v := range req.Header {
		r.Header[k] = v
	}
	if !isClosed(cancel) { // checked under the lock: a request cancelled before it was sent is not recorded
		s.reqs = append(s.reqs, r)
	}
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		if resp, err, ok := hook(req); ok {
			return resp, err
		}
	}
	return s.serve(cancel, req)
}

// serve answers req as the service does, without recording it or asking the hook: a
// hook calls it to let the service store a request whose answer it then loses.
func (s *fakeService) serve(cancel <-chan struct{}, req Request) (Response, error) {
	if isClosed(cancel) {
		return Response{}, context.Canceled
	}
	if !strings.HasPrefix(req.URL, testBase+"/") {
		return fail(404, contract.CodeNotFound)
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return fail(400, contract.CodeInvalidArgument)
	}
	route := req.Method + " " + u.EscapedPath()
	if route == "POST /v1/identities/login" { // a CORS-simple request: the API key is in the body
		return s.login(req)
	}
	if req.Header["X-Kustomer-Api-Key"] != testAPIKey {
		return fail(401, contract.CodeTokenRejected)
	}
	switch route {
	case "POST /v1/identities/anonymous":
		return s.anonymous(req)
	case "POST /v1/identities/logout":
		s.mu.Lock()
		if sess := s.sessions[bearer(req)]; sess != nil {
			sess.revoked = true
		}
		s.mu.Unlock()
		return reply(204, nil)
	}
	s.mu.Lock()
	sess := s.sessions[bearer(req)]
	valid := sess != nil && !sess.revoked
	s.mu.Unlock()
	if !valid {
		return fail(401, contract.CodeSessionInvalid)
	}
	parts := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/v1/"), "/")
	switch {
	case route == "GET /v1/conversations":
		s.mu.Lock()
		defer s.mu.Unlock()
		return reply(200, map[string]any{"conversations": s.conversationsOf(sess.customerID)})
	case route == "POST /v1/conversations":
		var body struct {
			ID        string `json:"id"`
			Message   string `json:"message"`
			MessageID string `json:"messageId"`
		}
		if json.Unmarshal(req.Body, &body) != nil || strings.TrimSpace(body.Message) == "" {
			return fail(400, contract.CodeInvalidArgument)
		}
		convID, ok1 := canonicalID(body.ID)
		msgID, ok2 := canonicalID(body.MessageID)
		if !ok1 || !ok2 {
			return fail(400, contract.CodeInvalidArgument)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if conv := s.convs[convID]; conv != nil { // a repeat
			if conv.customerID != sess.customerID {
				return fail(409, contract.CodeConflict)
			}
			first := s.messageByID(msgID)
			if first == nil {
				for _, m := range s.msgs {
					if m.ConversationID == convID {
						first = m
						break
					}
				}
			}
			if first.ConversationID != convID {
				return fail(409, contract.CodeConflict)
			}
			return reply(200, map[string]any{"conversation": s.convJSON(conv), "message": msgJSON(first.Message)})
		}
		if s.messageByID(msgID) != nil {
			return fail(409, contract.CodeConflict)
		}
		if convID == "" {
			convID = s.newID("conv")
		}
		conv := &fConv{id: convID, customerID: sess.customerID, createdAt: s.now()}
		s.convs[conv.id] = conv
		m := s.addMessage(conv, msgID, "", body.Message, sess.token)
		return reply(201, map[string]any{"conversation": s.convJSON(conv), "message": msgJSON(m)})
	case len(parts) == 3 && parts[0] == "conversations":
		id, _ := url.PathUnescape(parts[1])
		s.mu.Lock()
		defer s.mu.Unlock()
		conv := s.convs[id]
		if conv == nil || conv.customerID != sess.customerID {
			return fail(404, contract.CodeNotFound)
		}
		switch req.Method + " " + parts[2] {
		case "GET messages":
			out := []any{}
			for _, m := range s.msgs {
				if m.ConversationID == id {
					out = append(out, msgJSON(m.Message))
				}
			}
			return reply(200, map[string]any{"messages": out})
		case "POST messages":
			var body struct {
				ID   string `json:"id"`
				Body string `json:"body"`
			}
			if json.Unmarshal(req.Body, &body) != nil || strings.TrimSpace(body.Body) == "" {
				return fail(400, contract.CodeInvalidArgument)
			}
			msgID, ok := canonicalID(body.ID)
			if !ok {
				return fail(400, contract.CodeInvalidArgument)
			}
			if m := s.messageByID(msgID); m != nil {
				if m.ConversationID != id || m.customerID != sess.customerID {
					return fail(409, contract.CodeConflict)
				}
				return reply(200, map[string]any{"message": msgJSON(m.Message)})
			}
			return reply(201, map[string]any{"message": msgJSON(s.addMessage(conv, msgID, "", body.Body, sess.token))})
		case "POST read":
			if len(s.msgs) > 0 {
				conv.readSeq = s.msgs[len(s.msgs)-1].Seq
			}
			s.notify() // the unread total may have changed, on every device
			return reply(204, nil)
		}
	case route == "GET /v1/events":
		return s.events(cancel, sess, u.Query())
	}
	return fail(404, contract.CodeNotFound)
}

func bearer(req Request) string {
	return strings.TrimPrefix(req.Header["Authorization"], "Bearer ")
}

func (s *fakeService) identityJSON(cust *fCustomer, trackingID string) map[string]any {
	key := cust.id + "/" + trackingID
	ti := s.tracking[key]
	if ti == nil {
		ti = &Identity{ID: s.newID("ti"), CreatedAt: s.now()}
		s.tracking[key] = ti
	}
	null := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	return map[string]any{
		"id": ti.ID, "customerId": cust.id, "trackingId": trackingID,
		"email": null(cust.email), "externalId": null(cust.externalID),
		"verified": cust.verified, "verifiedAt": null(cust.verifiedAt),
		"createdAt": ti.CreatedAt, "updatedAt": s.now(),
	}
}

func (s *fakeService) newSession(customerID, trackingID string, anonymous bool) string {
	token := s.newID("sess")
	s.sessions[token] = &fSession{token: token, customerID: customerID, trackingID: trackingID, anonymous: anonymous}
	return token
}

func (s *fakeService) anonymous(req Request) (Response, error) {
	var body struct {
		TrackingID string `json:"trackingId"`
	}
	if json.Unmarshal(req.Body, &body) != nil || body.TrackingID == "" {
		return fail(400, contract.CodeInvalidArgument)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cust := &fCustomer{id: s.newID("cust"), createdAt: s.now()}
	s.customers[cust.id] = cust
	token := s.newSession(cust.id, body.TrackingID, true)
	return reply(201, map[string]any{"identity": s.identityJSON(cust, body.TrackingID), "sessionToken": token})
}

func (s *fakeService) login(req Request) (Response, error) {
	var body struct {
		APIKey        string `json:"apiKey"`
		JWT           string `json:"jwt"`
		TrackingID    string `json:"trackingId"`
		TrackingToken string `json:"trackingToken"`
	}
	if json.Unmarshal(req.Body, &body) != nil || body.JWT == "" || body.TrackingID == "" {
		return fail(400, contract.CodeInvalidArgument)
	}
	if body.APIKey != testAPIKey || len(req.Header) != 1 || req.Header["Content-Type"] != "text/plain;charset=UTF-8" {
		return fail(401, contract.CodeTokenRejected) // the SDK must send logIn CORS-simple
	}
	parts := strings.Split(body.JWT, ".")
	if len(parts) != 3 {
		return fail(401, contract.CodeTokenRejected)
	}
	mac := hmac.New(sha256.New, testSecret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return fail(401, contract.CodeTokenRejected)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Email      string  `json:"email"`
		ExternalID string  `json:"externalId"`
		Iat        float64 `json:"iat"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return fail(401, contract.CodeTokenRejected)
	}
	if float64(s.clock.Now().Unix())-claims.Iat > (contract.MaxTokenAge + contract.ClockSkew).Seconds() {
		return fail(401, contract.CodeTokenExpired)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	email, _ := contract.Email(claims.Email)
	var cust *fCustomer
	for _, c := range s.customers {
		if email != "" && c.email == email || email == "" && claims.ExternalID != "" && c.externalID == claims.ExternalID {
			cust = c
		}
	}
	if cust == nil {
		cust = &fCustomer{id: s.newID("cust"), createdAt: s.now()}
		s.customers[cust.id] = cust
	}
	if !cust.verified {
		cust.verified, cust.verifiedAt = true, s.now()
	}
	if cust.email == "" {
		cust.email = email
	}
	if cust.externalID == "" {
		cust.externalID = claims.ExternalID
	}
	if anon := s.sessions[body.TrackingToken]; anon != nil && anon.anonymous && !anon.revoked {
		for _, conv := range s.convs {
			if conv.customerID == anon.customerID {
				conv.customerID = cust.id
			}
		}
		for _, m := range s.msgs {
			if m.customerID == anon.customerID {
				m.customerID = cust.id
			}
		}
		anon.revoked = true
	}
	token := s.newSession(cust.id, body.TrackingID, false)
	var cursor int64
	for _, m := range s.msgs {
		if m.customerID == cust.id {
			cursor = m.Seq
		}
	}
	return reply(200, map[string]any{
		"identity": s.identityJSON(cust, body.TrackingID), "sessionToken": token, "cursor": cursor,
	})
}

// conversationsOf lists a customer's conversations, newest activity first. s.mu held.
func (s *fakeService) conversationsOf(customerID string) []map[string]any {
	var convs []*fConv
	for _, c := range s.convs {
		if c.customerID == customerID {
			convs = append(convs, c)
		}
	}
	sort.Slice(convs, func(i, j int) bool { return convs[i].lastMessageAt > convs[j].lastMessageAt })
	out := []map[string]any{}
	for _, c := range convs {
		out = append(out, s.convJSON(c))
	}
	return out
}

func (s *fakeService) unread(c *fConv) int {
	n := 0
	for _, m := range s.msgs {
		if m.ConversationID == c.id && m.Author == "agent" && m.Seq > c.readSeq {
			n++
		}
	}
	return n
}

func (s *fakeService) convJSON(c *fConv) map[string]any {
	return map[string]any{"id": c.id, "createdAt": c.createdAt, "lastMessageAt": c.lastMessageAt,
		"preview": c.preview, "unread": s.unread(c)}
}

// canonicalID reads a client-made id as the service does: absent is "", a UUID in
// any spelling google/uuid accepts is its lower-case form, anything else is refused.
func canonicalID(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	u, err := uuid.Parse(s)
	return u.String(), err == nil
}

// messageByID is the stored message with id, nil for none (or id ""). s.mu held.
func (s *fakeService) messageByID(id string) *fMsg {
	for _, m := range s.msgs {
		if id != "" && m.ID == id {
			return m
		}
	}
	return nil
}

// addMessage stores a message, with id or else one of the service's own, and wakes
// the long polls: an agent's when session is "", else the customer's. s.mu held.
func (s *fakeService) addMessage(conv *fConv, id, agentName, body, session string) Message {
	if id == "" {
		id = s.newID("msg")
	}
	author := "customer"
	if session == "" {
		author = "agent"
	}
	m := &fMsg{Message: Message{ID: id, ConversationID: conv.id, Body: body, Author: author, AuthorName: agentName,
		CreatedAt: s.now(), Seq: int64(len(s.msgs) + 1)}, customerID: conv.customerID, session: session}
	s.msgs = append(s.msgs, m)
	conv.lastMessageAt, conv.preview = m.CreatedAt, body
	s.notify()
	return m.Message
}

// sentFrom tells whether m was sent from the device of sess, on any of its
// sessions, which the service leaves out of that device's events. s.mu held.
func (s *fakeService) sentFrom(m *fMsg, sess *fSession) bool {
	by := s.sessions[m.session]
	return by != nil && by.customerID == sess.customerID && by.trackingID == sess.trackingID
}

// notify wakes the long polls. s.mu held.
func (s *fakeService) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// msgJSON is m as the service writes it: authorName null for the customer's.
func msgJSON(m Message) map[string]any {
	var name any
	if m.AuthorName != "" {
		name = m.AuthorName
	}
	return map[string]any{"id": m.ID, "conversationId": m.ConversationID, "body": m.Body, "author": m.Author,
		"authorName": name, "createdAt": m.CreatedAt, "seq": m.Seq}
}

// agentReply stores an agent's reply without a display name, as the agent API does.
func (s *fakeService) agentReply(t *testing.T, convID, body string) Message {
	t.Helper()
	return s.agentReplyAs(t, convID, "", body)
}

// agentReplyAs stores an agent's reply signed with the agent's display name.
func (s *fakeService) agentReplyAs(t *testing.T, convID, name, body string) Message {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	conv := s.convs[convID]
	if conv == nil {
		t.Fatalf("no conversation %q", convID)
	}
	return s.addMessage(conv, "", name, body, "")
}

func (s *fakeService) events(cancel <-chan struct{}, sess *fSession, q url.Values) (Response, error) {
	_, hasAfter := q["after"]
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	wait, _ := strconv.Atoi(q.Get("wait"))
	seen := -1 // the total the client last saw; -1: not told
	if v, has := q["unread"]; has {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 {
			return fail(400, contract.CodeInvalidArgument)
		}
		seen = n
	}
	deadline := time.After(time.Duration(wait) * time.Second)
	for {
		s.mu.Lock()
		if sess.revoked { // the service re-reads the session on each wake
			s.mu.Unlock()
			return fail(401, contract.CodeSessionInvalid)
		}
		out := []any{}
		var latest, cursor int64
		for _, m := range s.msgs {
			if m.customerID != sess.customerID {
				continue
			}
			latest = m.Seq
			if hasAfter && m.Seq > after && !s.sentFrom(m, sess) {
				out = append(out, msgJSON(m.Message))
				cursor = m.Seq
			}
		}
		unread := 0
		for _, c := range s.convs {
			if c.customerID == sess.customerID {
				unread += s.unread(c)
			}
		}
		changed := s.changed
		s.mu.Unlock()
		if len(out) > 0 || wait == 0 || !hasAfter || seen >= 0 && unread != seen {
			if len(out) == 0 {
				cursor = latest
			}
			return reply(200, map[string]any{"messages": out, "cursor": cursor, "unread": unread})
		}
		select {
		case <-changed:
		case <-deadline:
			wait = 0
		case <-cancel:
			return Response{}, context.Canceled
		}
	}
}

// makeJWT signs a token as a site's backend would.
func makeJWT(header, payload map[string]any) string {
	h, _ := json.Marshal(header)
	p, _ := json.Marshal(payload)
	signing := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	mac := hmac.New(sha256.New, testSecret)
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// recorder collects events and warnings.
type recorder struct {
	mu       sync.Mutex
	events   []recorded
	warnings []string
	notify   chan struct{}
}

type recorded struct {
	name    string
	payload any
}

// eventLog records each typed event as its JavaScript name and payload, the form the
// tests match on.
type eventLog func(name string, payload any)

func (f eventLog) Login(id *Identity)                 { f(EventLogin, id) }
func (f eventLog) Logout()                            { f(EventLogout, nil) }
func (f eventLog) ConversationCreate(c *Conversation) { f(EventConversationCreate, c) }
func (f eventLog) MessageReceived(m *Message)         { f(EventMessageReceived, m) }
func (f eventLog) Unread(total int)                   { f(EventUnread, total) }
func (f eventLog) MessageSent(m *Message)             { f(EventMessageSent, m) }
func (f eventLog) ConnectionChange(connected bool)    { f(EventConnectionChange, connected) }

func newRecorder() *recorder { return &recorder{notify: make(chan struct{}, 1)} }

func (r *recorder) emit(name string, payload any) {
	r.mu.Lock()
	r.events = append(r.events, recorded{name, payload})
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *recorder) warn(m string) {
	r.mu.Lock()
	r.warnings = append(r.warnings, m)
	r.mu.Unlock()
}

func (r *recorder) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.name)
	}
	return out
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.events...)
}

func (r *recorder) warns() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.warnings...)
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.events = nil
	r.mu.Unlock()
}

// waitFor blocks until an event satisfies match, failing after 5 s.
func (r *recorder) waitFor(t *testing.T, match func(recorded) bool) recorded {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		for _, e := range r.all() {
			if match(e) {
				return e
			}
		}
		select {
		case <-r.notify:
		case <-timeout:
			t.Fatalf("no matching event; got %v", r.names())
			return recorded{}
		}
	}
}

// expire ends every live session, as the service's idle timeout would.
func (s *fakeService) expire() {
	s.mu.Lock()
	for _, sess := range s.sessions {
		sess.revoked = true
	}
	s.notify()
	s.mu.Unlock()
}
