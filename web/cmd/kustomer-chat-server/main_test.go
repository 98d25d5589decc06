package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
	"github.com/kustomer-chat/kustomer-chat/web/internal/store/pgtest"
)

func TestMain(m *testing.M) {
	// A worktree where make build never ran embeds an empty dist.
	sdkFiles = fstest.MapFS{"kustomer-chat.js": {Data: []byte("// loader\n")}}
	os.Exit(pgtest.Main(m))
}

func TestRefusesABinaryWithoutTheSDK(t *testing.T) {
	defer func(f fs.FS) { sdkFiles = f }(sdkFiles)
	sdkFiles = fstest.MapFS{".gitkeep": {}}
	db := filepath.Join(t.TempDir(), "chat.db")
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-db", db}, nil, io.Discard, io.Discard, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "without the SDK's files") {
		t.Fatalf("run without the SDK's files: %v", err)
	}
}

var listening = regexp.MustCompile(`^kustomer-chat-server listening on (http://127\.0\.0\.1:\d+)$`)

// syncBuffer collects stderr from the server goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type running struct {
	url    string
	stdout *bufio.Reader
	stderr *syncBuffer
	stop   context.CancelFunc
	done   chan error
}

func start(t *testing.T, env map[string]string, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	r := &running{stdout: bufio.NewReader(outR), stderr: &syncBuffer{}, stop: cancel, done: make(chan error, 1)}
	go func() {
		err := run(ctx, args, nil, outW, r.stderr, func(k string) string { return env[k] })
		outW.Close()
		r.done <- err
	}()
	line, err := r.stdout.ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line (%v); stderr:\n%s", err, r.stderr)
	}
	m := listening.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
	if m == nil {
		t.Fatalf("stdout line %q does not match %s", line, listening)
	}
	r.url = m[1]
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// shutdown stops the server and checks that it exits cleanly and printed
// nothing more on stdout.
func (r *running) shutdown(t *testing.T) {
	t.Helper()
	r.stop()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		r.done <- nil
	case <-time.After(5 * time.Second):
		t.Fatal("no graceful shutdown within 5 s")
	}
	if rest, _ := io.ReadAll(r.stdout); len(rest) != 0 {
		t.Fatalf("more on stdout: %q", rest)
	}
}

func TestServeAndShutDown(t *testing.T) {
	db := filepath.Join(t.TempDir(), "chat.db")
	r := start(t, nil, "-addr", "127.0.0.1:0", "-db", db, "-dev")
	resp, err := http.Get(r.url + "/v1/ping")
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("ping: %v %v", resp, err)
	}
	resp, err = http.Get(r.url + "/v1/dev/config")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("dev config: %v %v", resp, err)
	}
	body, _ := io.ReadAll(resp.Body)
	key := regexp.MustCompile(`"apiKey":"([^"]+)"`).FindSubmatch(body)
	if key == nil || !strings.Contains(r.stderr.String(), string(key[1])) {
		t.Fatalf("the generated API key %q is not the one printed on stderr:\n%s", body, r.stderr)
	}

	// A waiting long poll does not hold up shutdown.
	anon, _ := http.NewRequest("POST", r.url+"/v1/identities/anonymous", strings.NewReader(`{"trackingId":"d"}`))
	anon.Header.Set("X-Kustomer-Api-Key", string(key[1]))
	resp, err = http.DefaultClient.Do(anon)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("anonymous: %v %v", resp, err)
	}
	body, _ = io.ReadAll(resp.Body)
	session := regexp.MustCompile(`"sessionToken":"([^"]+)"`).FindSubmatch(body)[1]
	poll, _ := http.NewRequest("GET", r.url+"/v1/events?after=0&wait=25", nil)
	poll.Header.Set("X-Kustomer-Api-Key", string(key[1]))
	poll.Header.Set("Authorization", "Bearer "+string(session))
	polled := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(poll)
		if err != nil {
			polled <- 0
			return
		}
		resp.Body.Close()
		polled <- resp.StatusCode
	}()
	time.Sleep(50 * time.Millisecond) // let the poll start waiting
	began := time.Now()
	r.shutdown(t)
	if d := time.Since(began); d > 3*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
	if code := <-polled; code != 200 {
		t.Fatalf("long poll during shutdown got %d", code)
	}
	if strings.Contains(r.stderr.String(), string(session)) {
		t.Fatal("a session token reached the log")
	}

	// The development keys are kept: a restart prints the same ones.
	first := r.stderr.String()
	r2 := start(t, nil, "-addr", "127.0.0.1:0", "-db", db)
	r2.shutdown(t)
	if !strings.Contains(r2.stderr.String(), string(key[1])) {
		t.Fatalf("restart made a new API key:\n%s\nthen\n%s", first, r2.stderr)
	}
	if strings.Contains(r2.stderr.String(), "development routes enabled") {
		t.Fatal("dev routes announced without -dev")
	}
}

