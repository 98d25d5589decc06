// Command kustomer-chat-loadgen drives a running chat service over loopback
// HTTP with a bounded amount of work and reports throughput and latency.
//
//	kustomer-chat-loadgen -url http://127.0.0.1:8080[,http://127.0.0.1:8081...] \
//	    -api-key KEY -jwt-secret SECRET \
//	    [-logins 20000] [-messages 40000] [-concurrency 32] [-max-time 60s] \
//	    [-conversations 256] [-watch 16] [-rate 0] [-procs 0] [-cpuprofile FILE]
//
// -api-key and -jwt-secret default to $KUSTOMER_CHAT_API_KEY and
// $KUSTOMER_CHAT_JWT_SECRET, the service's own settings.
//
// Phase 1 logs in -logins distinct customers (load-<run>-<i>@example.com),
// each from a fresh device (a new uuid trackingId), with HS256 JWTs signed
// before the clock starts. Phase 2 opens one conversation for each of the
// first -conversations sessions (not timed) and then sends -messages messages
// spread over them, as fast as -concurrency allows or, with -rate, at that
// many a second. -concurrency requests are in flight at any time, over
// keep-alive connections; latency is from sending to the end of the answer.
//
// Several -url values are instances of one service (one database): request i
// goes to instance i mod N. The first -watch conversations are followed, the
// whole phase 2, by a long poll of the same customer from a second device
// logged in on the NEXT instance, so that the delivery latency, from sending
// a message through one instance to its event on a poll held by another, is
// measured under the load (with one -url, both are the same instance).
//
// stdout carries exactly one JSON object:
//
//	{"logins":{"count":N,"errors":E,"seconds":S,"perSec":R,"p50Ms":x,"p99Ms":y},"messages":{...},
//	 "delivery":{"count":N,"missing":M,"p50Ms":x,"p99Ms":y}}
//
// count is the requests that completed (errors included), perSec is
// count/seconds, and any answer that is not 2xx (or no answer) is an error.
// missing is the followed messages whose event had not come 5 s after the
// phase ended. Progress goes to stderr. The exit status is 1 when there were
// errors, missing events, or -max-time cut a phase short, 2 for bad flags. Only loopback hosts are
// accepted, so it cannot be pointed at someone else's service.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

func main() {
	// Ctrl-C stops the run early; the figures so far are still printed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kustomer-chat-loadgen:", err)
	}
	os.Exit(code)
}

type config struct {
	bases         []*url.URL
	apiKey        string
	secret        []byte
	logins        int
	messages      int
	conversations int
	watch         int
	rate          float64
	concurrency   int
	maxTime       time.Duration
	procs         int
	cpuProfile    string
}

// Report is the JSON printed on stdout.
type Report struct {
	Logins   PhaseStats    `json:"logins"`
	Messages PhaseStats    `json:"messages"`
	Delivery DeliveryStats `json:"delivery"`
}

// DeliveryStats summarises the followed messages' delivery to the polls.
type DeliveryStats struct {
	Count   int     `json:"count"`
	Missing int     `json:"missing"`
	P50Ms   float64 `json:"p50Ms"`
	P99Ms   float64 `json:"p99Ms"`
}

// PhaseStats summarises one timed phase.
type PhaseStats struct {
	Count   int     `json:"count"`
	Errors  int     `json:"errors"`
	Seconds float64 `json:"seconds"`
	PerSec  float64 `json:"perSec"`
	P50Ms   float64 `json:"p50Ms"`
	P99Ms   float64 `json:"p99Ms"`

	truncated bool // -max-time stopped the phase before all its requests
}

var errUsage = errors.New("usage")

