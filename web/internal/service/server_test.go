package service

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

func TestPing(t *testing.T) {
	e := newEnv(t)
	r := e.do(req{Method: "GET", Path: "/v1/ping"}).expect(204)
	if len(r.Body) != 0 {
		t.Fatalf("ping body %q", r.Body)
	}
}

func TestUnknownRoutesAnswerJSON(t *testing.T) {
	e := newEnv(t)
	e.do(req{Method: "GET", Path: "/v1/nope"}).expectError(404, codeNotFound)
	e.do(req{Method: "DELETE", Path: "/v1/conversations", APIKey: testAPIKey}).expectError(404, codeNotFound)
	e.do(req{Method: "GET", Path: "/v1/identities/login", APIKey: testAPIKey}).expectError(404, codeNotFound)
	if r := e.do(req{Method: "GET", Path: "/elsewhere"}); r.Code != 404 {
		t.Fatalf("GET /elsewhere: %d", r.Code)
	}
}

func TestSDKAndDemoMounted(t *testing.T) {
	e := newEnv(t)
	r := e.do(req{Method: "GET", Path: "/sdk/kustomer-chat.js"}).expect(200)
	if string(r.Body) != "// loader\n" || r.Header.Get("Access-Control-Allow-Origin") != "*" ||
		r.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("loader: %q %v", r.Body, r.Header)
	}
	if r := e.do(req{Method: "GET", Path: "/sdk/missing.js"}); r.Code != 404 {
		t.Fatalf("missing asset: %d", r.Code)
	}
	// Without -dev the demo embeds no chat and says how to start it; with -dev its
	// pages carry the API key on their script tags (web/internal/demo tests the rest).
	page := e.do(req{Method: "GET", Path: "/"}).expect(200)
	body := string(page.Body)
	if !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") ||
		strings.Contains(body, "data-api-key") || !strings.Contains(body, "/sdk/kustomer-chat.js") {
		t.Fatalf("home page without -dev: %s %s", page.Header.Get("Content-Type"), body)
	}
	for _, path := range []string{"/console", "/demo/shop.js"} {
		e.do(req{Method: "GET", Path: path}).expect(404)
	}
	dev := newEnv(t, func(o *Options) { o.Dev = true })
	for _, path := range []string{"/", "/console"} {
		if body := string(dev.do(req{Method: "GET", Path: path}).expect(200).Body); !strings.Contains(body,
			`<script src="/sdk/kustomer-chat.js" data-api-key="`+testAPIKey+`"`) {
			t.Fatalf("demo %s with -dev: no script tag with the API key", path)
		}
	}
	dev.do(req{Method: "GET", Path: "/demo/shop.js"}).expect(200)
}

func TestNewRequiresConfiguration(t *testing.T) {
	e := newEnv(t)
	for _, o := range []Options{
		{APIKey: "k", JWTSecret: "s"},
		{Store: e.st, JWTSecret: "s"},
		{Store: e.st, APIKey: "k"},
	} {
		if _, err := New(o); err == nil {
			t.Fatalf("New(%+v) accepted an incomplete configuration", o)
		}
	}
}

// failingStore breaks the way a full disk would, with an error text that
// must not reach the client.
type failingStore struct{ store.Store }

func (failingStore) Conversations(context.Context, string, store.Page) ([]store.Conversation, string, error) {
	return nil, "", errors.New("sqlite: disk I/O error at /var/lib/kustomer/secret.db")
}

func (failingStore) Messages(context.Context, string, string, store.Page) ([]store.Message, string, error) {
	panic("unexpected nil map in /src/internal/thing.go")
}

func TestServerErrorsRevealNothing(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d").SessionToken
	_, h, err := newServer(Options{Store: failingStore{e.st}, APIKey: testAPIKey, JWTSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	for _, path := range []string{"/v1/conversations", "/v1/conversations/x/messages"} {
		r := e.sdk("GET", path, s, nil)
		r.expectError(500, codeServerError)
		if strings.Contains(string(r.Body), "sqlite") || strings.Contains(string(r.Body), "/src/") || strings.Contains(string(r.Body), "/var/") {
			t.Fatalf("%s leaked internals: %s", path, r.Body)
		}
	}
}

func TestDataSurvivesReopen(t *testing.T) {
	e := newEnv(t)
	login := e.login(e.jwt("ann@example.com", ""), "d", "")
	c := e.createConversation(login.SessionToken, "before restart").Conversation
	e.st.Close()

	for range 2 { // reopening twice: migrations must not run again
		st, err := store.OpenSQLite(context.Background(), e.path, store.SQLiteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		e.st = st
		_, e.h, err = newServer(Options{Store: st, APIKey: testAPIKey, JWTSecret: testSecret, Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.conversations(login.SessionToken); len(got) != 1 || got[0].ID != c.ID {
			t.Fatalf("after reopen: %+v", got)
		}
		again := e.login(e.jwt("ann@example.com", ""), "d", "")
		if again.Identity.CustomerID != login.Identity.CustomerID {
			t.Fatal("customer not found after reopen")
		}
		login = again // the new login on the same device revoked the previous session
		st.Close()
	}
}