func TestEnvironmentKeys(t *testing.T) {
	db := filepath.Join(t.TempDir(), "chat.db")
	env := map[string]string{
		"KUSTOMER_CHAT_API_KEY": "pk_live_env", "KUSTOMER_CHAT_JWT_SECRET": "env-secret",
		"KUSTOMER_CHAT_AGENT_KEY": "agent-env", "KUSTOMER_CHAT_ALLOWED_ORIGINS": "https://shop.example, https://www.shop.example",
		"KUSTOMER_CHAT_LIMIT_ANONYMOUS": "1/1h,1",
	}
	r := start(t, env, "-addr", "127.0.0.1:0", "-db", db)
	if strings.Contains(r.stderr.String(), "env-secret") || strings.Contains(r.stderr.String(), "agent-env") {
		t.Fatal("secrets from the environment were printed")
	}
	do := func(method, path, origin string, hdr ...string) *http.Response {
		req, _ := http.NewRequest(method, r.url+path, nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if got := do("GET", "/v1/ping", "https://www.shop.example").Header.Get("Access-Control-Allow-Origin"); got != "https://www.shop.example" {
		t.Fatalf("allowed origin: %q", got)
	}
	if got := do("GET", "/v1/ping", "https://evil.example").Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("disallowed origin: %q", got)
	}
	if code := do("GET", "/v1/agent/conversations", "", "Authorization", "Bearer agent-env").StatusCode; code != 200 {
		t.Fatalf("agent key from env: %d", code)
	}
	if code := do("GET", "/v1/conversations", "", "X-Kustomer-Api-Key", "pk_live_env").StatusCode; code != 401 {
		t.Fatalf("API key from env, no session: %d", code)
	}
	// The limit counts a request before reading it: the empty body's 400, then 429.
	for _, want := range []int{400, 429} {
		if code := do("POST", "/v1/identities/anonymous", "", "X-Kustomer-Api-Key", "pk_live_env").StatusCode; code != want {
			t.Fatalf("anonymous customers limited from the environment: %d, want %d", code, want)
		}
	}
	if code := do("GET", "/v1/dev/config", "").StatusCode; code != 404 {
		t.Fatalf("dev route without -dev: %d", code)
	}
	r.shutdown(t)

	half := map[string]string{"KUSTOMER_CHAT_API_KEY": "pk_only"}
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-db", db}, nil, io.Discard, io.Discard, func(k string) string { return half[k] })
	if err == nil || !strings.Contains(err.Error(), "KUSTOMER_CHAT_JWT_SECRET") {
		t.Fatalf("API key without secret: %v", err)
	}
	if err := run(context.Background(), []string{"-nope"}, nil, io.Discard, io.Discard, func(string) string { return "" }); err == nil {
		t.Fatal("unknown flag accepted")
	}
	badLimit := map[string]string{"KUSTOMER_CHAT_LIMIT_LOGINS": "lots"}
	err = run(context.Background(), []string{"-addr", "127.0.0.1:0", "-db", db}, nil, io.Discard, io.Discard, func(k string) string { return badLimit[k] })
	if err == nil || !strings.Contains(err.Error(), "KUSTOMER_CHAT_LIMIT_LOGINS") {
		t.Fatalf("an unreadable limit in the environment: %v", err)
	}
}

func TestSessionLifetimes(t *testing.T) {
	policy := func(env map[string]string, args ...string) (store.SessionPolicy, error) {
		flags := flag.NewFlagSet("test", flag.ContinueOnError)
		flags.SetOutput(io.Discard)
		sessions := sessionFlags(flags)
		if err := flags.Parse(args); err != nil {
			return store.SessionPolicy{}, err
		}
		return sessions(func(k string) string { return env[k] })
	}
	if p, err := policy(nil); err != nil || p != store.DefaultSessionPolicy {
		t.Fatalf("defaults: %+v, %v", p, err)
	}
	p, err := policy(map[string]string{"KUSTOMER_CHAT_SESSION_IDLE": "2s", "KUSTOMER_CHAT_SESSION_LIFETIME": "1h",
		"KUSTOMER_CHAT_ANONYMOUS_SESSION_IDLE": "0", "KUSTOMER_CHAT_AGENT_SESSION_IDLE": "30m", "KUSTOMER_CHAT_AGENT_SESSION_LIFETIME": "1h"},
		"-session-lifetime", "5s", "-anonymous-session-lifetime", "48h", "-agent-session-lifetime", "24h")
	want := store.SessionPolicy{VerifiedIdle: 2 * time.Second, VerifiedLifetime: 5 * time.Second, AnonymousLifetime: 48 * time.Hour,
		AgentIdle: 30 * time.Minute, AgentLifetime: 24 * time.Hour}
	if err != nil || p != want {
		t.Fatalf("env and flags: %+v, %v; want %+v", p, err, want)
	}
	if _, err := policy(map[string]string{"KUSTOMER_CHAT_SESSION_IDLE": "a week"}); err == nil || !strings.Contains(err.Error(), "KUSTOMER_CHAT_SESSION_IDLE") {
		t.Fatalf("bad env: %v", err)
	}
	if _, err := policy(nil, "-session-idle", "-1s"); err == nil {
		t.Fatal("negative flag accepted")
	}
}

// heldRequest opens a request that the server is still reading (half its body sent)
// when shutdown starts: it holds the shutdown until the timeout closes it.
func heldRequest(t *testing.T, url string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /v1/conversations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"mess")
	time.Sleep(50 * time.Millisecond) // let the server start reading it
	return conn
}