func parseFlags(args []string, stderr io.Writer, getenv func(string) string) (config, error) {
	fs := flag.NewFlagSet("kustomer-chat-loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rawURL := fs.String("url", "http://127.0.0.1:8080", "base URL of the running service, or comma-separated URLs of its instances (loopback only)")
	apiKey := fs.String("api-key", getenv("KUSTOMER_CHAT_API_KEY"), "the org's API key (default $KUSTOMER_CHAT_API_KEY)")
	secret := fs.String("jwt-secret", getenv("KUSTOMER_CHAT_JWT_SECRET"), "the org's JWT secret, to sign logins (default $KUSTOMER_CHAT_JWT_SECRET)")
	logins := fs.Int("logins", 20000, "logins to send (phase 1)")
	messages := fs.Int("messages", 40000, "messages to send (phase 2)")
	convs := fs.Int("conversations", 256, "sessions from phase 1 that each open a conversation for phase 2")
	watch := fs.Int("watch", 16, "conversations of phase 2 whose messages a long poll on the next instance follows (0: none)")
	rate := fs.Float64("rate", 0, "messages a second in phase 2 (0: as fast as -concurrency allows)")
	conc := fs.Int("concurrency", 32, "requests in flight")
	maxTime := fs.Duration("max-time", 60*time.Second, "cap on the whole run; phases stop taking new requests after it")
	procs := fs.Int("procs", 0, "GOMAXPROCS of the load generator (0: half the CPUs, at least 1, leaving the rest to the service)")
	cpuProfile := fs.String("cpuprofile", "", "write the load generator's own CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	c := config{apiKey: *apiKey, secret: []byte(*secret), logins: *logins, messages: *messages,
		conversations: *convs, watch: *watch, rate: *rate, concurrency: *conc, maxTime: *maxTime, procs: *procs, cpuProfile: *cpuProfile}
	switch {
	case c.apiKey == "" || len(c.secret) == 0:
		return c, fmt.Errorf("%w: -api-key and -jwt-secret are required", errUsage)
	case c.logins < 0 || c.messages < 0:
		return c, fmt.Errorf("%w: -logins and -messages must be >= 0", errUsage)
	case c.concurrency < 1 || c.conversations < 1:
		return c, fmt.Errorf("%w: -concurrency and -conversations must be >= 1", errUsage)
	case c.rate < 0:
		return c, fmt.Errorf("%w: -rate must be >= 0", errUsage)
	case c.watch < 0:
		return c, fmt.Errorf("%w: -watch must be >= 0", errUsage)
	case c.procs < 0:
		return c, fmt.Errorf("%w: -procs must be >= 0", errUsage)
	case c.maxTime <= 0 || c.maxTime > tokenLifetime:
		return c, fmt.Errorf("%w: -max-time must be positive and at most %s (the login tokens' lifetime)", errUsage, tokenLifetime)
	case c.messages > 0 && c.logins == 0:
		return c, fmt.Errorf("%w: -messages needs -logins >= 1 (messages use phase 1's sessions)", errUsage)
	}
	for _, raw := range strings.Split(*rawURL, ",") {
		u, err := loopbackURL(strings.TrimSpace(raw))
		if err != nil {
			return c, fmt.Errorf("%w: %v", errUsage, err)
		}
		c.bases = append(c.bases, u)
	}
	return c, nil
}

// loopbackURL parses an http URL and refuses any host that is not loopback:
// localhost, 127.0.0.0/8 or ::1. Names other than localhost are refused
// rather than resolved, so DNS cannot redirect the load elsewhere.
func loopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("-url: %v", err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("-url %q: only http:// (loopback) is supported", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("-url %q: give only scheme, host and port", raw)
	}
	if !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("-url %q: host is not loopback (127.0.0.0/8, ::1, localhost)", raw)
	}
	u.Path = ""
	return u, nil
}

// loopbackOnly refuses, at connect time, an address that is not loopback,
// whatever "localhost" resolved to.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to connect to %s: not loopback", address)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if strings.Contains(host, "%") { // zoned IPv6
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) (int, error) {
	cfg, err := parseFlags(args, stderr, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return 0, nil
	}
	if err != nil {
		return 2, err
	}
	// The service under test shares the machine: by default keep to half
	// of it, which is plenty for a client that mostly waits on sockets.
	if cfg.procs == 0 {
		cfg.procs = max(1, runtime.NumCPU()/2)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(cfg.procs))
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return 1, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return 1, err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := generate(ctx, cfg, stderr)
	if err != nil {
		return 1, err
	}
	out, err := json.Marshal(rep)
	if err != nil {
		return 1, err
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", out); err != nil {
		return 1, err
	}
	switch {
	case rep.Logins.Errors > 0 || rep.Messages.Errors > 0:
		return 1, fmt.Errorf("%d login and %d message errors", rep.Logins.Errors, rep.Messages.Errors)
	case rep.Delivery.Missing > 0:
		return 1, fmt.Errorf("%d of the followed messages never reached the poll", rep.Delivery.Missing)
	case rep.Logins.truncated || rep.Messages.truncated:
		return 1, fmt.Errorf("the run was cut short (-max-time %s, or interrupted)", cfg.maxTime)
	}
	return 0, nil
}

