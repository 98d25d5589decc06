package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/google/uuid"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// MaxBodyBytes caps every request body.
const MaxBodyBytes = 64 << 10

// MaxTextRunes bounds a message body after trimming.
const MaxTextRunes = 4000

// MaxAuthorNameRunes bounds an agent's display name after trimming.
const MaxAuthorNameRunes = 80

// decode reads a JSON body into v, answering the error itself when it fails.
// The whole body is read first, so an oversized one is 413 whatever it holds.
// encoding/json would take {"BODY":...} for body, ignore what follows the value
// and turn invalid UTF-8 or a lone surrogate into U+FFFD: a body that means one
// thing here and another to a proxy or log reader in front of us. The v2
// decoder refuses all of those, and duplicate names, by default; unknown
// members are refused too, so that a misspelt optional field is not silently
// dropped.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, codeInvalidArgument, "request body over 64 KiB")
		return false
	case err != nil:
		writeError(w, http.StatusBadRequest, codeInvalidArgument, "request body could not be read")
		return false
	}
	// Every request body is an object; the decoder would take null for an empty one.
	if start := bytes.TrimLeft(body, " \t\r\n"); len(start) == 0 || start[0] != '{' {
		writeError(w, http.StatusBadRequest, codeInvalidArgument, "request body is not a JSON object")
		return false
	}
	if err := jsonv2.Unmarshal(body, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidArgument, "request body is not the expected JSON")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// text validates a field that must be 1..maxRunes characters once trimmed.
func text(w http.ResponseWriter, field, s string, maxRunes int) (string, bool) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n == 0 || n > maxRunes {
		writeError(w, http.StatusBadRequest, codeInvalidArgument, fmt.Sprintf("%s must be 1 to %d characters", field, maxRunes))
		return "", false
	}
	return s, true
}

// authorName validates an agent's optional display name; "" means none.
func authorName(w http.ResponseWriter, name *string) (string, bool) {
	if name == nil {
		return "", true
	}
	return text(w, "authorName", *name, MaxAuthorNameRunes)
}

// clientID validates an optional client-made id; "" lets the store make one.
// Every spelling google/uuid accepts becomes the canonical lower-case form,
// so that one id is never stored twice under two spellings.
func clientID(w http.ResponseWriter, field string, id *string) (string, bool) {
	if id == nil {
		return "", true
	}
	u, err := uuid.Parse(*id)
	if err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidArgument, field+" must be a UUID")
		return "", false
	}
	return u.String(), true
}

const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := formatTime(t)
	return &s
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type identityJSON struct {
	ID         string  `json:"id"`
	CustomerID string  `json:"customerId"`
	TrackingID string  `json:"trackingId"`
	Email      *string `json:"email"`
	ExternalID *string `json:"externalId"`
	Verified   bool    `json:"verified"`
	VerifiedAt *string `json:"verifiedAt"`
	CreatedAt  string  `json:"createdAt"`
	UpdatedAt  string  `json:"updatedAt"`
}

func identityOf(id store.Identity) identityJSON {
	return identityJSON{
		ID: id.ID, CustomerID: id.CustomerID, TrackingID: id.TrackingID,
		Email: optString(id.Email), ExternalID: optString(id.ExternalID),
		Verified: id.Verified, VerifiedAt: optTime(id.VerifiedAt),
		CreatedAt: formatTime(id.CreatedAt), UpdatedAt: formatTime(id.UpdatedAt),
	}
}

type conversationJSON struct {
	ID            string `json:"id"`
	CreatedAt     string `json:"createdAt"`
	LastMessageAt string `json:"lastMessageAt"`
	Preview       string `json:"preview"`
	Unread        int    `json:"unread"`
}

func conversationOf(c store.Conversation) conversationJSON {
	return conversationJSON{ID: c.ID, CreatedAt: formatTime(c.CreatedAt), LastMessageAt: formatTime(c.LastMessageAt),
		Preview: c.Preview, Unread: c.Unread}
}

func conversationsOf(cs []store.Conversation) []conversationJSON {
	out := make([]conversationJSON, len(cs))
	for i, c := range cs {
		out[i] = conversationOf(c)
	}
	return out
}

type messageJSON struct {
	ID             string  `json:"id"`
	ConversationID string  `json:"conversationId"`
	Body           string  `json:"body"`
	Author         string  `json:"author"`
	AuthorName     *string `json:"authorName"`
	CreatedAt      string  `json:"createdAt"`
	Seq            int64   `json:"seq"`
}

func messageOf(m store.Message) messageJSON {
	return messageJSON{ID: m.ID, ConversationID: m.ConversationID, Body: m.Body, Author: string(m.Author),
		AuthorName: optString(m.AuthorName), CreatedAt: formatTime(m.CreatedAt), Seq: m.Seq}
}

func messagesOf(ms []store.Message) []messageJSON {
	out := make([]messageJSON, len(ms))
	for i, m := range ms {
		out[i] = messageOf(m)
	}
	return out
}
