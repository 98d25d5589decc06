// Package web is the chat service's HTTP layer: the SDK API, the agent API,
// the SDK's files under /sdk/ and the demo page, as described in API.md.
package service

import (
	"crypto/subtle"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kustomer-chat/kustomer-chat/contract"
	"github.com/kustomer-chat/kustomer-chat/web/internal/agentui"
	"github.com/kustomer-chat/kustomer-chat/web/internal/demo"
	"github.com/kustomer-chat/kustomer-chat/web/internal/sdkassets"
	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// Options configure the service.
type Options struct {
	Store store.Store
	// APIKey is the org's public key that every SDK request carries.
	APIKey string
	// JWTSecret verifies login tokens (HS256).
	JWTSecret string
	// AgentKey is the bearer key of the agent API; empty refuses every agent call.
	AgentKey string
	// AllowedOrigins lists the origins CORS allows; empty allows every origin.
	AllowedOrigins []string
	// Dev adds the development routes under /v1/dev/ that the demo page uses.
	Dev bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Assets holds the SDK's built files, served under /sdk/; nil means the
	// files embedded in the binary.
	Assets fs.FS
	// Logger receives server errors (never tokens); nil means slog.Default().
	Logger *slog.Logger
	// Stopping, closed when the server starts shutting down, ends the long
	// polls at once (they answer with what there is) while other requests,
	// writes above all, run to their end.
	Stopping <-chan struct{}
	// Limits bound clients, sessions and customers; the zero value bounds nothing.
	Limits Limits
	// BehindTLS says browsers reach the service over HTTPS through a proxy
	// that ends TLS: the agent cookie is then Secure although the request
	// reached here in plain HTTP.
	BehindTLS bool
	// Wakeups carries wake-ups to the other instances that share Store (see
	// NATSWakeups), one value per New; nil: this instance is alone.
	Wakeups Wakeups
}

type server struct {
	store    store.Store
	apiKey   []byte
	secret   []byte
	agentKey []byte
	dev      bool
	now      func() time.Time
	log      *slog.Logger
	notifier *notifier
	wakeups  Wakeups
	sessions *sessionCache
	stopping <-chan struct{}

	proxyHeader                           string
	anonymous, logins, convCreates, sends *keyedLimiter
	polls                                 *pollGate
	agentPolls                            *pollGate // keyed by nothing: one total cap
	maxSessions                           int

	behindTLS                 bool
	signInEmails, signInAddrs *keyedLimiter
}

// New returns the service's handler.
func New(opts Options) (http.Handler, error) {
	_, h, err := newServer(opts)
	return h, err
}

func newServer(opts Options) (*server, http.Handler, error) {
	if opts.Store == nil {
		return nil, nil, errors.New("web: Options.Store is required")
	}
	if opts.APIKey == "" || opts.JWTSecret == "" {
		return nil, nil, errors.New("web: Options.APIKey and Options.JWTSecret are required")
	}
	s := &server{
		store:    opts.Store,
		apiKey:   []byte(opts.APIKey),
		secret:   []byte(opts.JWTSecret),
		agentKey: []byte(opts.AgentKey),
		dev:      opts.Dev,
		now:      opts.Now,
		log:      opts.Logger,
		notifier: newNotifier(),
		wakeups:  opts.Wakeups,
		sessions: newSessionCache(),
		stopping: opts.Stopping,

		proxyHeader: http.CanonicalHeaderKey(opts.Limits.TrustedProxyHeader),
		anonymous:   newKeyedLimiter(opts.Limits.Anonymous, maxLimiterKeys),
		logins:      newKeyedLimiter(opts.Limits.Logins, maxLimiterKeys),
		convCreates: newKeyedLimiter(opts.Limits.Conversations, maxLimiterKeys),
		sends:       newKeyedLimiter(opts.Limits.Messages, maxLimiterKeys),
		polls:       newPollGate(opts.Limits.PollsPerSession, opts.Limits.Polls),
		agentPolls:  newPollGate(0, opts.Limits.AgentPolls),
		maxSessions: opts.Limits.SessionsPerCustomer,

		behindTLS:    opts.BehindTLS,
		signInEmails: newKeyedLimiter(opts.Limits.AgentSignInsPerEmail, maxLimiterKeys),
		signInAddrs:  newKeyedLimiter(opts.Limits.AgentSignInsPerAddress, maxLimiterKeys),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.wakeups == nil {
		s.wakeups = alone{}
	}
	assets := opts.Assets
	if assets == nil {
		assets = sdkassets.Dist()
	}
	sdk, err := sdkassets.NewHandler(assets)
	if err != nil {
		return nil, nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/ping", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })

	mux.HandleFunc("POST "+contract.PathAnonymous, s.withAPIKey(s.createAnonymous))
	mux.HandleFunc("POST "+contract.PathLogin, s.login) // checks the API key itself: see login
	mux.HandleFunc("POST "+contract.PathLogout, s.withAPIKey(s.logout))

	mux.HandleFunc("GET "+contract.PathConversations, s.withSession(s.listConversations))
	mux.HandleFunc("POST "+contract.PathConversations, s.withSession(s.createConversation))
	mux.HandleFunc("GET "+contract.PathConversations+"/{id}/messages", s.withSession(s.listMessages))
	mux.HandleFunc("POST "+contract.PathConversations+"/{id}/messages", s.withSession(s.sendMessage))
	mux.HandleFunc("POST "+contract.PathConversations+"/{id}/read", s.withSession(s.markRead))
	mux.HandleFunc("GET "+contract.PathEvents, s.withSession(s.events))

	s.agentRoutes(mux, "/v1/agent", s.withAgentKey)

	if opts.Dev {
		mux.HandleFunc("POST /v1/dev/token", s.devToken)
		mux.HandleFunc("GET /v1/dev/config", s.devConfig)
		mux.HandleFunc("POST /v1/dev/agent-reply", s.devAgentReply)
	}

	// Anything else under /v1/, including a known path with the wrong
	// method, answers in the API's error format.
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, codeNotFound, "no such endpoint")
	})
	s.agentSignInRoutes(mux)
	mux.Handle("/sdk/", http.StripPrefix("/sdk", sdk))
	inbox := agentui.Handler()
	mux.Handle("GET /agent/{$}", inbox)
	mux.Handle("GET /agent/static/", inbox)
	if opts.Dev {
		// The demo site: a shop at / and the developer console at /console.
		site := demo.Handler(opts.APIKey)
		mux.Handle("GET /{$}", site)
		mux.Handle("GET /console", site)
		mux.Handle("GET /demo/", site)
	} else {
		// In production / only says what answers here, so an operator who
		// opens it knows the service runs and where the SDK is.
		mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Content-Security-Policy", "default-src 'none'")
			h.Set("X-Content-Type-Options", "nosniff")
			w.Write([]byte(homePage))
		})
	}

	// Last, so that a failed New leaves nothing listening.
	if err := s.wakeups.Listen(local{s.notifier, s.sessions}); err != nil {
		return nil, nil, err
	}
	return s, newCORS(opts.AllowedOrigins).wrap(agentArea(s.recoverPanics(mux))), nil
}

