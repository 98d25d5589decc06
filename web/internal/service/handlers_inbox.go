package service

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kustomer-chat/kustomer-chat/contract"
	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// agentRoutes registers the agents' routes under prefix: "/v1/agent" with the
// agent key for integrations, "/agent/api" with the inbox's cookie session.
// The handlers are the same, so either can do all that the other can.
func (s *server) agentRoutes(mux *http.ServeMux, prefix string, wrap func(agentHandler) http.HandlerFunc) {
	for pattern, h := range map[string]agentHandler{
		"GET /conversations":                s.agentConversations,
		"GET /conversations/{id}":           s.agentConversation,
		"GET /conversations/{id}/messages":  s.agentMessages,
		"POST /conversations/{id}/messages": s.agentReply,
		"POST /conversations/{id}/read":     s.agentRead,
		"POST /conversations/{id}/close":    s.setStatus(store.StatusClosed),
		"POST /conversations/{id}/reopen":   s.setStatus(store.StatusOpen),
		"GET /customers":                    s.searchCustomers,
		"GET /customers/{id}":               s.customer,
		"GET /customers/{id}/conversations": s.customerConversations,
		"GET /customers/{id}/export":        s.exportCustomer,
		"DELETE /customers/{id}":            s.eraseCustomer,
		"GET /events":                       s.agentEvents,
	} {
		method, path, _ := strings.Cut(pattern, " ")
		mux.HandleFunc(method+" "+prefix+path, wrap(h))
	}
}

type customerSummaryJSON struct {
	ID         string  `json:"id"`
	Email      *string `json:"email"`
	ExternalID *string `json:"externalId"`
	Verified   bool    `json:"verified"`
}

// agentConversationJSON is API.md's AgentConversation.
type agentConversationJSON struct {
	ID            string              `json:"id"`
	CreatedAt     string              `json:"createdAt"`
	LastMessageAt string              `json:"lastMessageAt"`
	Preview       string              `json:"preview"`
	Unread        int                 `json:"unread"`
	Status        string              `json:"status"`
	AgentUnread   int                 `json:"agentUnread"`
	Customer      customerSummaryJSON `json:"customer"`
}

func agentConversationOf(c store.AgentConversation) agentConversationJSON {
	return agentConversationJSON{
		ID: c.ID, CreatedAt: formatTime(c.CreatedAt), LastMessageAt: formatTime(c.LastMessageAt), Preview: c.Preview,
		Unread: c.Unread, Status: string(c.Status), AgentUnread: c.AgentUnread,
		Customer: customerSummaryJSON{ID: c.Customer.ID, Email: optString(c.Customer.Email),
			ExternalID: optString(c.Customer.ExternalID), Verified: c.Customer.Verified},
	}
}

func agentConversationsOf(cs []store.AgentConversation) []agentConversationJSON {
	out := make([]agentConversationJSON, len(cs))
	for i, c := range cs {
		out[i] = agentConversationOf(c)
	}
	return out
}

// agentMessageJSON is a Message with its customer, which the inbox needs to
// place the messages of its all-customer feed.
type agentMessageJSON struct {
	messageJSON
	CustomerID string `json:"customerId"`
}

func agentMessagesOf(ms []store.Message) []agentMessageJSON {
	out := make([]agentMessageJSON, len(ms))
	for i, m := range ms {
		out[i] = agentMessageJSON{messageJSON: messageOf(m), CustomerID: m.CustomerID}
	}
	return out
}

type customerJSON struct {
	ID          string  `json:"id"`
	Email       *string `json:"email"`
	ExternalID  *string `json:"externalId"`
	Verified    bool    `json:"verified"`
	VerifiedAt  *string `json:"verifiedAt"`
	FirstSeenAt string  `json:"firstSeenAt"`
	LastSeenAt  *string `json:"lastSeenAt"`
}

func customerOf(c store.Customer) customerJSON {
	return customerJSON{ID: c.ID, Email: optString(c.Email), ExternalID: optString(c.ExternalID), Verified: c.Verified,
		VerifiedAt: optTime(c.VerifiedAt), FirstSeenAt: formatTime(c.FirstSeenAt), LastSeenAt: optTime(c.LastSeenAt)}
}

