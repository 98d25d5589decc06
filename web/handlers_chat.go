package web

import (
	"net/http"

	"github.com/kustomer-chat/kustomer-chat/web/store"
)

// maxIDLen cuts off ids no store would ever have issued before they reach it.
const maxIDLen = 64

func conversationID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if id == "" || len(id) > maxIDLen {
		writeError(w, http.StatusNotFound, codeNotFound, "no such conversation")
		return "", false
	}
	return id, true
}

func (s *server) listConversations(w http.ResponseWriter, r *http.Request, sess store.Session) {
	convs, err := s.store.Conversations(r.Context(), sess.CustomerID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": conversationsOf(convs, false)})
}

func (s *server) createConversation(w http.ResponseWriter, r *http.Request, sess store.Session) {
	var req struct {
		Message string `json:"message"`
	}
	if !decode(w, r, &req) {
		return
	}
	body, ok := text(w, "message", req.Message)
	if !ok {
		return
	}
	conv, msg, err := s.store.CreateConversation(r.Context(), sess, body, s.now())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.notifier.notify(sess.CustomerID)
	writeJSON(w, http.StatusCreated, map[string]any{"conversation": conversationOf(conv), "message": messageOf(msg)})
}

func (s *server) listMessages(w http.ResponseWriter, r *http.Request, sess store.Session) {
	id, ok := conversationID(w, r)
	if !ok {
		return
	}
	msgs, err := s.store.Messages(r.Context(), sess.CustomerID, id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": messagesOf(msgs)})
}

// messageRequest reads the conversation id and the {"body"} of a request that posts a
// message, customer's or agent's.
func messageRequest(w http.ResponseWriter, r *http.Request) (id, body string, ok bool) {
	if id, ok = conversationID(w, r); !ok {
		return "", "", false
	}
	var req struct {
		Body string `json:"body"`
	}
	if !decode(w, r, &req) {
		return "", "", false
	}
	body, ok = text(w, "body", req.Body)
	return id, body, ok
}

func (s *server) sendMessage(w http.ResponseWriter, r *http.Request, sess store.Session) {
	id, body, ok := messageRequest(w, r)
	if !ok {
		return
	}
	msg, err := s.store.AddMessage(r.Context(), sess, id, body, s.now())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.notifier.notify(sess.CustomerID)
	writeJSON(w, http.StatusCreated, map[string]any{"message": messageOf(msg)})
}

func (s *server) markRead(w http.ResponseWriter, r *http.Request, sess store.Session) {
	id, ok := conversationID(w, r)
	if !ok {
		return
	}
	if err := s.store.MarkRead(r.Context(), sess.CustomerID, id); err != nil {
		s.storeError(w, r, err)
		return
	}
	// The customer's other tabs and devices show the unread total too.
	s.notifier.notify(sess.CustomerID)
	w.WriteHeader(http.StatusNoContent)
}
