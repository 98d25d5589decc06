package service

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// sessionCacheTTL bounds how long a session read stays in an instance's
// cache, so how late an instance learns that a session ended if it never
// hears so (a NATS link down but not yet seen to be). A visitor's requests
// come in bursts (a message, its poll, a markRead), which this covers.
const sessionCacheTTL = 10 * time.Second

// sessionCacheMax bounds its entries (a few hundred bytes each).
const sessionCacheMax = 50000

// sessionCache keeps the sessions this instance's requests found live, so
// that a request costs no store read for its session: on PostgreSQL that
// read was one of the two statements of every message sent, and the cache
// took messages kept at 2,000 a second asked from about 1,550 to 1,970 (issue
// 9, two instances on this 2-core machine).
//
// It stays right because every write that ends sessions drops its
// customer's from every instance's cache (sessionsEnded): a logout, a login
// (which revokes the device's earlier sessions and the customer's oldest,
// and an adopted anonymous customer's), an erase. A read that ran while
// such a drop came is not kept, as it may have read the session before the
// write committed. While the instance may miss the others' drops (NATS
// down), it keeps nothing. Expiry needs no drop: an entry ends at the
// session's LiveUntil. The long poll does not rely on it: its every read
// checks the session in the store's snapshot.
type sessionCache struct {
	mu         sync.Mutex
	entries    map[[sha256.Size]byte]cachedSession
	byCustomer map[string]map[[sha256.Size]byte]struct{}
	epoch      uint64 // counts the drops, for put to see one that came during its read
	off        bool
}

type cachedSession struct {
	sess  store.Session
	until time.Time
}

func newSessionCache() *sessionCache {
	return &sessionCache{entries: map[[sha256.Size]byte]cachedSession{}, byCustomer: map[string]map[[sha256.Size]byte]struct{}{}}
}

func tokenKey(token string) [sha256.Size]byte { return sha256.Sum256([]byte(token)) }

// get returns the session kept for key, if it is still live at now.
func (c *sessionCache) get(key [sha256.Size]byte, now time.Time) (store.Session, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.until) {
		return store.Session{}, false
	}
	return e.sess, true
}

// reading is called before the store read whose answer goes to put.
func (c *sessionCache) reading() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// put keeps sess, read at now by a read that began at epoch, unless a drop
// came since.
func (c *sessionCache) put(key [sha256.Size]byte, sess store.Session, epoch uint64, now time.Time) {
	until := now.Add(sessionCacheTTL)
	if !sess.LiveUntil.IsZero() && sess.LiveUntil.Before(until) {
		until = sess.LiveUntil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off || epoch != c.epoch {
		return
	}
	if len(c.entries) >= sessionCacheMax {
		c.sweep(now)
	}
	c.entries[key] = cachedSession{sess, until}
	keys := c.byCustomer[sess.CustomerID]
	if keys == nil {
		keys = map[[sha256.Size]byte]struct{}{}
		c.byCustomer[sess.CustomerID] = keys
	}
	keys[key] = struct{}{}
}

// sweep drops the entries ended at now, and every one if none had.
func (c *sessionCache) sweep(now time.Time) {
	for key, e := range c.entries {
		if !now.Before(e.until) {
			c.forget(key, e.sess.CustomerID)
		}
	}
	if len(c.entries) >= sessionCacheMax {
		clear(c.entries)
		clear(c.byCustomer)
	}
}

func (c *sessionCache) forget(key [sha256.Size]byte, customerID string) {
	delete(c.entries, key)
	if keys := c.byCustomer[customerID]; keys != nil {
		delete(keys, key)
		if len(keys) == 0 {
			delete(c.byCustomer, customerID)
		}
	}
}

// drop forgets a customer's sessions.
func (c *sessionCache) drop(customerID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for key := range c.byCustomer[customerID] {
		delete(c.entries, key)
	}
	delete(c.byCustomer, customerID)
}

// reset forgets every session, and keeps none from now on while off.
func (c *sessionCache) reset(off bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.off = off
	clear(c.entries)
	clear(c.byCustomer)
}
