// Command kustomer-chat-server is the chat service: the SDK's API, the agent
// API, the SDK's files under /sdk/ and a demo page at /, in one binary with
// its data in one SQLite file.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/internal/sdkassets"
	"github.com/kustomer-chat/kustomer-chat/web/internal/service"
	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// sdkFiles are the SDK's files the binary serves; tests, built without
// them, set their own.
var sdkFiles = sdkassets.Dist()

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal kills at once instead of waiting for shutdown
	}()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "kustomer-chat-server:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends (a signal), then shuts down gracefully; or, as
// "agent ...", runs an agent account command (agent.go).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) > 0 && args[0] == "agent" {
		return runAgent(ctx, args[1:], stdin, stdout, stderr, getenv)
	}
	flags := flag.NewFlagSet("kustomer-chat-server", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: kustomer-chat-server [flags]                 serve\n"+
			"       kustomer-chat-server agent COMMAND -db FILE   manage the inbox's agents (agent alone lists the commands)")
		flags.PrintDefaults()
	}
	addr := flags.String("addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free one)")
	dbPath := flags.String("db", "kustomer-chat.db", "SQLite database file, or a postgres:// URL for a PostgreSQL database that several instances share (env KUSTOMER_CHAT_DB)")
	dev := flags.Bool("dev", false, "enable the development routes the demo page needs (never in production)")
	limits := service.DefaultLimits()
	limitFlags := map[string]string{"db": "KUSTOMER_CHAT_DB"} // flag → its environment variable
	limitFlag := func(l *service.Limit, name, env, usage string) {
		flags.Var(limitValue{l}, name, usage+` (EVENTS/PERIOD,BURST or "off"; env `+env+`)`)
		limitFlags[name] = env
	}
	intFlag := func(n *int, name, env, usage string) {
		flags.IntVar(n, name, *n, usage+" (0: no cap; env "+env+")")
		limitFlags[name] = env
	}
	limitFlag(&limits.Anonymous, "limit-anonymous", "KUSTOMER_CHAT_LIMIT_ANONYMOUS", "anonymous customers made per client address")
	limitFlag(&limits.Logins, "limit-logins", "KUSTOMER_CHAT_LIMIT_LOGINS", "logins per client address")
	limitFlag(&limits.Conversations, "limit-conversations", "KUSTOMER_CHAT_LIMIT_CONVERSATIONS", "conversations started per session")
	limitFlag(&limits.Messages, "limit-messages", "KUSTOMER_CHAT_LIMIT_MESSAGES", "messages sent per session")
	limitFlag(&limits.AgentSignInsPerEmail, "limit-agent-sign-ins-per-email", "KUSTOMER_CHAT_LIMIT_AGENT_SIGN_INS_PER_EMAIL", "failed inbox sign-ins per agent email")
	limitFlag(&limits.AgentSignInsPerAddress, "limit-agent-sign-ins-per-address", "KUSTOMER_CHAT_LIMIT_AGENT_SIGN_INS_PER_ADDRESS", "failed inbox sign-ins per client address")
	intFlag(&limits.PollsPerSession, "max-polls-per-session", "KUSTOMER_CHAT_MAX_POLLS_PER_SESSION", "long polls waiting at once per session")
	intFlag(&limits.Polls, "max-polls", "KUSTOMER_CHAT_MAX_POLLS", "long polls waiting at once in all")
	intFlag(&limits.AgentPolls, "max-agent-polls", "KUSTOMER_CHAT_MAX_AGENT_POLLS", "agents' long polls (agent API and inbox events) waiting at once")
	intFlag(&limits.SessionsPerCustomer, "max-sessions-per-customer", "KUSTOMER_CHAT_MAX_SESSIONS_PER_CUSTOMER", "live sessions per customer; a login past it revokes the oldest")
	flags.StringVar(&limits.TrustedProxyHeader, "trusted-proxy-header", "",
		"header whose last entry, set by your own proxy, is the client address, e.g. X-Forwarded-For; empty: the connection's address (env KUSTOMER_CHAT_TRUSTED_PROXY_HEADER)")
	limitFlags["trusted-proxy-header"] = "KUSTOMER_CHAT_TRUSTED_PROXY_HEADER"
	behindTLS := flags.Bool("behind-tls", false,
		"browsers reach the service over HTTPS through a proxy that ends TLS: the inbox's cookie is then Secure (env KUSTOMER_CHAT_BEHIND_TLS)")
	limitFlags["behind-tls"] = "KUSTOMER_CHAT_BEHIND_TLS"
	shutdownTimeout := flags.Duration("shutdown-timeout", 10*time.Second,
		"on SIGTERM, how long in-flight requests may take to finish before their connections are closed (env KUSTOMER_CHAT_SHUTDOWN_TIMEOUT)")
	limitFlags["shutdown-timeout"] = "KUSTOMER_CHAT_SHUTDOWN_TIMEOUT"
	natsServers := flags.String("nats", "",
		"NATS server URL(s), comma-separated, carrying long-poll wake-ups between instances that share one database; empty: this instance is alone (env KUSTOMER_CHAT_NATS)")
	limitFlags["nats"] = "KUSTOMER_CHAT_NATS"
	// A set variable is the flag's default; the command line still wins.
	for name, env := range limitFlags {
		if v := getenv(env); v != "" {
			if err := flags.Set(name, v); err != nil {
				return fmt.Errorf("%s: %w", env, err)
			}
		}
	}
	sessions := sessionFlags(flags)
	if err := flags.Parse(args); err != nil {
		return err
	}
	policy, err := sessions(getenv)
	if err != nil {
		return err
	}
	if *shutdownTimeout <= 0 {
		return errors.New("-shutdown-timeout must be positive")
	}

	// stdout carries exactly one line, the listening address, for scripts
	// and tests; everything else goes to stderr.
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	// go build alone, without make's SDK step, embeds an empty dist: the
	// service would run and answer 404 for the very script sites load.
	if _, err := fs.Stat(sdkFiles, "kustomer-chat.js"); err != nil {
		return errors.New("this binary was built without the SDK's files (web/internal/sdkassets/dist has no kustomer-chat.js): build it with make build")
	}

	st, err := openStore(ctx, *dbPath, policy)
	if err != nil {
		return err
	}
	defer st.Close()

	apiKey, secret, err := orgKeys(ctx, st, stderr, getenv)
	if err != nil {
		return err
	}
	agentKey := getenv("KUSTOMER_CHAT_AGENT_KEY")
	if agentKey == "" {
		if agentKey, err = st.Setting(ctx, "agent_key", randomKey("agent_")); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "KUSTOMER_CHAT_AGENT_KEY unset; using the generated agent key kept in %s:\n  agent key: %s\n", dbName(*dbPath), agentKey)
	}
	var demoPassword string
	if *dev {
		if demoPassword, err = demoAgent(ctx, st); err != nil {
			return err
		}
	}

	// An interface holding a nil *service.NATSWakeups would not be nil.
	var wakeups service.Wakeups
	if *natsServers != "" {
		nw, err := service.ConnectNATS(*natsServers, logger)
		if err != nil {
			return fmt.Errorf("-nats: %w", err)
		}
		// Deferred after the store's Close, so run before it, and after
		// the HTTP shutdown: the last writes' wake-ups go out.
		defer nw.Close()
		wakeups = nw
	}

	// Closed when shutdown starts, so waiting long polls answer at once
	// instead of holding the shutdown for up to 25 s. Request contexts are
	// not cancelled: a write under way finishes and is answered.
	stopping := make(chan struct{})
	handler, err := service.New(service.Options{
		Stopping:       stopping,
		Assets:         sdkFiles,
		Store:          st,
		APIKey:         apiKey,
		JWTSecret:      secret,
		AgentKey:       agentKey,
		AllowedOrigins: splitList(getenv("KUSTOMER_CHAT_ALLOWED_ORIGINS")),
		Dev:            *dev,
		Logger:         logger,
		Limits:         limits,
		BehindTLS:      *behindTLS,
		Wakeups:        wakeups,
	})
	if err != nil {
		return err
	}

	// Stopped, and waited for, before the store closes.
	purgeCtx, stopPurge := context.WithCancel(ctx)
	purged := make(chan struct{})
	go func() {
		defer close(purged)
		service.PurgeSessions(purgeCtx, st, service.PurgeEvery, time.Now, logger)
	}()
	defer func() { stopPurge(); <-purged }()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second, // above the 25 s long poll
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if *dev {
		fmt.Fprintln(stderr, "development routes enabled (-dev): /v1/dev/token signs logins for anyone; do not expose this")
		fmt.Fprintf(stderr, "demo inbox agent (-dev; a new password at every start): sign in at http://%s/agent/\n  email:    %s\n  password: %s\n",
			ln.Addr(), demoAgentEmail, demoPassword)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "kustomer-chat-server listening on http://%s\n", ln.Addr())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "shutting down")
	close(stopping)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), *shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// orgKeys returns the org's API key and JWT secret from the environment, or