// tokenLifetime is the exp of the login tokens, signed before the run; the
// service also refuses tokens issued over 15 minutes ago.
const tokenLifetime = 10 * time.Minute

// cutOffGrace is how long after -max-time a request in flight may still end.
const cutOffGrace = 5 * time.Second

// newClient returns a keep-alive HTTP client with idle connections for every
// worker, without proxies (loopback only) and without compression.
func newClient(concurrency int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly}).DialContext,
			MaxIdleConns:        concurrency * 2,
			MaxIdleConnsPerHost: concurrency * 2,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

type job struct {
	url    *url.URL
	header http.Header
	body   []byte
}

// worker state: its latencies and reusable buffer.
type worker struct {
	lat  []time.Duration
	errs int
	buf  bytes.Buffer
}

// do sends one request and reads the whole answer; it returns the status (0
// on a transport error) and, when keep is set, a copy of the body.
func (w *worker) do(ctx context.Context, client *http.Client, j job, keep bool) (int, []byte) {
	req := (&http.Request{
		Method:        http.MethodPost,
		URL:           j.url,
		Host:          j.url.Host,
		Header:        j.header, // shared read-only: a RoundTripper never modifies the request
		Body:          io.NopCloser(bytes.NewReader(j.body)),
		ContentLength: int64(len(j.body)),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
	}).WithContext(ctx)
	body := j.body
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		w.lat = append(w.lat, time.Since(start))
		w.errs++
		return 0, nil
	}
	var kept []byte
	if keep {
		w.buf.Reset()
		_, err = w.buf.ReadFrom(resp.Body)
		kept = bytes.Clone(w.buf.Bytes())
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	w.lat = append(w.lat, time.Since(start))
	if err != nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		w.errs++
		if err != nil {
			return 0, nil
		}
	}
	return resp.StatusCode, kept
}

// phase runs n jobs on concurrency workers until done or deadline, job i
// starting no earlier than i/rate seconds in when rate > 0; keep(i) says
// whether job i's answer body is wanted (returned in bodies[i]).
func phase(ctx context.Context, client *http.Client, n, concurrency int, rate float64, deadline time.Time,
	jobOf func(i int) job, keep func(i int) bool) (PhaseStats, [][]byte) {
	bodies := make([][]byte, n)
	workers := make([]*worker, min(concurrency, max(n, 1)))
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for k := range workers {
		w := &worker{lat: make([]time.Duration, 0, n/len(workers)+1)}
		workers[k] = w
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || time.Now().After(deadline) || ctx.Err() != nil {
					return
				}
				if rate > 0 {
					time.Sleep(time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))))
				}
				kp := keep != nil && keep(i)
				code, b := w.do(ctx, client, jobOf(i), kp)
				if kp && code >= 200 && code <= 299 {
					bodies[i] = b
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	var all []time.Duration
	st := PhaseStats{}
	for _, w := range workers {
		all = append(all, w.lat...)
		st.Errors += w.errs
	}
	st.Count = len(all)
	st.truncated = st.Count < n
	st.Seconds = round(elapsed.Seconds(), 3)
	if elapsed > 0 {
		st.PerSec = round(float64(st.Count)/elapsed.Seconds(), 1)
	}
	slices.Sort(all)
	st.P50Ms = round(ms(percentile(all, 0.50)), 3)
	st.P99Ms = round(ms(percentile(all, 0.99)), 3)
	return st, bodies
}

// percentile returns the nearest-rank q-quantile of sorted durations: the
// smallest value with at least q of them at or below it (0 for none).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// endpoint is path on instance k mod N.
func (c config) endpoint(k int, path string) *url.URL {
	u := *c.bases[k%len(c.bases)]
	u.Path = path
	return &u
}

