package sdk

import (
	"strings"
	"sync"
	"time"
)

// Config configures a Client.
type Config struct {
	APIKey    string
	ServerURL string    // e.g. "https://chat.example.com"; a trailing slash is tolerated
	Storage   Storage   // nil: in memory
	Transport Transport // required
	Clock     Clock     // nil: the system clock
	// Random fills b with cryptographically secure random bytes, for the ids the
	// device makes: its own, its conversations' and its messages'. nil: crypto/rand;
	// required under js, where the bridge uses crypto.getRandomValues.
	Random func(b []byte) error
	// Events receives the core's events. nil: no events.
	Events Events
	// Warn receives console warnings; they never contain a token. nil: discarded.
	Warn           func(message string)
	RequestTimeout time.Duration // 0: 15 s
	// TokenProvider, when set, renews a verified customer's session that ended at the
	// service (see SetTokenProvider); it is called on the worker, which waits for it up
	// to 10 s.
	TokenProvider TokenProvider
	// AfterAnswer, when set, calls next, which must not block, once the caller of the
	// call that just settled has had its answer. What need not delay that answer
	// (persisting a login, starting its event poller) waits for it, and still runs
	// before the next call. Under js the bridge calls next from a JavaScript task of
	// its own: Go runs every ready goroutine before it returns to JavaScript, so work
	// done on the worker right after a call settles would delay the call's Promise.
	// nil: that work runs before the call settles.
	AfterAnswer func(next func())
}

const (
	defaultRequestTimeout = 15 * time.Second
	logoutTimeout         = 3 * time.Second
	storagePrefix         = "kustomer-chat:"
)

// Client is the SDK core: the identity state machine and the chat client. Its calls
// settle one at a time, in call order, on a single worker goroutine.
type Client struct {
	apiKey    string
	base      string
	key       string
	transport Transport
	now       func() time.Time
	random    func([]byte) error
	events    Events
	warnFn    func(string)
	timeout   time.Duration
	store     *safeStorage

	scope *scope // cancelled by Close

	mu     sync.Mutex
	queue  []job
	busy   bool // a call is running, on the worker or inline
	closed bool
	wake   chan struct{}
	done   chan struct{} // closed when the worker has stopped

	// Owned by whichever runs the current call (see busy): the worker, or submitLocal.
	loaded    bool
	st        state
	provider  TokenProvider
	poll      *poller
	announced map[string]bool // messages this tab has announced with onMessageSent
	// deliveryFailed: the last delivery of the outbox failed, so what waits in it is
	// "failed" until the next one.
	deliveryFailed bool
	askedWait      time.Duration // the Retry-After of the delivery's last 429, 0 for none

	// Reachability and the outbox's background retry, under mu.
	connected   bool          // the last request got an answer
	waiting     bool          // the outbox held entries after the last delivery
	retryDelay  time.Duration // the background retry's backoff, 0 after a success
	retryTimer  *time.Timer
	flushQueued bool       // a flush job is in the queue
	connMu      sync.Mutex // keeps reachability changes and their events in one order

	// Background work that outlives its call (revoking a replaced session).
	bg sync.WaitGroup

	// Tunables, fixed before the worker starts; tests shorten them.
	backoffMin, backoffMax time.Duration
	pollWait               int             // seconds the long poll asks the service to wait
	minPollGap             time.Duration   // least time between two empty long-poll answers
	sendRetries            []time.Duration // waits before a send's in-call retries
	providerTimeout        time.Duration
	onSettle               func() // called after each call settles, on the goroutine that ran it

	afterAnswer func(next func()) // Config.AfterAnswer
	deferred    []func()          // the running call's work for after its answer (see later)
}

// New returns a started Client. It fails with INVALID_ARGUMENT for an empty APIKey, a
// ServerURL that is not http(s)://host[:port], a nil Transport, or no Random source.
func New(cfg Config) (*Client, error) {
	c, err := newClient(cfg, nil)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func newClient(cfg Config, tweak func(*Client)) (*Client, *Error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, newError(CodeInvalidArgument, "an API key is required")
	}
	base, ok := normalizeServerURL(cfg.ServerURL)
	if !ok {
		return nil, newError(CodeInvalidArgument, "the server URL must be http(s)://host")
	}
	if cfg.Transport == nil {
		return nil, newError(CodeInvalidArgument, "a Transport is required")
	}
	random := cfg.Random
	if random == nil {
		random = defaultRandom
	}
	if random == nil {
		return nil, newError(CodeInvalidArgument, "a Random source is required")
	}
	c := &Client{
		apiKey:     cfg.APIKey,
		base:       base,
		key:        storagePrefix + cfg.APIKey,
		transport:  cfg.Transport,
		now:        time.Now,
		random:     random,
		events:     cfg.Events,
		warnFn:     cfg.Warn,
		timeout:    cfg.RequestTimeout,
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		backoffMin: time.Second,
		backoffMax: 30 * time.Second,
		pollWait:   20,
		minPollGap: time.Second,
		// A send fails with NETWORK_ERROR after these; past a restart of the service,
		// its message waits for the background retry.
		sendRetries:     []time.Duration{300 * time.Millisecond, time.Second},
		connected:       true,
		provider:        cfg.TokenProvider,
		providerTimeout: tokenProviderTimeout,
		afterAnswer:     cfg.AfterAnswer,
	}
	if cfg.Clock != nil {
		// A func, not a default Clock value: a type of ours held as a Clock would link
		// time's formatter into the WebAssembly build (see scope).
		c.now = cfg.Clock.Now
	}
	if c.timeout <= 0 {
		c.timeout = defaultRequestTimeout
	}
	storage := cfg.Storage
	if storage == nil {
		storage = NewMemoryStorage()
	}
	c.store = &safeStorage{inner: storage, warn: c.warn}
	c.scope = newScope()
	if tweak != nil {
		tweak(c)
	}
	go c.worker()
	return c, nil
}