const homePage = `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Kustomer Chat service</title>
<h1>Kustomer Chat service</h1>
<p>This is the chat service of the Kustomer Chat SDK: its API is under <code>/v1/</code>,
and sites load the SDK from <code>/sdk/kustomer-chat.js</code>.
The demo shop and console are served only when the service runs with <code>-dev</code>.</p>
</html>
`

// recoverPanics turns a handler's panic into a 500 in the API's format rather
// than a dropped connection.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", v)
				writeError(w, http.StatusInternalServerError, codeServerError, "the chat service failed; try again")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func equalSecret(got string, want []byte) bool {
	return len(want) > 0 && subtle.ConstantTimeCompare([]byte(got), want) == 1
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

func (s *server) withAPIKey(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !equalSecret(r.Header.Get(contract.HeaderAPIKey), s.apiKey) {
			writeError(w, http.StatusUnauthorized, codeTokenRejected, "missing or unknown API key")
			return
		}
		next(w, r)
	}
}

type sessionHandler func(w http.ResponseWriter, r *http.Request, sess store.Session)

func (s *server) withSession(next sessionHandler) http.HandlerFunc {
	return s.withAPIKey(func(w http.ResponseWriter, r *http.Request) {
		token := bearer(r)
		if token == "" {
			writeError(w, http.StatusUnauthorized, codeSessionInvalid, "session missing, unknown or revoked")
			return
		}
		key, now := tokenKey(token), s.now()
		if sess, ok := s.sessions.get(key, now); ok {
			next(w, r, sess)
			return
		}
		epoch := s.sessions.reading()
		sess, err := s.store.Session(r.Context(), token, now)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		s.sessions.put(key, sess, epoch, now)
		next(w, r, sess)
	})
}

// withAgentKey serves the agent API: the caller is an integration.
func (s *server) withAgentKey(next agentHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !equalSecret(bearer(r), s.agentKey) {
			writeError(w, http.StatusUnauthorized, codeUnauthorized, "the agent API needs the agent key")
			return
		}
		next(w, r, agentActor{})
	}
}
