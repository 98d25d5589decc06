package service

import (
	"net/http"
	"strings"

	"github.com/kustomer-chat/kustomer-chat/web/internal/auth"
)

// The development routes stand in for what a real site has elsewhere: its own
// backend signing login tokens, its page knowing the API key, and an agent
// answering. They are mounted only with Options.Dev, since /v1/dev/token mints
// a login for anyone who asks.

func (s *server) devToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Email      string `json:"email"`
		ExternalID string `json:"externalId"`
	}
	if !decode(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Email) == "" && req.ExternalID == "" {
		writeError(w, http.StatusBadRequest, codeInvalidArgument, "email or externalId is required")
		return
	}
	token, err := auth.Sign(auth.Claims{Email: req.Email, ExternalID: req.ExternalID, IssuedAt: s.now()}, s.secret)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"jwt": token})
}

func (s *server) devConfig(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"apiKey": string(s.apiKey)})
}

func (s *server) devAgentReply(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ConversationID string `json:"conversationId"`
		agentReplyRequest
	}
	if !decode(w, r, &req) {
		return
	}
	if req.ConversationID == "" || len(req.ConversationID) > maxIDLen {
		writeError(w, http.StatusNotFound, codeNotFound, "no such conversation")
		return
	}
	s.storeAgentReply(w, r, agentActor{}, req.ConversationID, req.agentReplyRequest)
}
