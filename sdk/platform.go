package sdk

import "time"

// Storage is the device's key-value store: localStorage in the browser, a map in tests.
// An error means the store is unusable (quota, disabled, missing); ok is false when the
// key is absent.
type Storage interface {
	Get(key string) (value string, ok bool, err error)
	Set(key, value string) error
	Remove(key string) error
}

// Request is one HTTP request to the chat service.
type Request struct {
	Method string
	URL    string
	Header map[string]string
	Body   []byte
}

// Response is the service's answer. Any status is a Response; only a request that got
// no answer at all (offline, refused, cancelled) is an error.
type Response struct {
	Status int
	Body   []byte
	// RetryAfter is the Retry-After header of a 429 answer, "" otherwise; a Transport
	// need not read it for another status.
	RetryAfter string
}

// Transport sends requests: fetch in the browser, net/http or a fake in tests. Do
// should give up, with an error, once cancel is closed (the request timed out or the
// Client closed); the core stops waiting for it then anyway. A channel, not a
// context.Context: see scope for why the core has no contexts.
type Transport interface {
	Do(cancel <-chan struct{}, req Request) (Response, error)
}

// Clock tells the time; tests move it by hand.
type Clock interface {
	Now() time.Time
}
