package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/internal/service"
	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		d    []time.Duration
		q    float64
		want time.Duration
	}{
		{nil, 0.5, 0},
		{ms(7), 0.5, 7 * time.Millisecond},
		{ms(7), 0.99, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 0.99, 4 * time.Millisecond},
		{ms(hundred...), 0.50, 50 * time.Millisecond},
		{ms(hundred...), 0.99, 99 * time.Millisecond},
		{ms(hundred...), 1, 100 * time.Millisecond},
		{ms(hundred...), 0, 1 * time.Millisecond},
	} {
		if got := percentile(tc.d, tc.q); got != tc.want {
			t.Errorf("percentile(%d values, %v) = %v, want %v", len(tc.d), tc.q, got, tc.want)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	for _, ok := range []string{
		"http://127.0.0.1:8080", "http://127.0.0.1:8080/", "http://127.9.8.7:1", "http://localhost:8080",
		"http://LOCALHOST:1", "http://[::1]:8080", "http://127.0.0.1",
	} {
		if _, err := loopbackURL(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"http://10.0.0.1:8080", "http://192.168.1.1", "http://0.0.0.0:8080", "http://example.com", "http://[::]:80",
		"http://localhost.example.com", "http://127.0.0.1.nip.io", "https://127.0.0.1:8443", "ftp://127.0.0.1",
		"http://[::ffff:10.0.0.1]:80", "http://[fe80::1%25lo]:80", "127.0.0.1:8080", "http://user:pw@127.0.0.1:1",
		"http://127.0.0.1:1/v1", "", "http://", "http://2130706433", "http://0x7f.1",
	} {
		if _, err := loopbackURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// Connections go to loopback addresses only, whatever a name resolved to.
	if err := loopbackOnly("tcp", "127.0.0.1:80", nil); err != nil {
		t.Error(err)
	}
	if err := loopbackOnly("tcp6", "[::1]:80", nil); err != nil {
		t.Error(err)
	}
	if err := loopbackOnly("tcp", "10.0.0.1:80", nil); err == nil {
		t.Error("dial to 10.0.0.1 allowed")
	}
	// And run refuses it before sending anything.
	code, err := run(context.Background(), []string{"-url", "http://10.1.2.3:80", "-api-key", "k", "-jwt-secret", "s"},
		&bytes.Buffer{}, &bytes.Buffer{}, func(string) string { return "" })
	if code != 2 || err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("non-loopback url: code %d, %v", code, err)
	}
}

// bus carries wake-ups between in-process instances, as NATS would.
type bus struct {
	mu    sync.Mutex
	polls []service.Local
}

type busStop struct {
	b    *bus
	self int
}

func (s *busStop) Listen(p service.Local) error {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.self = len(s.b.polls)
	s.b.polls = append(s.b.polls, p)
	return nil
}

func (s *busStop) others(fn func(service.Local)) {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	for i, p := range s.b.polls {
		if i != s.self {
			fn(p)
		}
	}
}

func (s *busStop) PublishCustomer(id string) { s.others(func(p service.Local) { p.WakeCustomer(id) }) }
func (s *busStop) PublishAgents()            { s.others(func(p service.Local) { p.WakeAgents() }) }
func (s *busStop) PublishSessionsEnded(id string) {
	s.others(func(p service.Local) { p.SessionsEnded(id) })
}

const apiKey, secret = "pk_loadgen_test", "loadgen-test-secret-0123456789abcdef"

// twoInstances serves two instances of the service on one store, as
// comma-separated URLs, and counts the requests each served.
func twoInstances(t *testing.T) (string, *[2]atomic.Int64) {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "chat.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b := &bus{}
	var urls []string
	requests := &[2]atomic.Int64{}
	for i := range 2 {
		h, err := service.New(service.Options{Store: st, APIKey: apiKey, JWTSecret: secret, AgentKey: "agent",
			Assets: fstest.MapFS{"kustomer-chat.js": {Data: []byte("// loader\n")}}, Wakeups: &busStop{b: b}})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests[i].Add(1)
			h.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	return strings.Join(urls, ","), requests
}

// The load is split between two instances and each followed message goes
// through one and reaches a poll held by the other.
func TestRunAgainstService(t *testing.T) {
	srvURL, requests := twoInstances(t)

	var stdout, stderr bytes.Buffer
	code, err := run(context.Background(), []string{"-url", srvURL, "-api-key", apiKey, "-jwt-secret", secret,
		"-logins", "300", "-messages", "500", "-conversations", "20", "-watch", "16", "-concurrency", "8", "-max-time", "60s"},
		&stdout, &stderr, func(string) string { return "" })
	if code != 0 || err != nil {
		t.Fatalf("run: code %d, %v\nstderr:\n%s", code, err, &stderr)
	}
	if strings.Count(stdout.String(), "\n") != 1 {
		t.Fatalf("stdout is not one line: %q", &stdout)
	}
	var rep map[string]map[string]float64
	dec := json.NewDecoder(&stdout)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatal(err)
	}
	// 500 messages over 20 conversations: 25 each, 16 × 25 of them followed.
	if d := rep["delivery"]; d["count"] != 400 || d["missing"] != 0 || d["p50Ms"] <= 0 || d["p99Ms"] < d["p50Ms"] {
		t.Errorf("delivery: %v, want 400 followed messages delivered, none missing", d)
	}
	for i := range requests {
		if n := requests[i].Load(); n < 400 {
			t.Errorf("instance %d served %d requests, want about half of 800+", i, n)
		}
	}
	for phase, want := range map[string]float64{"logins": 300, "messages": 500} {
		s := rep[phase]
		if len(s) != 6 {
			t.Errorf("%s: fields %v", phase, s)
		}
		if s["count"] != want || s["errors"] != 0 {
			t.Errorf("%s: count %v errors %v, want %v and 0", phase, s["count"], s["errors"], want)
		}
		if s["seconds"] <= 0 || s["perSec"] <= 0 || s["p50Ms"] <= 0 || s["p99Ms"] < s["p50Ms"] {
			t.Errorf("%s: implausible figures %v", phase, s)
		}
	}

	// A wrong secret fails fast at the probe, not as 300 errors.
	stdout.Reset()
	code, err = run(context.Background(), []string{"-url", srvURL, "-api-key", apiKey, "-jwt-secret", "wrong",
		"-logins", "300", "-messages", "0"}, &stdout, &stderr, func(string) string { return "" })
	if code != 1 || err == nil || !strings.Contains(err.Error(), "TOKEN_REJECTED") || stdout.Len() != 0 {
		t.Fatalf("wrong secret: code %d, %v, stdout %q", code, err, &stdout)
	}
}

// -rate spaces phase 2's messages: 60 at 200 a second take 0.3 s at least.
func TestRateSpacesMessages(t *testing.T) {
	srvURL, _ := twoInstances(t)
	var stdout, stderr bytes.Buffer
	code, err := run(context.Background(), []string{"-url", srvURL, "-api-key", apiKey, "-jwt-secret", secret,
		"-logins", "4", "-messages", "60", "-conversations", "4", "-watch", "2", "-rate", "200"},
		&stdout, &stderr, func(string) string { return "" })
	if code != 0 || err != nil {
		t.Fatalf("run: code %d, %v\nstderr:\n%s", code, err, &stderr)
	}
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Messages.Count != 60 || rep.Messages.Seconds < 0.29 || rep.Messages.PerSec > 210 {
		t.Fatalf("60 messages at -rate 200: %+v", rep.Messages)
	}
}
