package service

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a token bucket: Events per Per on average, up to Burst at once.
// The zero Limit limits nothing.
type Limit struct {
	Events int
	Per    time.Duration
	Burst  int
}

func (l Limit) off() bool { return l.Events <= 0 || l.Per <= 0 || l.Burst <= 0 }

// String writes l as ParseLimit reads it.
func (l Limit) String() string {
	if l.off() {
		return "off"
	}
	return fmt.Sprintf("%d/%s,%d", l.Events, l.Per, l.Burst)
}

var errLimitSyntax = errors.New(`a limit is EVENTS/PERIOD,BURST (e.g. "60/1m0s,20") or "off"`)

// ParseLimit reads "EVENTS/PERIOD,BURST", PERIOD a Go duration, or "off".
func ParseLimit(s string) (Limit, error) {
	if s == "off" {
		return Limit{}, nil
	}
	rateText, burstText, ok := strings.Cut(s, ",")
	eventsText, perText, ok2 := strings.Cut(rateText, "/")
	if !ok || !ok2 {
		return Limit{}, errLimitSyntax
	}
	var l Limit
	var err1, err2, err3 error
	l.Events, err1 = strconv.Atoi(eventsText)
	l.Per, err2 = time.ParseDuration(perText)
	l.Burst, err3 = strconv.Atoi(burstText)
	if err := errors.Join(err1, err2, err3); err != nil || l.off() {
		return Limit{}, errLimitSyntax
	}
	return l, nil
}

// Limits bound what one client address, session or customer can make the
// service do. The zero Limits bounds nothing; DefaultLimits are the server's.
type Limits struct {
	// Per client address.
	Anonymous Limit // POST /v1/identities/anonymous
	Logins    Limit // POST /v1/identities/login
	// Per session.
	Conversations Limit // POST /v1/conversations
	Messages      Limit // POST /v1/conversations/{id}/messages
	// PollsPerSession and Polls cap the long polls waiting at once, for one
	// session and in all; 0: no cap.
	PollsPerSession int
	Polls           int
	// AgentPolls caps the agents' long polls (GET …/events of the agent
	// API and the inbox) waiting at once, apart from the customers' so that
	// neither side can crowd the other out; 0: no cap.
	AgentPolls int
	// SessionsPerCustomer caps a customer's live sessions; a login past it
	// revokes the oldest. 0: no cap.
	SessionsPerCustomer int
	// Failed inbox sign-ins, per canonical email and per client address.
	AgentSignInsPerEmail, AgentSignInsPerAddress Limit
	// TrustedProxyHeader names a header (X-Forwarded-For) whose last entry,
	// added by the operator's own proxy, is the client address. Empty: the
	// connection's address, which is right without a proxy and spoof-proof.
	TrustedProxyHeader string
}

// DefaultLimits are far above what a visitor's browser does and far below a
// flood. An address can be a whole office or a mobile carrier's NAT, so the
// per-address limits allow a steady login or new chat a second from it; one
// browser makes one anonymous customer per device, and logs in about once per
// page. A session is one visitor typing: 120 messages a minute, 30 at once
// for an outbox flushed after a time offline; conversations are started far
// more rarely. Long polls: a session's tabs each hold one, and a browser
// holds at most 6 connections to a host over HTTP/1.1; 10,000 in all is far
// inside what one process serves (8,000 held polls were measured). An
// agent's inbox holds one poll per open tab, and a team is tens of agents,
// so 200 agents' polls leave room for several tabs and integrations each.
// An agent who mistypes a password a few times never meets the sign-in
// limits, which count failures only; a guesser gets 10 tries a minute at
// one email (a 12-character password is then out of reach) and 30 from one
// address.
func DefaultLimits() Limits {
	return Limits{
		Anonymous:           Limit{Events: 60, Per: time.Minute, Burst: 20},
		Logins:              Limit{Events: 60, Per: time.Minute, Burst: 20},
		Conversations:       Limit{Events: 20, Per: time.Minute, Burst: 5},
		Messages:            Limit{Events: 120, Per: time.Minute, Burst: 30},
		PollsPerSession:     8,
		Polls:               10000,
		AgentPolls:          200,
		SessionsPerCustomer: 50,

		AgentSignInsPerEmail:   Limit{Events: 10, Per: time.Minute, Burst: 10},
		AgentSignInsPerAddress: Limit{Events: 30, Per: time.Minute, Burst: 30},
	}
}

// maxLimiterKeys bounds each keyed limiter's memory (about 100 bytes a key).
const maxLimiterKeys = 100_000