// -shutdown-timeout (or its environment variable) is how long shutdown waits for a
// request in flight before it closes the connection and exits.
func TestShutdownTimeoutIsHonoured(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
	}{
		"flag":        {nil, []string{"-shutdown-timeout", "300ms"}},
		"environment": {map[string]string{"KUSTOMER_CHAT_SHUTDOWN_TIMEOUT": "300ms"}, nil},
		"flag wins":   {map[string]string{"KUSTOMER_CHAT_SHUTDOWN_TIMEOUT": "1h"}, []string{"-shutdown-timeout", "300ms"}},
	} {
		t.Run(name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "chat.db")
			r := start(t, tc.env, append([]string{"-addr", "127.0.0.1:0", "-db", db}, tc.args...)...)
			heldRequest(t, r.url)
			began := time.Now()
			r.shutdown(t)
			if d := time.Since(began); d < 300*time.Millisecond || d > 3*time.Second {
				t.Fatalf("shutdown with a request in flight took %v, want about 300ms", d)
			}
		})
	}
	for _, bad := range []string{"0s", "-1s", "soon"} {
		err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "c.db"), "-shutdown-timeout", bad},
			nil, io.Discard, io.Discard, func(string) string { return "" })
		if err == nil {
			t.Errorf("-shutdown-timeout %s accepted", bad)
		}
	}
}