// StorageKey is the Storage key of the state: "kustomer-chat:" + APIKey. The bridge
// matches storage events of other tabs against it.
func (c *Client) StorageKey() string { return c.key }

// Close stops the worker and the event poller. It does not wait for them (it may be
// called from a JavaScript callback); calls still queued, and calls made after it,
// settle with NOT_CONFIGURED. Calling it again does nothing.
func (c *Client) Close() {
	c.mu.Lock()
	c.closed = true
	c.stopRetry()
	c.mu.Unlock()
	c.scope.cancel()
	c.signal()
}

// emit passes an event to Config.Events; a panicking listener is reported, not
// raised. event names it in the warning.
func (c *Client) emit(event string, deliver func(Events)) {
	if c.events == nil || c.scope.ended() {
		return
	}
	defer func() {
		if recover() != nil {
			c.warn("an event listener for " + event + " failed")
		}
	}()
	deliver(c.events)
}

func (c *Client) warn(message string) {
	if c.warnFn == nil {
		return
	}
	defer func() { _ = recover() }()
	c.warnFn(message)
}

// ensureLoaded reads the stored state on the first call, starts the poller when
// there is a session, and sends what the outbox kept from an earlier page.
func (c *Client) ensureLoaded() {
	if c.loaded {
		return
	}
	c.st = c.readState()
	c.loaded = true
	if c.st.session != "" {
		c.startPoller(c.st.session, noCursor)
	}
	if len(c.readOutbox()) > 0 {
		c.mu.Lock()
		c.waiting = true
		c.mu.Unlock()
		c.kickFlush()
	}
}

// The public calls. Each reserves its place in the queue before returning.

// LogIn identifies the customer with a JWT signed by the site's backend.
func (c *Client) LogIn(jwt string) *Call[*Identity] {
	return submit(c, func() (*Identity, *Error) { return c.logIn(jwt) })
}

// LogOut forgets the customer and makes a fresh anonymous device. It never fails for
// network reasons.
func (c *Client) LogOut() *Call[struct{}] {
	return submit(c, func() (struct{}, *Error) { c.logOut(); return struct{}{}, nil })
}

// LogOutThenLogIn logs out then logs in as one queued step; when the login part
// fails, the device stays logged out.
func (c *Client) LogOutThenLogIn(jwt string) *Call[*Identity] {
	return submit(c, func() (*Identity, *Error) { c.logOut(); return c.logIn(jwt) })
}

// IsLoggedIn tells, without a request, whether the verified customer on this device
// has this email (idType "email") or externalId (idType "userId").
func (c *Client) IsLoggedIn(idType, id string) *Call[bool] {
	return submitLocal(c, func() (bool, *Error) { return c.isLoggedIn(idType, id) })
}

// GetIdentity returns a copy of the current identity, anonymous or verified.
func (c *Client) GetIdentity() *Call[*Identity] {
	return submitLocal(c, func() (*Identity, *Error) {
		c.ensureLoaded()
		id := c.st.identity
		return &id, nil
	})
}

// CreateConversation starts a chat with its first message, creating the anonymous
// customer first when the device has none. The message goes through the outbox: when
// the service cannot be reached, the call fails with NETWORK_ERROR but the message is
// kept, and the conversation is created once the service is back.
func (c *Client) CreateConversation(message string) *Call[*Conversation] {
	return submit(c, func() (*Conversation, *Error) { return c.createConversation(message) })
}

// SendMessage posts a customer message to one of the customer's conversations, or to
// one the outbox is still to create. It goes through the outbox, as CreateConversation.
func (c *Client) SendMessage(conversationID, text string) *Call[*Message] {
	return submit(c, func() (*Message, *Error) { return c.sendMessage(conversationID, text) })
}

// GetPendingMessages lists, oldest first and without a request, the messages of this
// device that the service has not stored yet.
func (c *Client) GetPendingMessages() *Call[[]PendingMessage] {
	return submitLocal(c, func() ([]PendingMessage, *Error) { return c.getPendingMessages(), nil })
}

// RetryPending sends the outbox now, as the background retry would, and resets its
// backoff. It settles when the attempt has ended; what came of it, the events tell
// (onMessageSent, onConnectionChange) and GetPendingMessages shows.
func (c *Client) RetryPending() *Call[struct{}] {
	return submit(c, func() (struct{}, *Error) {
		c.ensureLoaded()
		c.mu.Lock()
		c.stopRetry()
		c.mu.Unlock()
		c.flush()
		return struct{}{}, nil
	})
}

// GetConversations lists the customer's conversations, newest activity first.
func (c *Client) GetConversations() *Call[[]Conversation] {
	return submit(c, renewing(c, c.getConversations))
}

// GetMessages lists a conversation's messages, oldest first.
func (c *Client) GetMessages(conversationID string) *Call[[]Message] {
	return submit(c, renewing(c, func() ([]Message, *Error) { return c.getMessages(conversationID) }))
}

// GetUnreadCount is the number of unread agent messages over every conversation.
func (c *Client) GetUnreadCount() *Call[int] {
	return submit(c, renewing(c, c.getUnreadCount))
}

// MarkRead marks every message of a conversation read.
func (c *Client) MarkRead(conversationID string) *Call[struct{}] {
	return submit(c, renewing(c, func() (struct{}, *Error) { return struct{}{}, c.markRead(conversationID) }))
}

// Reload re-reads the stored state after another tab changed it, emitting onLogout
// and onLogin when the verified customer changed.
func (c *Client) Reload() *Call[struct{}] {
	return submit(c, func() (struct{}, *Error) { c.reload(); return struct{}{}, nil })
}