type agentConversationsJSON struct {
	Conversations []agentConversationJSON `json:"conversations"`
	Next          *string                 `json:"next"`
}

type agentConversationAnswer struct {
	Conversation agentConversationJSON `json:"conversation"`
}

type agentMessagesJSON struct {
	Messages []agentMessageJSON `json:"messages"`
	Next     *string            `json:"next"`
}

type agentPostedJSON struct {
	Message agentMessageJSON `json:"message"`
}

type customersJSON struct {
	Customers []customerJSON `json:"customers"`
	Next      *string        `json:"next"`
}

type customerAnswer struct {
	Customer customerJSON `json:"customer"`
}

type deviceJSON struct {
	TrackingID string `json:"trackingId"`
	CreatedAt  string `json:"createdAt"`
	UpdatedAt  string `json:"updatedAt"`
}

type sessionTimesJSON struct {
	CreatedAt  string  `json:"createdAt"`
	LastUsedAt string  `json:"lastUsedAt"`
	RevokedAt  *string `json:"revokedAt"`
}

type exportedConversationJSON struct {
	agentConversationJSON
	Messages []agentMessageJSON `json:"messages"`
}

// exportJSON is the data-rights export: all that is stored about a customer.
type exportJSON struct {
	ExportedAt    string                     `json:"exportedAt"`
	Customer      customerJSON               `json:"customer"`
	Devices       []deviceJSON               `json:"devices"`
	Sessions      []sessionTimesJSON         `json:"sessions"`
	Conversations []exportedConversationJSON `json:"conversations"`
}

type agentEventsJSON struct {
	Messages []agentMessageJSON `json:"messages"`
	Cursor   int64              `json:"cursor"`
	Changed  bool               `json:"changed"`
}

// customerID reads the {id} of a customer route like conversationID.
func customerID(w http.ResponseWriter, r *http.Request) (string, bool) {
	return pathID(w, r, "no such customer")
}

// customerError is storeError for a customer route, whose ErrNotFound names
// the customer.
func (s *server) customerError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, codeNotFound, "no such customer")
		return
	}
	s.storeError(w, r, err)
}

func (s *server) agentConversations(w http.ResponseWriter, r *http.Request, _ agentActor) {
	filter := store.FilterOpen
	switch v := r.URL.Query().Get("status"); v {
	case "", "open":
	case "closed", "all":
		filter = store.StatusFilter(v)
	default:
		writeError(w, http.StatusBadRequest, codeInvalidArgument, "status must be open, closed or all")
		return
	}
	p, ok := page(w, r)
	if !ok {
		return
	}
	convs, next, err := s.store.AgentConversations(r.Context(), filter, p)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, agentConversationsJSON{Conversations: agentConversationsOf(convs), Next: nextOf(next)})
}

func (s *server) agentConversation(w http.ResponseWriter, r *http.Request, _ agentActor) {
	id, ok := conversationID(w, r)
	if !ok {
		return
	}
	c, err := s.store.AgentConversation(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, agentConversationAnswer{Conversation: agentConversationOf(c)})
}

func (s *server) agentMessages(w http.ResponseWriter, r *http.Request, _ agentActor) {
	id, ok := conversationID(w, r)
	if !ok {
		return
	}
	order := store.OldestFirst
	switch v := r.URL.Query().Get("order"); v {
	case "", "oldest":
	case "newest":
		order = store.NewestFirst
	default:
		writeError(w, http.StatusBadRequest, codeInvalidArgument, "order must be oldest or newest")
		return
	}
	p, ok := page(w, r)
	if !ok {
		return
	}
	msgs, next, err := s.store.AgentMessages(r.Context(), id, order, p)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, agentMessagesJSON{Messages: agentMessagesOf(msgs), Next: nextOf(next)})
}

// agentReplyRequest is the body of POST …/conversations/{id}/messages.
type agentReplyRequest struct {
	ID         *string `json:"id"`
	Body       string  `json:"body"`
	AuthorName *string `json:"authorName"`
}

func (s *server) agentReply(w http.ResponseWriter, r *http.Request, actor agentActor) {
	id, ok := conversationID(w, r)
	if !ok {
		return
	}
	var req agentReplyRequest
	if decode(w, r, &req) {
		s.storeAgentReply(w, r, actor, id, req)
	}
}

