package service

import (
	"context"
	"errors"
	"net/http"

	"github.com/kustomer-chat/kustomer-chat/contract"
	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// Error codes of API.md.
const (
	codeInvalidArgument  = contract.CodeInvalidArgument
	codeTokenRejected    = contract.CodeTokenRejected
	codeTokenExpired     = contract.CodeTokenExpired
	codeSessionInvalid   = contract.CodeSessionInvalid
	codeUnauthorized     = contract.CodeUnauthorized
	codeOriginNotAllowed = contract.CodeOriginNotAllowed
	codeNotFound         = contract.CodeNotFound
	codeConflict         = contract.CodeConflict
	codeRateLimited      = contract.CodeRateLimited
	codeServerError      = contract.CodeServerError
)

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError answers with the API's error envelope. message is shown to the
// caller, so it never carries an internal error's text.
func writeError(w http.ResponseWriter, status int, code, message string) {
	var body errorBody
	body.Error.Code, body.Error.Message = code, message
	writeJSON(w, status, body)
}

// serverError logs what went wrong and tells the caller only that it did. A
// request that could not finish because the service is stopping, its store is
// closed or the machine refuses writes (disk full, read-only, database file
// gone, database server unreachable) answers 503: the client may try again, and the log names the cause.
// It always answers: a handler that wrote nothing would let net/http send an
// empty 200 for a write that was not stored.
func (s *server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, store.ErrClosed):
		s.log.Warn("request not completed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusServiceUnavailable, codeServerError, "the chat service is unavailable; try again")
	case errors.Is(err, store.ErrDiskFull), errors.Is(err, store.ErrReadOnly), errors.Is(err, store.ErrDatabaseGone),
		errors.Is(err, store.ErrUnavailable):
		s.log.Error("cannot store: "+err.Error(), "method", r.Method, "path", r.URL.Path)
		writeError(w, http.StatusServiceUnavailable, codeServerError, "the chat service cannot store messages now; try again later")
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, codeServerError, "the chat service failed; try again")
	}
}

// storeError maps the store's sentinels to API errors.
func (s *server) storeError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, codeNotFound, "no such conversation")
	case errors.Is(err, store.ErrConflict):
		// Says nothing of what holds the id: it may be another customer's.
		writeError(w, http.StatusConflict, codeConflict, "this id is already used; make a new one")
	case errors.Is(err, store.ErrBadCursor):
		writeError(w, http.StatusBadRequest, codeInvalidArgument, "cursor is not one this list gave")
	case errors.Is(err, store.ErrSessionInvalid):
		writeError(w, http.StatusUnauthorized, codeSessionInvalid, "session missing, unknown or revoked")
	default:
		s.serverError(w, r, err)
	}
}
