package web

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// latencies records per-request durations from parallel workers.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B) {
	slices.Sort(l.d)
	if len(l.d) == 0 {
		return
	}
	p := func(q float64) float64 { return float64(l.d[int(q*float64(len(l.d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// transports runs a benchmark in-process (the handler's own cost) and over
// loopback HTTP with keep-alive clients (what a deployment sees, with the
// clients sharing the machine's cores).
func transports(b *testing.B, run func(b *testing.B, e *env, send func(*http.Request) int)) {
	b.Run("handler", func(b *testing.B) {
		e := benchEnv(b)
		run(b, e, func(r *http.Request) int {
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, r)
			return w.Code
		})
	})
	b.Run("http", func(b *testing.B) {
		e := benchEnv(b)
		srv := httptest.NewServer(e.h)
		b.Cleanup(srv.Close)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		run(b, e, func(r *http.Request) int {
			out, err := http.NewRequest(r.Method, srv.URL+r.URL.String(), r.Body)
			if err != nil {
				b.Error(err)
				return 0
			}
			out.Header = r.Header
			resp, err := client.Do(out)
			if err != nil {
				b.Error(err)
				return 0
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode
		})
	})
}

func benchEnv(b *testing.B) *env {
	e := newEnv(b)
	e.clock = &clock{t: time.Now()}
	e.srv.now = time.Now
	return e
}

// BenchmarkLogin measures JWT verification plus the login transaction, for
// 1,000 customers logging in from new devices, with 16 concurrent clients.
// Run: go test -run '^$' -bench . ./web
func BenchmarkLogin(b *testing.B) { transports(b, benchLogin) }

func benchLogin(b *testing.B, e *env, send func(*http.Request) int) {
	tokens := make([]string, 1000)
	for i := range tokens {
		tokens[i] = e.jwt(fmt.Sprintf("user%d@example.com", i), "")
	}
	var n atomic.Int64
	var lat latencies
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := fmt.Sprintf(`{"jwt":%q,"trackingId":"device-%d"}`, tokens[i%int64(len(tokens))], i)
			r := httptest.NewRequest("POST", "/v1/identities/login", strings.NewReader(body))
			r.Header.Set("X-Kustomer-Api-Key", testAPIKey)
			start := time.Now()
			code := send(r)
			lat.add(time.Since(start))
			if code != 200 {
				b.Errorf("login: %d", code)
				return
			}
		}
	})
	lat.report(b)
}

// BenchmarkSendMessage measures storing a customer message (with session
// lookup and notification) for 100 customers, with 16 concurrent clients.
func BenchmarkSendMessage(b *testing.B) { transports(b, benchSend) }

func benchSend(b *testing.B, e *env, send func(*http.Request) int) {
	type chat struct{ session, conv string }
	chats := make([]chat, 100)
	for i := range chats {
		s := e.anonymous(fmt.Sprint("d", i)).SessionToken
		chats[i] = chat{s, e.createConversation(s, "first").Conversation.ID}
	}
	var n atomic.Int64
	var lat latencies
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c := chats[n.Add(1)%int64(len(chats))]
			r := httptest.NewRequest("POST", "/v1/conversations/"+c.conv+"/messages", strings.NewReader(`{"body":"hello there, a message of ordinary length"}`))
			r.Header.Set("X-Kustomer-Api-Key", testAPIKey)
			r.Header.Set("Authorization", "Bearer "+c.session)
			start := time.Now()
			code := send(r)
			lat.add(time.Since(start))
			if code != 201 {
				b.Errorf("send: %d", code)
				return
			}
		}
	})
	lat.report(b)
}
