package service

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kustomer-chat/kustomer-chat/contract"
	"github.com/kustomer-chat/kustomer-chat/web/internal/password"
	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// agentCookieName names the cookie that holds an inbox agent's session
// token. Path=/agent keeps it off the SDK's API and the demo pages;
// SameSite=Strict keeps it off requests other sites start (another port of
// the same host is the same site, though: agentArea's origin check covers
// that).
const agentCookieName = "kustomer_chat_agent"

// agentSecurityHeaders go on every answer under /agent/: the inbox shows
// visitors' text, so its pages run only their own scripts, load nothing
// from elsewhere, and cannot be framed by a page that would overlay them.
var agentSecurityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
	"X-Frame-Options":        "DENY",
	"Referrer-Policy":        "same-origin",
	"X-Content-Type-Options": "nosniff",
}

// agentArea guards everything under /agent/: the security headers, and
// http.CrossOriginProtection on every request but GET, HEAD and OPTIONS,
// before any handler runs. The browser sends the agent's cookie with a
// request that a page on another port of the same host forges (same-site),
// as a form post, text/plain or JSON alike: the check refuses any request
// whose Sec-Fetch-Site is not same-origin, or whose Origin is not the Host
// the request was sent to.
func agentArea(next http.Handler) http.Handler {
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, codeOriginNotAllowed, "the inbox accepts changes only from its own pages")
	}))
	guarded := csrf.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/agent" && !strings.HasPrefix(r.URL.Path, "/agent/") {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		for k, v := range agentSecurityHeaders {
			h.Set(k, v)
		}
		if strings.HasPrefix(r.URL.Path, "/agent/api/") {
			h.Set("Cache-Control", "no-store")
		}
		guarded.ServeHTTP(w, r)
	})
}

func (s *server) agentSignInRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /agent/api/sign-in", s.agentSignIn)
	mux.HandleFunc("POST /agent/api/sign-out", s.agentSignOut)
	mux.HandleFunc("GET /agent/api/me", s.agentMe)
	s.agentRoutes(mux, "/agent/api", s.withAgentSession)
	mux.HandleFunc("/agent/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, codeNotFound, "no such endpoint")
	})
}

type signInRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type agentJSON struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

type agentBody struct {
	Agent agentJSON `json:"agent"`
}

func agentOf(a store.Agent) agentBody {
	return agentBody{Agent: agentJSON{ID: a.ID, Email: a.Email, Name: a.Name}}
}

// maxEmailKeyBytes bounds the per-email limiter's keys: no agent's email is
// longer, so a longer one counts under its first bytes without harm.
const maxEmailKeyBytes = 254

func (s *server) agentSignIn(w http.ResponseWriter, r *http.Request) {
	var req signInRequest
	if !decode(w, r, &req) {
		return
	}
	email, err := contract.Email(req.Email)
	if err != nil {
		email = req.Email // no agent has it; still counted like any other
	}
	now := s.now()
	addrBack, wait, ok := s.signInAddrs.hold(s.clientAddr(r), now)
	if !ok {
		tooMany(w, wait)
		return
	}
	emailBack, wait, ok := s.signInEmails.hold(email[:min(len(email), maxEmailKeyBytes)], now)
	if !ok {
		addrBack()
		tooMany(w, wait)
		return
	}
	notCounted := func() { addrBack(); emailBack() }

	// An unknown email is checked against a dummy hash, so that it takes the
	// time a known one does and answers the same.
	a, hash, err := s.store.AgentByEmail(r.Context(), email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		notCounted()
		s.serverError(w, r, err)
		return
	}
	// A disabled agent is refused here, not only by CreateAgentSession, so
	// that its answer costs what a wrong password's does.
	if !password.Verify(hash, req.Password) || !a.DisabledAt.IsZero() {
		wrongPassword(w)
		return
	}
	in, err := s.store.CreateAgentSession(r.Context(), a.ID, now)
	if errors.Is(err, store.ErrNotFound) { // disabled meanwhile
		wrongPassword(w)
		return
	}
	notCounted()
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	maxAge := 0 // a browser-session cookie when sessions have no lifetime
	if !in.Expires.IsZero() {
		maxAge = max(1, int(in.Expires.Sub(now)/time.Second))
	}
	http.SetCookie(w, s.sessionCookie(r, in.Token, maxAge))
	writeJSON(w, http.StatusOK, agentOf(in.Agent))
}

func wrongPassword(w http.ResponseWriter) {
	writeError(w, http.StatusUnauthorized, codeUnauthorized, "wrong email or password")
}

// sessionCookie is the agent session cookie; maxAge as http.Cookie's (-1 clears it).
func (s *server) sessionCookie(r *http.Request, token string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: agentCookieName, Value: token, Path: "/agent", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.behindTLS || r.TLS != nil}
}

func (s *server) agentSignOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(agentCookieName); err == nil && c.Value != "" {
		if err := s.store.RevokeAgentSession(r.Context(), c.Value, s.now()); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	http.SetCookie(w, s.sessionCookie(r, "", -1))
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) agentMe(w http.ResponseWriter, r *http.Request) {
	if a, ok := s.signedInAgent(w, r); ok {
		writeJSON(w, http.StatusOK, agentOf(a))
	}
}

// withAgentSession serves next as the agent whose live session the cookie
// holds, or answers 401 with no data.
func (s *server) withAgentSession(next agentHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a, ok := s.signedInAgent(w, r); ok {
			next(w, r, agentActor{AgentID: a.ID, Name: a.Name})
		}
	}
}

// signedInAgent resolves the request's agent cookie, answering the error
// itself when there is no live session.
func (s *server) signedInAgent(w http.ResponseWriter, r *http.Request) (store.Agent, bool) {
	c, err := r.Cookie(agentCookieName)
	if err != nil || c.Value == "" {
		writeError(w, http.StatusUnauthorized, codeUnauthorized, "sign in to the inbox first")
		return store.Agent{}, false
	}
	a, err := s.store.AgentSession(r.Context(), c.Value, s.now())
	switch {
	case errors.Is(err, store.ErrSessionInvalid):
		writeError(w, http.StatusUnauthorized, codeUnauthorized, "the inbox session ended; sign in again")
		return store.Agent{}, false
	case err != nil:
		s.serverError(w, r, err)
		return store.Agent{}, false
	}
	return a, true
}
