package web

import (
	"net/http"
)

func (s *server) agentConversations(w http.ResponseWriter, r *http.Request) {
	convs, err := s.store.AgentConversations(r.Context())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": conversationsOf(convs, true)})
}

func (s *server) agentReply(w http.ResponseWriter, r *http.Request) {
	id, ok := conversationID(w, r)
	if !ok {
		return
	}
	var req struct {
		Body string `json:"body"`
	}
	if !decode(w, r, &req) {
		return
	}
	if body, ok := text(w, "body", req.Body); ok {
		s.storeAgentReply(w, r, id, body)
	}
}

// storeAgentReply is shared by the agent API and the demo's simulated agent; body is
// already validated.
func (s *server) storeAgentReply(w http.ResponseWriter, r *http.Request, conversationID, body string) {
	msg, err := s.store.AgentReply(r.Context(), conversationID, body, s.now())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.notifier.notify(msg.CustomerID)
	writeJSON(w, http.StatusCreated, postedJSON{Message: messageOf(msg)})
}
