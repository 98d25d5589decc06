package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store/pgtest"
)

// The test binary runs as the command when this is set, so that a test can
// signal a real process.
const asCommand = "KUSTOMER_CHAT_SCALEENV_AS_COMMAND"

func TestMain(m *testing.M) {
	if os.Getenv(asCommand) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// readEnv reads the command's line, skipping the test when PostgreSQL
// cannot run here (failing instead under CI=true, as pgtest does).
func readEnv(t *testing.T, out io.Reader, failed <-chan error) Env {
	t.Helper()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- s
	}()
	select {
	case err := <-failed:
		if errors.Is(err, pgtest.ErrUnavailable) && os.Getenv("CI") != "true" {
			t.Skip(err)
		}
		t.Fatalf("the command ended before its line: %v", err)
	case s := <-line:
		var env Env
		if err := json.Unmarshal([]byte(s), &env); err != nil {
			t.Fatalf("line %q: %v", s, err)
		}
		return env
	case <-time.After(60 * time.Second):
		t.Fatal("no line within 60 s")
	}
	return Env{}
}

// usable checks that env's database takes a table and env's NATS server
// carries a message, and returns the addresses both listen on.
func usable(t *testing.T, env Env) (pgDir string, addrs []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, env.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE notes (body TEXT)`); err != nil {
		t.Fatal(err)
	}

	nc, err := nats.Connect(env.NATS)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("hello")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish("hello", []byte("world")); err != nil {
		t.Fatal(err)
	}
	if m, err := sub.NextMsg(5 * time.Second); err != nil || string(m.Data) != "world" {
		t.Fatalf("NATS: got %v, %v", m, err)
	}

	u, err := url.Parse(env.DB)
	if err != nil {
		t.Fatal(err)
	}
	n, err := url.Parse(env.NATS)
	if err != nil {
		t.Fatal(err)
	}
	if n.Hostname() != "127.0.0.1" {
		t.Fatalf("NATS listens on %s, not loopback", n.Host)
	}
	return u.Query().Get("host"), []string{"127.0.0.1:" + u.Query().Get("port"), n.Host}
}

// gone checks that both servers have stopped and the directory is removed.
func gone(t *testing.T, pgDir string, addrs []string) {
	t.Helper()
	if _, err := os.Stat(pgDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still there: %v", pgDir, err)
	}
	for _, a := range addrs {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still takes connections", a)
		}
	}
}

func TestStopsWhenStdinCloses(t *testing.T) {
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), stdinR, stdoutW) }()
	dir, addrs := usable(t, readEnv(t, stdoutR, done))
	stdinW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30 s after stdin closed")
	}
	gone(t, dir, addrs)
}

func TestStopsOnSIGTERM(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), asCommand+"=1")
	// A stdin that stays open: only the signal stops it.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	failed := make(chan error, 1)
	go func() {
		<-exited
		if strings.Contains(stderr.String(), pgtest.ErrUnavailable.Error()) {
			failed <- fmt.Errorf("%w: %s", pgtest.ErrUnavailable, &stderr)
			return
		}
		failed <- fmt.Errorf("%v: %s", waitErr, &stderr)
	}()
	dir, addrs := usable(t, readEnv(t, out, failed))
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("exit after SIGTERM: %v: %s", waitErr, &stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30 s after SIGTERM")
	}
	gone(t, dir, addrs)
}

// Where PostgreSQL cannot run the status tells the harness to skip.
func TestExitCode(t *testing.T) {
	for err, want := range map[error]int{
		fmt.Errorf("%w: not installed", pgtest.ErrUnavailable): exitUnavailable,
		errors.New("NATS: not ready within 10 s"):              1,
	} {
		if got := exitCode(err); got != want {
			t.Errorf("exitCode(%v) = %d, want %d", err, got, want)
		}
	}
}
