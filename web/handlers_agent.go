package web

import (
	"net/http"
)

func (s *server) agentConversations(w http.ResponseWriter, r *http.Request) {
	p, ok := page(w, r)
	if !ok {
		return
	}
	convs, next, err := s.store.AgentConversations(r.Context(), p)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": conversationsOf(convs, true), "next": nextOf(next)})
}

// agentReplyRequest is the body of POST /v1/agent/conversations/{id}/messages.
type agentReplyRequest struct {
	Body       string  `json:"body"`
	AuthorName *string `json:"authorName"`
}

func (s *server) agentReply(w http.ResponseWriter, r *http.Request) {
	id, ok := conversationID(w, r)
	if !ok {
		return
	}
	var req agentReplyRequest
	if decode(w, r, &req) {
		s.storeAgentReply(w, r, id, req)
	}
}

// storeAgentReply validates and stores an agent's reply, for the agent API and
// the demo's simulated agent.
func (s *server) storeAgentReply(w http.ResponseWriter, r *http.Request, conversationID string, req agentReplyRequest) {
	body, ok := text(w, "body", req.Body, MaxTextRunes)
	if !ok {
		return
	}
	name, ok := authorName(w, req.AuthorName)
	if !ok {
		return
	}
	msg, err := s.store.AgentReply(r.Context(), conversationID, body, name, s.now())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.notifier.notify(msg.CustomerID)
	writeJSON(w, http.StatusCreated, postedJSON{Message: messageOf(msg)})
}
