package service

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// maxIDLen cuts off ids no store would ever have issued before they reach it.
const maxIDLen = 64

func sessionKey(sess store.Session) string { return strconv.FormatInt(sess.ID, 10) }

func conversationID(w http.ResponseWriter, r *http.Request) (string, bool) {
	return pathID(w, r, "no such conversation")
}

// pathID reads a route's {id}, answering 404 with notFound for one no store
// holds. Client-made ids are stored canonical; any spelling names the same one.
func pathID(w http.ResponseWriter, r *http.Request, notFound string) (string, bool) {
	id := r.PathValue("id")
	if id == "" || len(id) > maxIDLen {
		writeError(w, http.StatusNotFound, codeNotFound, notFound)
		return "", false
	}
	if u, err := uuid.Parse(id); err == nil {
		return u.String(), true
	}
	return id, true
}

// maxCursorLen cuts off cursors no store would have made before they reach it.
const maxCursorLen = 256

// page reads a list request's ?cursor=.
func page(w http.ResponseWriter, r *http.Request) (store.Page, bool) {
	cursor := r.URL.Query().Get("cursor")
	if len(cursor) > maxCursorLen {
		writeError(w, http.StatusBadRequest, codeInvalidArgument, "cursor is not one this list gave")
		return store.Page{}, false
	}
	return store.Page{Cursor: cursor, Limit: store.MaxPage}, true
}

// nextOf is a page's "next": the cursor of the following page, null after the last.
func nextOf(cursor string) *string {
	if cursor == "" {
		return nil
	}
	return &cursor
}

// conversationsJSON answers GET /v1/conversations.
type conversationsJSON struct {
	Conversations []conversationJSON `json:"conversations"`
	Next          *string            `json:"next"`
}

func (s *server) listConversations(w http.ResponseWriter, r *http.Request, sess store.Session) {
	p, ok := page(w, r)
	if !ok {
		return
	}
	convs, next, err := s.store.Conversations(r.Context(), sess.CustomerID, p)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, conversationsJSON{Conversations: conversationsOf(convs), Next: nextOf(next)})
}

// createRequest is the body of POST /v1/conversations; the ids are the
// client's, made so that sending it again stores nothing twice.
type createRequest struct {
	ID        *string `json:"id"`
	Message   string  `json:"message"`
	MessageID *string `json:"messageId"`
}

// createdJSON answers POST /v1/conversations.
type createdJSON struct {
	Conversation conversationJSON `json:"conversation"`
	Message      messageJSON      `json:"message"`
}

func (s *server) createConversation(w http.ResponseWriter, r *http.Request, sess store.Session) {
	if !s.allow(w, s.convCreates, sessionKey(sess)) {
		return
	}
	var req createRequest
	if !decode(w, r, &req) {
		return
	}
	m := store.NewMessage{Now: s.now()}
	var ok bool
	if m.Body, ok = text(w, "message", req.Message, MaxTextRunes); !ok {
		return
	}
	if m.ConversationID, ok = clientID(w, "id", req.ID); !ok {
		return
	}
	if m.ID, ok = clientID(w, "messageId", req.MessageID); !ok {
		return
	}
	conv, msg, created, err := s.store.CreateConversation(r.Context(), sess, m)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	status := http.StatusOK // a repeat: nothing changed, nobody to wake
	if created {
		s.wakeCustomer(sess.CustomerID)
		status = http.StatusCreated
	}
	writeJSON(w, status, createdJSON{Conversation: conversationOf(conv), Message: messageOf(msg)})
}

// messagesJSON answers GET /v1/conversations/{id}/messages.
type messagesJSON struct {
	Messages []messageJSON `json:"messages"`
	Next     *string       `json:"next"`
}

func (s *server) listMessages(w http.ResponseWriter, r *http.Request, sess store.Session) {
	id, ok := conversationID(w, r)
	if !ok {
		return
	}
	p, ok := page(w, r)
	if !ok {
		return
	}
	msgs, next, err := s.store.Messages(r.Context(), sess.CustomerID, id, p)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, messagesJSON{Messages: messagesOf(msgs), Next: nextOf(next)})
}

// sendRequest is the body of POST /v1/conversations/{id}/messages.
type sendRequest struct {
	ID   *string `json:"id"`
	Body string  `json:"body"`
}

// postedJSON answers the requests that post a message.
type postedJSON struct {
	Message messageJSON `json:"message"`
}

func (s *server) sendMessage(w http.ResponseWriter, r *http.Request, sess store.Session) {
	if !s.allow(w, s.sends, sessionKey(sess)) {
		return
	}
	m := store.NewMessage{Now: s.now()}
	var ok bool
	if m.ConversationID, ok = conversationID(w, r); !ok {
		return
	}
	var req sendRequest
	if !decode(w, r, &req) {
		return
	}
	if m.Body, ok = text(w, "body", req.Body, MaxTextRunes); !ok {
		return
	}
	if m.ID, ok = clientID(w, "id", req.ID); !ok {
		return
	}
	msg, created, err := s.store.AddMessage(r.Context(), sess, m)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	status := http.StatusOK // a repeat: nothing changed, nobody to wake
	if created {
		s.wakeCustomer(sess.CustomerID)
		status = http.StatusCreated
	}
	writeJSON(w, status, postedJSON{Message: messageOf(msg)})
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
	s.wakeCustomer(sess.CustomerID)
	w.WriteHeader(http.StatusNoContent)
}
