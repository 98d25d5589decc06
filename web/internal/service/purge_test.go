package service

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// syncBuffer is a log destination that the purge loop and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The server's purge deletes a session that ended more than the grace ago, on its
// first pass at start; the device that comes back with it is refused exactly as
// before, 401 SESSION_INVALID; a live session is untouched; the loop ends with ctx.
func TestPurgeLoopDeletesEndedSessionsAndTheirTokensStayRefused(t *testing.T) {
	e := newEnvWithStore(t, store.SQLiteOptions{Sessions: store.SessionPolicy{VerifiedIdle: time.Hour}})
	ended := e.login(e.jwt("ann@example.com", ""), "device-1", "")
	e.clock.Advance(store.PurgeGrace + 2*time.Hour)
	live := e.login(e.jwt("bob@example.com", ""), "device-2", "")
	before := e.sdk("GET", "/v1/conversations", ended.SessionToken, nil)
	before.expectError(401, codeSessionInvalid)

	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		PurgeSessions(ctx, e.st, time.Hour, e.clock.Now, slog.New(slog.NewTextHandler(&logs, nil)))
	}()
	for start := time.Now(); !strings.Contains(logs.String(), "sessions=1"); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			cancel()
			t.Fatalf("no purge at start; log %q", logs.String())
		}
	}
	after := e.sdk("GET", "/v1/conversations", ended.SessionToken, nil)
	after.expectError(401, codeSessionInvalid)
	if string(after.Body) != string(before.Body) {
		t.Fatalf("a purged session answers %s, an ended one %s", after.Body, before.Body)
	}
	e.sdk("GET", "/v1/conversations", live.SessionToken, nil).expect(200)
	if n, err := e.st.PurgeSessions(context.Background(), e.clock.Now(), store.PurgeGrace); err != nil || n != 0 {
		t.Fatalf("a second purge deleted %d (%v): the loop left some", n, err)
	}

	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the purge loop did not stop with its context")
	}
}