// else a development pair made once and kept in the database, so restarts do
// not invalidate the pages and backends that use it.
func orgKeys(ctx context.Context, st store.Store, stderr io.Writer, getenv func(string) string) (string, string, error) {
	apiKey, secret := getenv("KUSTOMER_CHAT_API_KEY"), getenv("KUSTOMER_CHAT_JWT_SECRET")
	switch {
	case apiKey != "" && secret != "":
		return apiKey, secret, nil
	case apiKey != "" || secret != "":
		return "", "", errors.New("set both KUSTOMER_CHAT_API_KEY and KUSTOMER_CHAT_JWT_SECRET, or neither")
	}
	apiKey, err := st.Setting(ctx, "dev_api_key", randomKey("pk_dev_"))
	if err != nil {
		return "", "", err
	}
	secret, err = st.Setting(ctx, "dev_jwt_secret", randomKey(""))
	if err != nil {
		return "", "", err
	}
	fmt.Fprintf(stderr, "KUSTOMER_CHAT_API_KEY and KUSTOMER_CHAT_JWT_SECRET unset; using the development pair kept in the database:\n  api key:    %s\n  jwt secret: %s\n", apiKey, secret)
	return apiKey, secret, nil
}

// sessionFlags registers the session lifetimes' flags. The returned function,
// called after Parse, gives the policy: a flag given on the command line wins
// over its environment variable, which wins over store.DefaultSessionPolicy;
// 0 is no bound.
func sessionFlags(flags *flag.FlagSet) func(getenv func(string) string) (store.SessionPolicy, error) {
	p := store.DefaultSessionPolicy
	type lifetime struct {
		name, env string
		dst       *time.Duration
		usage     string
	}
	all := []lifetime{
		{"session-idle", "KUSTOMER_CHAT_SESSION_IDLE", &p.VerifiedIdle, "a logged-in visitor's session ends after this long unused"},
		{"session-lifetime", "KUSTOMER_CHAT_SESSION_LIFETIME", &p.VerifiedLifetime, "a logged-in visitor's session ends this long after its login"},
		{"anonymous-session-idle", "KUSTOMER_CHAT_ANONYMOUS_SESSION_IDLE", &p.AnonymousIdle,
			"an anonymous visitor's session, and with it the device's claim to its history, ends after this long unused"},
		{"anonymous-session-lifetime", "KUSTOMER_CHAT_ANONYMOUS_SESSION_LIFETIME", &p.AnonymousLifetime, "an anonymous visitor's session ends this long after it was made"},
		{"agent-session-idle", "KUSTOMER_CHAT_AGENT_SESSION_IDLE", &p.AgentIdle, "an inbox agent's sign-in ends after this long unused"},
		{"agent-session-lifetime", "KUSTOMER_CHAT_AGENT_SESSION_LIFETIME", &p.AgentLifetime, "an inbox agent's sign-in ends this long after it was made"},
	}
	for _, f := range all {
		flags.DurationVar(f.dst, f.name, *f.dst, f.usage+" (env "+f.env+"; 0: never)")
	}
	return func(getenv func(string) string) (store.SessionPolicy, error) {
		given := map[string]bool{}
		flags.Visit(func(f *flag.Flag) { given[f.Name] = true })
		for _, f := range all {
			if v := getenv(f.env); v != "" && !given[f.name] {
				d, err := time.ParseDuration(v)
				if err != nil {
					return store.SessionPolicy{}, fmt.Errorf("%s=%q: want a duration such as 168h, or 0", f.env, v)
				}
				*f.dst = d
			}
			if *f.dst < 0 {
				return store.SessionPolicy{}, fmt.Errorf("-%s cannot be negative", f.name)
			}
		}
		return p, nil
	}
}

func randomKey(prefix string) func() (string, error) {
	return func() (string, error) {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		return prefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
	}
}

// limitValue reads a service.Limit from a flag or an environment variable.
type limitValue struct{ l *service.Limit }

func (v limitValue) String() string {
	if v.l == nil {
		return ""
	}
	return v.l.String()
}

func (v limitValue) Set(s string) error {
	l, err := service.ParseLimit(s)
	if err != nil {
		return err
	}
	*v.l = l
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
