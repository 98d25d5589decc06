// Package servicetest runs the real chat service in-process, on a fresh
// SQLite file and a loopback port, for the tests of its clients that live
// outside web/ (the SDK's core): the service's own packages are internal.
package servicetest

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/internal/service"
	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// Options are the service's settings a client's tests vary. Nothing else is
// limited: a test's many logins from one address must not hit the limits.
type Options struct {
	APIKey, JWTSecret, AgentKey string
	// Now is the service's clock; nil is time.Now.
	Now func() time.Time
	// SessionIdle ends verified and anonymous sessions unused this long; 0
	// never does.
	SessionIdle time.Duration
	// MessageLimit bounds each session's messages; the zero value does not.
	MessageLimit Limit
}

// Limit is a rate: Events per Per, Burst at once.
type Limit = service.Limit

// Start serves the service until t ends and returns its base URL.
func Start(t testing.TB, o Options) string {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "chat.db"),
		store.SQLiteOptions{Sessions: store.SessionPolicy{VerifiedIdle: o.SessionIdle, AnonymousIdle: o.SessionIdle}})
	if err != nil {
		t.Fatal(err)
	}
	opts := service.Options{Store: st, APIKey: o.APIKey, JWTSecret: o.JWTSecret, AgentKey: o.AgentKey, Now: o.Now,
		// The service refuses to start without the loader among its files.
		Assets: fstest.MapFS{"kustomer-chat.js": {Data: []byte("//")}}}
	opts.Limits.Messages = o.MessageLimit
	h, err := service.New(opts)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); st.Close() })
	return srv.URL
}
