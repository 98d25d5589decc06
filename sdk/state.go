package sdk

import (
	"errors"
	"sync"

	"github.com/valyala/fastjson"
)

// stateVersion is the "v" of the stored state; another value is unreadable.
const stateVersion = 1

// state is everything the core keeps about the device. It is owned by the worker
// goroutine and replaced whole, never edited in place.
type state struct {
	deviceID string
	identity Identity
	session  string // the service's bearer session; for an anonymous customer also the tracking token
}

// encodeState is the JSON form of s under Client.StorageKey():
// {"v":1,"deviceId":…,"identity":{…},"sessionToken":…}, sessionToken omitted when empty.
func encodeState(s state) string {
	var o jsonObject
	o.integer("v", stateVersion)
	o.str("deviceId", s.deviceID)
	o.raw("identity", s.identity.json())
	o.optStr("sessionToken", s.session)
	return string(o.end())
}

// decodeState reads stored state; ok is false for anything that is not a coherent
// version-1 state.
func decodeState(raw string) (state, bool) {
	var (
		v        int
		s        state
		identity *Identity
	)
	if !readBody([]byte(raw), func(key string, val *fastjson.Value) bool {
		switch key {
		case "v":
			return readInt(val, &v)
		case "deviceId":
			return readString(val, &s.deviceID)
		case "identity":
			return readObject(val, &identity)
		case "sessionToken":
			return readString(val, &s.session)
		}
		return true
	}) {
		return state{}, false
	}
	if v != stateVersion || !isUUID(s.deviceID) || identity == nil {
		return state{}, false
	}
	s.identity = *identity
	return s, s.coherent()
}

// coherent tells whether s is a state the core can work with: a verified identity
// has its session, its customer and an email or externalId; a session has a customer.
func (s state) coherent() bool {
	if s.identity.Verified && (s.session == "" || s.identity.Email == "" && s.identity.ExternalID == "") {
		return false
	}
	return s.session == "" || s.identity.CustomerID != ""
}

// freshState is a new anonymous device: a new device id, no customer yet.
func (c *Client) freshState() state {
	id := c.newUUID()
	now := timestamp(c.now())
	return state{deviceID: id, identity: Identity{TrackingID: id, CreatedAt: now, UpdatedAt: now}}
}

// readState reads the stored state: absent gives a fresh anonymous device, unreadable
// the same with a warning; either is stored at once so the device id stays stable.
func (c *Client) readState() state {
	raw, ok := c.store.get(c.key)
	if ok {
		if s, valid := decodeState(raw); valid {
			return s
		}
		c.warn("the stored chat state could not be read; starting with a fresh anonymous identity")
	}
	s := c.freshState()
	c.persist(s)
	return s
}

func (c *Client) persist(s state) { c.store.set(c.key, encodeState(s)) }

var errStoragePanic = errors.New("storage panicked")

// safeStorage wraps the device's Storage: on its first failure (error or panic) it
// warns once and keeps the state in memory for the rest of the Client's life.
type safeStorage struct {
	mu     sync.Mutex
	inner  Storage
	mem    MemoryStorage
	failed bool
	warn   func(string)
}

func (s *safeStorage) usable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.failed
}

func (s *safeStorage) fail() {
	s.mu.Lock()
	first := !s.failed
	s.failed = true
	s.mu.Unlock()
	if first {
		s.warn("storage is unavailable; the chat state is kept in memory for this page")
	}
}

func (s *safeStorage) get(key string) (string, bool) {
	if s.usable() {
		var v string
		var ok bool
		err := guard(func() (err error) { v, ok, err = s.inner.Get(key); return })
		if err == nil {
			return v, ok
		}
		s.fail()
	}
	v, ok, _ := s.mem.Get(key)
	return v, ok
}

func (s *safeStorage) set(key, value string) {
	if s.usable() {
		if guard(func() error { return s.inner.Set(key, value) }) == nil {
			return
		}
		s.fail()
	}
	_ = s.mem.Set(key, value)
}

func (s *safeStorage) remove(key string) {
	if s.usable() {
		if guard(func() error { return s.inner.Remove(key) }) == nil {
			return
		}
		s.fail()
	}
	_ = s.mem.Remove(key)
}

// guard runs f, turning a panic into an error.
func guard(f func() error) (err error) {
	defer func() {
		if recover() != nil {
			err = errStoragePanic
		}
	}()
	return f()
}