// keyedLimiter is one token bucket per key. A bucket idle long enough to
// have refilled is the same as a new one, so it can go; when the map is
// full of live buckets, arbitrary ones go, which at worst hands a key a
// full bucket again: memory stays bounded whatever the number of keys.
type keyedLimiter struct {
	limit   rate.Limit
	burst   int
	refill  time.Duration // from empty to full
	maxKeys int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// newKeyedLimiter returns nil, which allows everything, for an off Limit.
func newKeyedLimiter(l Limit, maxKeys int) *keyedLimiter {
	if l.off() {
		return nil
	}
	every := l.Per / time.Duration(l.Events)
	return &keyedLimiter{limit: rate.Every(every), burst: l.Burst, refill: every * time.Duration(l.Burst),
		maxKeys: maxKeys, buckets: map[string]*bucket{}}
}

// take takes one event for key at now; refused, it says how long until the
// next one is allowed.
func (k *keyedLimiter) take(key string, now time.Time) (time.Duration, bool) {
	_, wait, ok := k.hold(key, now)
	return wait, ok
}

// hold takes one event for key like take, and returns giveBack, which
// returns it for an event that turned out not to count (a sign-in whose
// password was right). Taking first and giving back later, rather than
// counting after the fact, keeps parallel attempts from all passing before
// any of them has counted.
func (k *keyedLimiter) hold(key string, now time.Time) (giveBack func(), wait time.Duration, ok bool) {
	if k == nil {
		return func() {}, 0, true
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.buckets[key]
	if b == nil {
		if len(k.buckets) >= k.maxKeys {
			k.evict(now)
		}
		b = &bucket{lim: rate.NewLimiter(k.limit, k.burst)}
		k.buckets[key] = b
	}
	b.last = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return func() {}, d, false
	}
	// CancelAt at the reservation's own time: at a later one, rate counts
	// the token as spent already and gives nothing back.
	return func() { r.CancelAt(now) }, 0, true
}

// evict drops the refilled buckets, then arbitrary ones down to 3/4 of the
// cap, so that the next evictions are a quarter of the cap away. k.mu held.
func (k *keyedLimiter) evict(now time.Time) {
	for key, b := range k.buckets {
		if now.Sub(b.last) >= k.refill {
			delete(k.buckets, key)
		}
	}
	for key := range k.buckets {
		if len(k.buckets) < k.maxKeys*3/4 {
			break
		}
		delete(k.buckets, key)
	}
}

// clientAddr is the key of the per-address limits: the connection's IP, or
// the last entry of the trusted proxy header, which the operator's proxy
// appends (earlier entries are the client's to forge). An IPv6 address
// counts by its /64, which one subscriber usually holds whole.
func (s *server) clientAddr(r *http.Request) string {
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if s.proxyHeader != "" {
		if values := r.Header.Values(s.proxyHeader); len(values) > 0 {
			last := values[len(values)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if _, err := netip.ParseAddr(strings.TrimSpace(last)); err == nil {
				host = strings.TrimSpace(last)
			}
		}
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// allow takes one event of k for key, or answers 429 and reports false.
func (s *server) allow(w http.ResponseWriter, k *keyedLimiter, key string) bool {
	wait, ok := k.take(key, s.now())
	if !ok {
		tooMany(w, wait)
	}
	return ok
}

// tooMany answers 429 with Retry-After in whole seconds, rounded up.
func tooMany(w http.ResponseWriter, wait time.Duration) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, codeRateLimited,
		"too many requests; try again in "+strconv.Itoa(secs)+" s")
}

// pollGate counts the long polls waiting, per session and in all.
type pollGate struct {
	perSession, total int

	mu    sync.Mutex
	held  map[int64]int
	count int
}

// pollRetry is the Retry-After of a refused long poll: about when a waiting
// poll answers and frees its place, its wait being 25 s at most.
const pollRetry = 5 * time.Second

func newPollGate(perSession, total int) *pollGate {
	return &pollGate{perSession: perSession, total: total, held: map[int64]int{}}
}

// enter takes a place for a poll of session, if there is one; leave gives it back.
func (g *pollGate) enter(session int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.total > 0 && g.count >= g.total || g.perSession > 0 && g.held[session] >= g.perSession {
		return false
	}
	g.count++
	g.held[session]++
	return true
}

func (g *pollGate) leave(session int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.count--
	if g.held[session]--; g.held[session] <= 0 {
		delete(g.held, session)
	}
}
