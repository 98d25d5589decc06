package service

import (
	"errors"
	"net/http"

	"github.com/kustomer-chat/kustomer-chat/contract"
	"github.com/kustomer-chat/kustomer-chat/web/internal/auth"
	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

const maxTrackingIDLen = 128

func validTrackingID(w http.ResponseWriter, id string) bool {
	if id == "" || len(id) > maxTrackingIDLen {
		writeError(w, http.StatusBadRequest, codeInvalidArgument, "trackingId must be 1 to 128 characters")
		return false
	}
	return true
}

// anonymousJSON answers POST /v1/identities/anonymous.
type anonymousJSON struct {
	Identity     identityJSON `json:"identity"`
	SessionToken string       `json:"sessionToken"`
}

func (s *server) createAnonymous(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, s.anonymous, s.clientAddr(r)) {
		return
	}
	var req struct {
		TrackingID string `json:"trackingId"`
	}
	if !decode(w, r, &req) || !validTrackingID(w, req.TrackingID) {
		return
	}
	id, token, err := s.store.CreateAnonymous(r.Context(), req.TrackingID, s.now())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, anonymousJSON{Identity: identityOf(id), SessionToken: token})
}

// loginJSON is the answer of a login. It carries no history: the SDK reads the
// conversations when the page asks for them (GET /v1/conversations), so a list here
// would only be thrown away.
type loginJSON struct {
	Identity     identityJSON `json:"identity"`
	SessionToken string       `json:"sessionToken"`
	// Cursor is the events cursor as of the login, moved conversations included: a
	// poll after it misses nothing stored since.
	Cursor int64 `json:"cursor"`
}

// login takes the API key from X-Kustomer-Api-Key or from the body's apiKey. The SDK
// sends the body as text/plain with no header of its own, a CORS-simple request that
// browsers send without a preflight: a logIn costs one round trip.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	// Before anything is read: a refused flood costs no token check.
	if !s.allow(w, s.logins, s.clientAddr(r)) {
		return
	}
	var req struct {
		APIKey        string `json:"apiKey"`
		JWT           string `json:"jwt"`
		TrackingID    string `json:"trackingId"`
		TrackingToken string `json:"trackingToken"`
	}
	if !decode(w, r, &req) {
		return
	}
	key := r.Header.Get(contract.HeaderAPIKey)
	if key == "" {
		key = req.APIKey
	}
	if !equalSecret(key, s.apiKey) {
		writeError(w, http.StatusUnauthorized, codeTokenRejected, "missing or unknown API key")
		return
	}
	if req.JWT == "" {
		writeError(w, http.StatusBadRequest, codeInvalidArgument, "jwt is required")
		return
	}
	if !validTrackingID(w, req.TrackingID) {
		return
	}
	claims, err := auth.Verify(req.JWT, s.secret, s.now())
	switch {
	case errors.Is(err, auth.ErrTokenExpired):
		writeError(w, http.StatusUnauthorized, codeTokenExpired, "the login token has expired")
		return
	case err != nil:
		writeError(w, http.StatusUnauthorized, codeTokenRejected, "the login token was not accepted")
		return
	}
	res, err := s.store.Login(r.Context(), store.LoginParams{
		Email:         claims.Email, // canonical already
		ExternalID:    claims.ExternalID,
		TrackingID:    req.TrackingID,
		TrackingToken: req.TrackingToken,
		MaxSessions:   s.maxSessions,
		Now:           s.now(),
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// It revoked the device's earlier sessions, the customer's oldest beyond
	// the bound, and the adopted anonymous customer's.
	s.sessionsEnded(res.Identity.CustomerID)
	if res.MergedFrom != "" {
		s.sessionsEnded(res.MergedFrom)
	}
	writeJSON(w, http.StatusOK, loginJSON{
		Identity:     identityOf(res.Identity),
		SessionToken: res.SessionToken,
		Cursor:       res.Cursor,
	})
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	token := bearer(r)
	if token == "" {
		writeError(w, http.StatusUnauthorized, codeSessionInvalid, "session missing, unknown or revoked")
		return
	}
	sess, err := s.store.Session(r.Context(), token, s.now())
	if err := s.store.RevokeSession(r.Context(), token, s.now()); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err == nil {
		s.sessionsEnded(sess.CustomerID)
		// The session's waiting polls (other tabs) wake and answer 401 now.
		s.wakeCustomer(sess.CustomerID)
	}
	w.WriteHeader(http.StatusNoContent)
}