func generate(ctx context.Context, cfg config, stderr io.Writer) (Report, error) {
	client := newClient(cfg.concurrency)
	defer client.CloseIdleConnections()
	apiHeader := http.Header{"Content-Type": {"application/json"}, "X-Kustomer-Api-Key": {cfg.apiKey}}

	// A run tag keeps each run's customers new, so repeated runs against one
	// database measure the same (creating) login path.
	run := uuid.NewString()[:8]
	emailOf := func(i int) string { return "load-" + run + "-" + strconv.Itoa(i) + "@example.com" }
	fmt.Fprintf(stderr, "signing %d login tokens (run %s)...\n", cfg.logins, run)
	loginBodies := make([][]byte, cfg.logins)
	now := time.Now()
	for i := range loginBodies {
		b, err := loginBody(cfg.secret, emailOf(i), now)
		if err != nil {
			return Report{}, err
		}
		loginBodies[i] = b
	}

	for k := range cfg.bases {
		probeBody, err := loginBody(cfg.secret, "load-"+run+"-probe@example.com", now)
		if err != nil {
			return Report{}, err
		}
		if err := probe(ctx, client, cfg, k, probeBody); err != nil {
			return Report{}, err
		}
	}

	// Workers take no new request after the deadline; one still in flight
	// a little later is cut off, so the whole run stays within the cap.
	deadline := time.Now().Add(cfg.maxTime)
	ctx, cancel := context.WithDeadline(ctx, deadline.Add(cutOffGrace))
	defer cancel()
	var rep Report
	keepN := min(cfg.conversations, cfg.logins)
	if cfg.messages == 0 {
		keepN = 0
	}
	loginURLs := make([]*url.URL, len(cfg.bases))
	for k := range loginURLs {
		loginURLs[k] = cfg.endpoint(k, "/v1/identities/login")
	}
	fmt.Fprintf(stderr, "phase 1: %d logins on %d instance(s), concurrency %d...\n", cfg.logins, len(cfg.bases), cfg.concurrency)
	var bodies [][]byte
	rep.Logins, bodies = phase(ctx, client, cfg.logins, cfg.concurrency, 0, deadline,
		func(i int) job { return job{loginURLs[i%len(loginURLs)], apiHeader, loginBodies[i]} },
		func(i int) bool { return i < keepN })
	fmt.Fprintf(stderr, "phase 1: %+v\n", rep.Logins)
	loginBodies = nil

	if cfg.messages == 0 {
		return rep, nil
	}
	if ctx.Err() != nil || time.Now().After(deadline) {
		rep.Messages.truncated = true
		return rep, nil
	}
	type chat struct {
		customer int // the login i of phase 1, which is also its instance
		url      *url.URL
		header   http.Header
	}
	var openers []chat
	for i, b := range bodies[:keepN] {
		if r, ok := readLogin(b); ok {
			openers = append(openers, chat{customer: i, header: bearer(cfg.apiKey, r.SessionToken),
				url: cfg.endpoint(i, "/v1/conversations")})
		}
	}
	if len(openers) == 0 {
		return rep, errors.New("no session from phase 1 to send messages with")
	}

	// Untimed set-up: each session opens a conversation, on its instance.
	fmt.Fprintf(stderr, "opening %d conversations...\n", len(openers))
	first := []byte(`{"message":"load test conversation"}`)
	setup, created := phase(ctx, client, len(openers), cfg.concurrency, 0, deadline,
		func(i int) job { return job{openers[i].url, openers[i].header, first} }, func(int) bool { return true })
	var chats []chat
	for i, b := range created {
		var r struct {
			Conversation struct {
				ID string `json:"id"`
			} `json:"conversation"`
		}
		if b != nil && json.Unmarshal(b, &r) == nil && plainID(r.Conversation.ID) {
			o := openers[i]
			o.url = cfg.endpoint(o.customer, "/v1/conversations/"+r.Conversation.ID+"/messages")
			chats = append(chats, o)
		}
	}
	if setup.Errors > 0 || len(chats) == 0 {
		return rep, fmt.Errorf("opening conversations: %d of %d failed", len(openers)-len(chats), len(openers))
	}

	// The followed conversations' customers log in again, from a second
	// device, on the next instance, whose long polls then wait for what the
	// first device sends through its own.
	watch := min(cfg.watch, len(chats))
	var sent sync.Map // message id → when its POST was sent
	var delivered []time.Duration
	var deliveredMu sync.Mutex
	followCtx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	var followers sync.WaitGroup
	pollClient := newClient(watch)
	defer pollClient.CloseIdleConnections()
	for _, c := range chats[:watch] {
		body, err := loginBody(cfg.secret, emailOf(c.customer), time.Now())
		if err != nil {
			return rep, err
		}
		var w worker
		code, b := w.do(ctx, client, job{cfg.endpoint(c.customer+1, "/v1/identities/login"), apiHeader, body}, true)
		r, ok := readLogin(b)
		if code != http.StatusOK || !ok {
			return rep, fmt.Errorf("second-device login for a followed conversation answered %d", code)
		}
		events := cfg.endpoint(c.customer+1, "/v1/events")
		header := bearer(cfg.apiKey, r.SessionToken)
		followers.Go(func() {
			follow(followCtx, pollClient, events, header, r.Cursor, func(id string, at time.Time) {
				if t, ok := sent.LoadAndDelete(id); ok {
					deliveredMu.Lock()
					delivered = append(delivered, at.Sub(t.(time.Time)))
					deliveredMu.Unlock()
				}
			})
		})
	}

	msg := []byte(`{"body":"hello there, a load test message of ordinary length"}`)
	fmt.Fprintf(stderr, "phase 2: %d messages over %d conversations (%d followed), concurrency %d...\n", cfg.messages, len(chats), watch, cfg.concurrency)
	rep.Messages, _ = phase(ctx, client, cfg.messages, cfg.concurrency, cfg.rate, deadline,
		func(i int) job {
			k := i % len(chats)
			c := chats[k]
			if k >= watch {
				return job{c.url, c.header, msg}
			}
			// A client-made id names the message in the follower's events.
			id := uuid.NewString()
			sent.Store(id, time.Now())
			return job{c.url, c.header, []byte(`{"id":"` + id + `","body":"hello there, a followed load test message"}`)}
		}, nil)
	fmt.Fprintf(stderr, "phase 2: %+v\n", rep.Messages)

	// The last events are on their way: give them a moment, then stop.
	for wait := time.Now().Add(5 * time.Second); time.Now().Before(wait) && ctx.Err() == nil && pending(&sent) > 0; {
		time.Sleep(10 * time.Millisecond)
	}
	stopFollowing()
	followers.Wait()
	slices.Sort(delivered)
	rep.Delivery = DeliveryStats{Count: len(delivered), Missing: pending(&sent),
		P50Ms: round(ms(percentile(delivered, 0.50)), 3), P99Ms: round(ms(percentile(delivered, 0.99)), 3)}
	fmt.Fprintf(stderr, "delivery: %+v\n", rep.Delivery)
	return rep, nil
}

