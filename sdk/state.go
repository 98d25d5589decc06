package sdk

import (
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
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

// storedState is the JSON form of state under Client.StorageKey().
type storedState struct {
	V            int       `json:"v"`
	DeviceID     string    `json:"deviceId"`
	Identity     *Identity `json:"identity"`
	SessionToken string    `json:"sessionToken,omitempty"`
}

func encodeState(s state) string {
	id := s.identity
	b, _ := json.Marshal(storedState{V: stateVersion, DeviceID: s.deviceID, Identity: &id, SessionToken: s.session})
	return string(b)
}

// decodeState reads stored state; ok is false for anything that is not a coherent
// version-1 state.
func decodeState(raw string) (state, bool) {
	var st storedState
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return state{}, false
	}
	if st.V != stateVersion || !isUUID(st.DeviceID) || st.Identity == nil {
		return state{}, false
	}
	s := state{deviceID: st.DeviceID, identity: *st.Identity, session: st.SessionToken}
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

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// timestamp formats t as the service does: RFC 3339 in UTC with milliseconds.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// freshState is a new anonymous device: a new device id, no customer yet.
func (c *Client) freshState() state {
	id := uuid.New().String()
	now := timestamp(c.clock.Now())
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

// guard runs f, turning a panic into an error.
func guard(f func() error) (err error) {
	defer func() {
		if recover() != nil {
			err = errStoragePanic
		}
	}()
	return f()
}
