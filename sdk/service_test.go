//go:build !js

// Native only: the service and its SQLite do not build for the browser.

package sdk_test

// The core against the real service: web's handler on a real SQLite file, over HTTP
// on loopback. The other tests of this package use a fake service, for the faults a
// real one will not make on demand; this one holds the two to the same contract.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kustomer-chat/kustomer-chat/sdk"
	"github.com/kustomer-chat/kustomer-chat/web"
	"github.com/kustomer-chat/kustomer-chat/web/auth"
	"github.com/kustomer-chat/kustomer-chat/web/store"
)

const (
	serviceAPIKey   = "integration-key"
	serviceSecret   = "integration-secret-long-enough-for-hs256"
	serviceAgentKey = "integration-agent"
)

// httpTransport is the browser's fetch, for a native test.
type httpTransport struct{}

func (httpTransport) Do(cancel <-chan struct{}, req sdk.Request) (sdk.Response, error) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		select {
		case <-cancel:
			stop()
		case <-ctx.Done():
		}
	}()
	r, err := http.NewRequestWithContext(ctx, req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return sdk.Response{}, err
	}
	for k, v := range req.Header {
		r.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return sdk.Response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return sdk.Response{Status: resp.StatusCode, Body: body}, err
}

// events records what the core emits.
type events struct {
	mu   sync.Mutex
	seen []string
	msgs []*sdk.Message
	last int // the last unread total
}

func (e *events) emit(event string, payload any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seen = append(e.seen, event)
	switch p := payload.(type) {
	case *sdk.Message:
		if event == sdk.EventMessageReceived {
			e.msgs = append(e.msgs, p)
		}
	case int:
		e.last = p
	}
}

func (e *events) wait(t *testing.T, what string, ok func(e *events) bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		e.mu.Lock()
		done := ok(e)
		e.mu.Unlock()
		if done {
			return
		}
	}
	t.Fatalf("no %s within 3 s; events %v", what, e.seen)
}

func startService(t *testing.T) string {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "chat.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Options{Store: st, APIKey: serviceAPIKey, JWTSecret: serviceSecret, AgentKey: serviceAgentKey,
		Assets: fstest.MapFS{"kustomer-chat.js": {Data: []byte("//")}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); st.Close() })
	return srv.URL
}

func wait[T any](t *testing.T, call *sdk.Call[T]) T {
	t.Helper()
	v, err := call.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTheCoreAgainstTheRealService(t *testing.T) {
	url := startService(t)
	var ev events
	c, err := sdk.New(sdk.Config{APIKey: serviceAPIKey, ServerURL: url, Transport: httpTransport{}, Emit: ev.emit})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	conv := wait(t, c.CreateConversation("hello"))
	wait(t, c.SendMessage(conv.ID, "are you there?"))
	// The poller's first answer sets its cursor (and tells the unread total): a reply
	// stored before it is history, not an event. See the closing note of issue 7.
	ev.wait(t, "the poller's first answer", func(e *events) bool { return slices.Contains(e.seen, sdk.EventUnread) })

	reply, _ := http.NewRequest("POST", url+"/v1/agent/conversations/"+conv.ID+"/messages",
		strings.NewReader(`{"body":"Yes! How can I help?","authorName":"Maya"}`))
	reply.Header.Set("Authorization", "Bearer "+serviceAgentKey)
	reply.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(reply); err != nil || resp.StatusCode != 201 {
		t.Fatalf("agent reply: %v %v", resp, err)
	}
	ev.wait(t, "agent reply with its author's name", func(e *events) bool {
		return len(e.msgs) == 1 && e.msgs[0].Author == "agent" && e.msgs[0].AuthorName == "Maya" && e.last == 1
	})

	var bodies []string
	for _, m := range wait(t, c.GetMessages(conv.ID)) {
		bodies = append(bodies, m.Author+": "+m.Body)
	}
	if got := strings.Join(bodies, " | "); got != "customer: hello | customer: are you there? | agent: Yes! How can I help?" {
		t.Fatalf("messages %q", got)
	}

	// The anonymous chat moves onto the customer who logs in on this device.
	jwt, err := auth.Sign(auth.Claims{Email: "Ann@Example.com", IssuedAt: time.Now()}, []byte(serviceSecret))
	if err != nil {
		t.Fatal(err)
	}
	id := wait(t, c.LogIn(jwt))
	if !id.Verified || id.Email != "ann@example.com" {
		t.Fatalf("identity %+v", id)
	}
	if ok := wait(t, c.IsLoggedIn("email", " ANN@example.com ")); !ok {
		t.Fatal("isLoggedIn is false for the canonical email")
	}
	convs := wait(t, c.GetConversations())
	if len(convs) != 1 || convs[0].ID != conv.ID || convs[0].Unread != 1 {
		t.Fatalf("conversations after logIn %+v", convs)
	}

	wait(t, c.MarkRead(conv.ID))
	ev.wait(t, "onUnread 0 after markRead", func(e *events) bool { return e.last == 0 })

	wait(t, c.LogOut())
	if convs := wait(t, c.GetConversations()); len(convs) != 0 {
		t.Fatalf("conversations after logOut %+v", convs)
	}
	if _, err := c.GetMessages(conv.ID).Wait(); !errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("the previous customer's conversation after logOut: %v", err)
	}
}