// storeAgentReply validates and stores an agent's reply, for the agent
// routes and the demo's simulated agent. A signed-in agent's reply carries
// that agent and its name, which the request cannot change; an
// integration's names itself, if it likes.
func (s *server) storeAgentReply(w http.ResponseWriter, r *http.Request, actor agentActor, conversationID string, req agentReplyRequest) {
	reply := store.AgentReply{ConversationID: conversationID, AgentID: actor.AgentID, AuthorName: actor.Name, Now: s.now()}
	var ok bool
	if reply.Body, ok = text(w, "body", req.Body, MaxTextRunes); !ok {
		return
	}
	if actor.AgentID != "" {
		if req.AuthorName != nil {
			writeError(w, http.StatusBadRequest, codeInvalidArgument, "authorName is the signed-in agent's name; leave it out")
			return
		}
	} else if reply.AuthorName, ok = authorName(w, req.AuthorName); !ok {
		return
	}
	if reply.ID, ok = clientID(w, "id", req.ID); !ok {
		return
	}
	msg, created, err := s.store.AgentReply(r.Context(), reply)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	status := http.StatusOK // a repeat: nothing changed, nobody to wake
	if created {
		s.wakeCustomer(msg.CustomerID)
		status = http.StatusCreated
	}
	writeJSON(w, status, agentPostedJSON{Message: agentMessagesOf([]store.Message{msg})[0]})
}

func (s *server) agentRead(w http.ResponseWriter, r *http.Request, _ agentActor) {
	id, ok := conversationID(w, r)
	if !ok {
		return
	}
	if err := s.store.AgentRead(r.Context(), id); err != nil {
		s.storeError(w, r, err)
		return
	}
	// The other agents' inboxes show the count too.
	s.wakeAgents()
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) setStatus(status store.Status) agentHandler {
	return func(w http.ResponseWriter, r *http.Request, _ agentActor) {
		id, ok := conversationID(w, r)
		if !ok {
			return
		}
		c, err := s.store.SetStatus(r.Context(), id, status)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		s.wakeAgents()
		writeJSON(w, http.StatusOK, agentConversationAnswer{Conversation: agentConversationOf(c)})
	}
}

// maxSearchRunes is the longest email, the longer of the two fields searched
// but for a 255-character externalId, which a 254-character part finds.
const maxSearchRunes = contract.MaxEmailLen

func (s *server) searchCustomers(w http.ResponseWriter, r *http.Request, _ agentActor) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if n := utf8.RuneCountInString(q); n == 0 || n > maxSearchRunes || !utf8.ValidString(q) {
		writeError(w, http.StatusBadRequest, codeInvalidArgument, "q must be 1 to 254 characters")
		return
	}
	p, ok := page(w, r)
	if !ok {
		return
	}
	found, next, err := s.store.SearchCustomers(r.Context(), q, p)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := customersJSON{Customers: make([]customerJSON, len(found)), Next: nextOf(next)}
	for i, c := range found {
		out.Customers[i] = customerOf(c)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) customer(w http.ResponseWriter, r *http.Request, _ agentActor) {
	id, ok := customerID(w, r)
	if !ok {
		return
	}
	c, err := s.store.Customer(r.Context(), id)
	if err != nil {
		s.customerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, customerAnswer{Customer: customerOf(c)})
}

func (s *server) customerConversations(w http.ResponseWriter, r *http.Request, _ agentActor) {
	id, ok := customerID(w, r)
	if !ok {
		return
	}
	p, ok := page(w, r)
	if !ok {
		return
	}
	convs, next, err := s.store.CustomerConversations(r.Context(), id, p)
	if err != nil {
		s.customerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, agentConversationsJSON{Conversations: agentConversationsOf(convs), Next: nextOf(next)})
}

