package service

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/internal/auth"
	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// floodClient sends from one loopback address: Linux routes all of
// 127.0.0.0/8 to lo, so 127.0.0.2 is another client to the server.
func floodClient(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 16}}
}

func post(t testing.TB, c *http.Client, url, session string, body any) (int, map[string]any) {
	data, _ := json.Marshal(body)
	r, _ := http.NewRequest("POST", url, bytes.NewReader(data))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Kustomer-Api-Key", testAPIKey)
	if session != "" {
		r.Header.Set("Authorization", "Bearer "+session)
	}
	resp, err := c.Do(r)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// counts tallies a flood's answers.
type counts struct{ allowed, refused, other atomic.Int64 }

func (c *counts) add(status int) {
	switch {
	case status >= 200 && status < 300:
		c.allowed.Add(1)
	case status == http.StatusTooManyRequests:
		c.refused.Add(1)
	default:
		c.other.Add(1)
	}
}

// A flood from one address over loopback, with the default limits: each
// limit lets through about its burst and refuses the rest, while a visitor
// on another address chats at a human pace without one refusal.
func TestFloodBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("floods for a few seconds")
	}
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "chat.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	limits := DefaultLimits()
	h, err := New(Options{Store: st, APIKey: testAPIKey, JWTSecret: testSecret, Limits: limits,
		Assets: fstest.MapFS{"kustomer-chat.js": {Data: []byte("//")}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	attacker, visitor := floodClient("127.0.0.1"), floodClient("127.0.0.2")
	jwt := func(email string) string {
		tok, err := auth.Sign(auth.Claims{Email: email, IssuedAt: time.Now()}, []byte(testSecret))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	status, first := post(t, attacker, srv.URL+"/v1/identities/anonymous", "", map[string]string{"trackingId": "a"})
	if status != 201 {
		t.Fatalf("the attacker's first customer: %d", status)
	}
	session := first["sessionToken"].(string)
	status, created := post(t, attacker, srv.URL+"/v1/conversations", session, map[string]string{"message": "hi"})
	if status != 201 {
		t.Fatalf("the attacker's conversation: %d", status)
	}
	conv := created["conversation"].(map[string]any)["id"].(string)

	const duration = 2 * time.Second
	start := time.Now()
	stop := start.Add(duration)
	// A flood goes on past stop until it has met its limit: with writes synced to
	// disk on a busy machine, two seconds may not hold a burst's worth of messages.
	giveUp := stop.Add(15 * time.Second)
	var anon, logins, sends counts
	flood := func(c *counts, send func() int) {
		for now := time.Now(); now.Before(stop) || c.refused.Load() == 0 && now.Before(giveUp); now = time.Now() {
			c.add(send())
		}
	}
	var wg sync.WaitGroup
	for range 2 { // two workers per flood: the machine is shared
		wg.Go(func() {
			flood(&anon, func() int {
				s, _ := post(t, attacker, srv.URL+"/v1/identities/anonymous", "", map[string]string{"trackingId": "x"})
				return s
			})
		})
		wg.Go(func() {
			tok := jwt("flood@example.com")
			flood(&logins, func() int {
				s, _ := post(t, attacker, srv.URL+"/v1/identities/login", "", map[string]string{"jwt": tok, "trackingId": "x"})
				return s
			})
		})
		wg.Go(func() {
			flood(&sends, func() int {
				s, _ := post(t, attacker, srv.URL+"/v1/conversations/"+conv+"/messages", session, map[string]string{"body": "spam"})
				return s
			})
		})
	}

	// The visitor: a customer, a login, a conversation, a message every 100 ms.
	var visitorOK, visitorFailed int
	check := func(status int) {
		if status >= 200 && status < 300 {
			visitorOK++
		} else {
			visitorFailed++
			t.Errorf("the visitor got %d during the flood", status)
		}
	}
	s, id := post(t, visitor, srv.URL+"/v1/identities/anonymous", "", map[string]string{"trackingId": "v"})
	check(s)
	s, li := post(t, visitor, srv.URL+"/v1/identities/login", "", map[string]any{"jwt": jwt("visitor@example.com"),
		"trackingId": "v", "trackingToken": id["sessionToken"]})
	check(s)
	vs, _ := li["sessionToken"].(string)
	s, vc := post(t, visitor, srv.URL+"/v1/conversations", vs, map[string]string{"message": "hello"})
	check(s)
	vconv, _ := vc["conversation"].(map[string]any)["id"].(string)
	for time.Now().Before(stop) {
		s, _ := post(t, visitor, srv.URL+"/v1/conversations/"+vconv+"/messages", vs, map[string]string{"body": "still here"})
		check(s)
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
	elapsed := time.Since(start)

	for _, f := range []struct {
		name  string
		c     *counts
		limit Limit
		used  int64 // taken from the same bucket before the flood
	}{
		{"anonymous customers", &anon, limits.Anonymous, 1},
		{"logins", &logins, limits.Logins, 0},
		{"messages of one session", &sends, limits.Messages, 0},
	} {
		allowed, refused := f.c.allowed.Load(), f.c.refused.Load()
		t.Logf("%s, one address, %v: %d allowed, %d refused (429), %d other", f.name, elapsed.Round(time.Millisecond),
			allowed, refused, f.c.other.Load())
		most := int64(f.limit.Burst) + int64(float64(f.limit.Events)*elapsed.Seconds()/f.limit.Per.Seconds()) + 1 - f.used
		if allowed > most || refused == 0 || f.c.other.Load() != 0 {
			t.Errorf("%s: %d allowed (at most %d), %d refused, %d other", f.name, allowed, most, refused, f.c.other.Load())
		}
	}
	t.Logf("the visitor on another address: %d requests allowed, %d refused", visitorOK, visitorFailed)
}