type loginAnswer struct {
	SessionToken string `json:"sessionToken"`
	Cursor       int64  `json:"cursor"`
}

func readLogin(b []byte) (loginAnswer, bool) {
	var r loginAnswer
	return r, b != nil && json.Unmarshal(b, &r) == nil && r.SessionToken != ""
}

func bearer(apiKey, session string) http.Header {
	return http.Header{"Content-Type": {"application/json"}, "X-Kustomer-Api-Key": {apiKey}, "Authorization": {"Bearer " + session}}
}

func pending(m *sync.Map) int {
	n := 0
	m.Range(func(any, any) bool { n++; return true })
	return n
}

// follow long-polls events from after until ctx ends, calling got with each
// message's id and the time its answer arrived. A failed poll is retried
// after a pause: the messages it would have carried stay missing only if no
// later poll brings them.
func follow(ctx context.Context, client *http.Client, events *url.URL, header http.Header, after int64, got func(id string, at time.Time)) {
	for ctx.Err() == nil {
		u := *events
		u.RawQuery = "after=" + strconv.FormatInt(after, 10) + "&wait=25"
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return
		}
		req.Header = header
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				time.Sleep(100 * time.Millisecond)
			}
			continue
		}
		var ev struct {
			Messages []struct {
				ID string `json:"id"`
			} `json:"messages"`
			Cursor int64 `json:"cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&ev)
		at := time.Now()
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for _, m := range ev.Messages {
			got(m.ID, at)
		}
		after = ev.Cursor
	}
}

// plainID reports whether id can go into a path as it is (a UUID can).
func plainID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// loginBody is a login request for email from a new device, with a token
// signed the way a site's backend would (HS256, iat now, exp tokenLifetime
// later).
func loginBody(secret []byte, email string, now time.Time) ([]byte, error) {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"email": email,
		"iat":   now.Unix(),
		"exp":   now.Add(tokenLifetime).Unix(),
	}).SignedString(secret)
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		JWT        string `json:"jwt"`
		TrackingID string `json:"trackingId"`
	}{tok, uuid.NewString()})
}

// probe logs in one extra customer, untimed, so that a wrong URL, API key or
// secret fails at once with a clear message instead of as thousands of errors.
func probe(ctx context.Context, client *http.Client, cfg config, k int, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.endpoint(k, "/v1/identities/login").String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Kustomer-Api-Key", cfg.apiKey)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("service not reachable: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return nil
	}
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e)
	return fmt.Errorf("probe login at %s answered %d %s (check -api-key and -jwt-secret)", cfg.bases[k], resp.StatusCode, e.Error.Code)
}