func (s *server) exportCustomer(w http.ResponseWriter, r *http.Request, _ agentActor) {
	id, ok := customerID(w, r)
	if !ok {
		return
	}
	ex, err := s.store.ExportCustomer(r.Context(), id)
	if err != nil {
		s.customerError(w, r, err)
		return
	}
	out := exportJSON{
		ExportedAt:    formatTime(s.now()),
		Customer:      customerOf(ex.Customer),
		Devices:       make([]deviceJSON, len(ex.Devices)),
		Sessions:      make([]sessionTimesJSON, len(ex.Sessions)),
		Conversations: make([]exportedConversationJSON, len(ex.Conversations)),
	}
	for i, d := range ex.Devices {
		out.Devices[i] = deviceJSON{TrackingID: d.TrackingID, CreatedAt: formatTime(d.CreatedAt), UpdatedAt: formatTime(d.UpdatedAt)}
	}
	for i, st := range ex.Sessions {
		out.Sessions[i] = sessionTimesJSON{CreatedAt: formatTime(st.CreatedAt), LastUsedAt: formatTime(st.LastUsedAt), RevokedAt: optTime(st.RevokedAt)}
	}
	for i, c := range ex.Conversations {
		out.Conversations[i] = exportedConversationJSON{agentConversationJSON: agentConversationOf(c.AgentConversation), Messages: agentMessagesOf(c.Messages)}
	}
	// The id is a store-made UUID or at most maxIDLen bytes that matched a
	// stored one; only a UUID ever does, so the filename needs no quoting.
	w.Header().Set("Content-Disposition", `attachment; filename="customer-`+ex.Customer.ID+`.json"`)
	writeJSON(w, http.StatusOK, out)
}

func (s *server) eraseCustomer(w http.ResponseWriter, r *http.Request, _ agentActor) {
	id, ok := customerID(w, r)
	if !ok {
		return
	}
	if err := s.store.EraseCustomer(r.Context(), id); err != nil {
		s.customerError(w, r, err)
		return
	}
	// The customer's waiting polls wake to find their session gone and
	// answer 401; a customer's wake-up wakes the agents' polls too, which
	// drop the customer's conversations.
	s.sessionsEnded(id)
	s.wakeCustomer(id)
	w.WriteHeader(http.StatusNoContent)
}

// agentEvents is the agents' long poll: every customer's messages after the
// cursor. It parses like events and subscribes before its first read for the
// same reasons; a wake that finds no message was a change without one (a
// read, close, reopen, erase, a customer's markRead), which it answers with
// changed true so the inbox reloads what it shows. unread is accepted and
// ignored, there being no single total to compare.
func (s *server) agentEvents(w http.ResponseWriter, r *http.Request, actor agentActor) {
	q, err := parseEventsQuery(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidArgument, err.Error())
		return
	}
	ctx := r.Context()
	// A signed-in agent's session is read again before each answer: a sign-out,
	// disable or password reset while the poll waited (the last two by the
	// operator's command, which wakes nothing) delivers nothing after it.
	answer := func(ev store.AgentEvents, changed bool) {
		if actor.AgentID != "" {
			if _, ok := s.signedInAgent(w, r); !ok {
				return
			}
		}
		writeJSON(w, http.StatusOK, agentEventsJSON{Messages: agentMessagesOf(ev.Messages), Cursor: ev.Cursor, Changed: changed})
	}
	if q.after < 0 {
		ev, err := s.store.AgentEvents(ctx, -1, 0)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		answer(ev, false)
		return
	}
	var wake <-chan struct{}
	var timeout <-chan time.Time
	if q.wait > 0 {
		if !s.agentPolls.enter(0) {
			tooMany(w, pollRetry)
			return
		}
		defer s.agentPolls.leave(0)
		ch, unsubscribe := s.notifier.subscribeAgents()
		defer unsubscribe()
		timer := time.NewTimer(q.wait)
		defer timer.Stop()
		wake, timeout = ch, timer.C
	}
	woken := false
	for {
		ev, err := s.store.AgentEvents(ctx, q.after, eventsLimit)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		if len(ev.Messages) > 0 || q.wait == 0 || woken {
			answer(ev, len(ev.Messages) == 0 && woken)
			return
		}
		select {
		case <-wake:
			woken = true
		case <-timeout:
			answer(ev, false)
			return
		case <-s.stopping:
			answer(ev, false)
			return
		case <-ctx.Done():
			answer(ev, false)
			return
		}
	}
}
