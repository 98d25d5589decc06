package service

import (
	"testing"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

var cacheT0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func cached(t *testing.T, c *sessionCache, token string, at time.Time, want bool) {
	t.Helper()
	if _, ok := c.get(tokenKey(token), at); ok != want {
		t.Fatalf("%s at +%s: kept %v, want %v", token, at.Sub(cacheT0), ok, want)
	}
}

func keep(c *sessionCache, token string, sess store.Session) {
	c.put(tokenKey(token), sess, c.reading(), cacheT0)
}

func TestSessionCacheKeepsUntilTheTTLOrTheSessionsEnd(t *testing.T) {
	c := newSessionCache()
	keep(c, "ann", store.Session{ID: 1, CustomerID: "ann"})
	keep(c, "bob", store.Session{ID: 2, CustomerID: "bob", LiveUntil: cacheT0.Add(time.Second)})
	sess, ok := c.get(tokenKey("ann"), cacheT0)
	if !ok || sess.ID != 1 {
		t.Fatalf("ann's session: %+v, %v", sess, ok)
	}
	cached(t, c, "ann", cacheT0.Add(sessionCacheTTL-time.Millisecond), true)
	cached(t, c, "ann", cacheT0.Add(sessionCacheTTL), false)
	cached(t, c, "bob", cacheT0.Add(time.Second-time.Millisecond), true)
	cached(t, c, "bob", cacheT0.Add(time.Second), false)
	cached(t, c, "cy", cacheT0, false)
}

func TestSessionCacheDropForgetsOneCustomer(t *testing.T) {
	c := newSessionCache()
	keep(c, "ann-phone", store.Session{ID: 1, CustomerID: "ann"})
	keep(c, "ann-laptop", store.Session{ID: 2, CustomerID: "ann"})
	keep(c, "bob", store.Session{ID: 3, CustomerID: "bob"})
	c.drop("ann")
	cached(t, c, "ann-phone", cacheT0, false)
	cached(t, c, "ann-laptop", cacheT0, false)
	cached(t, c, "bob", cacheT0, true)
}

// A store read that began before a drop may have read a session the drop's
// write then ended: it is not kept, whoever the drop was for.
func TestSessionCacheKeepsNoReadThatADropOverlapped(t *testing.T) {
	c := newSessionCache()
	epoch := c.reading()
	c.drop("bob")
	c.put(tokenKey("ann"), store.Session{ID: 1, CustomerID: "ann"}, epoch, cacheT0)
	cached(t, c, "ann", cacheT0, false)
	keep(c, "ann", store.Session{ID: 1, CustomerID: "ann"})
	cached(t, c, "ann", cacheT0, true)
}

// While the carrier of the drops is down, nothing is kept; once it is back,
// what was kept before is forgotten, and sessions are kept again.
func TestSessionCacheKeepsNothingWhileDisconnected(t *testing.T) {
	c := newSessionCache()
	l := local{newNotifier(), c}
	keep(c, "ann", store.Session{ID: 1, CustomerID: "ann"})
	l.Disconnected()
	cached(t, c, "ann", cacheT0, false)
	keep(c, "bob", store.Session{ID: 2, CustomerID: "bob"})
	cached(t, c, "bob", cacheT0, false)
	l.Resync()
	keep(c, "bob", store.Session{ID: 2, CustomerID: "bob"})
	cached(t, c, "bob", cacheT0, true)
	l.Resync()
	cached(t, c, "bob", cacheT0, false)
}

// Full, it first drops the entries that ended, then, if none had, all.
func TestSessionCacheBounded(t *testing.T) {
	c := newSessionCache()
	for i := range sessionCacheMax {
		c.put(tokenKey(itoa(int64(i))), store.Session{ID: int64(i), CustomerID: itoa(int64(i)), LiveUntil: cacheT0.Add(time.Duration(i%2+1) * time.Second)}, c.reading(), cacheT0)
	}
	later := cacheT0.Add(time.Second)
	c.put(tokenKey("new"), store.Session{ID: -1, CustomerID: "new"}, c.reading(), later)
	if n := len(c.entries); n != sessionCacheMax/2+1 {
		t.Fatalf("%d entries after the sweep, want the %d still live and the new one", n, sessionCacheMax/2)
	}
	cached(t, c, "1", later, true)
	cached(t, c, "new", later, true)
	for i := len(c.entries); i < sessionCacheMax; i++ {
		c.put(tokenKey("more"+itoa(int64(i))), store.Session{ID: int64(i), CustomerID: "more"}, c.reading(), later)
	}
	c.put(tokenKey("last"), store.Session{ID: -2, CustomerID: "last"}, c.reading(), later)
	if n, m := len(c.entries), len(c.byCustomer); n != 1 || m != 1 {
		t.Fatalf("%d entries, %d customers after a sweep that found none ended, want only the new one", n, m)
	}
}
