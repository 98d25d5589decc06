package sdk

import (
	"context"
	"time"
)

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
// no answer at all (offline, refused, aborted by ctx) is an error.
type Response struct {
	Status int
	Body   []byte
}

// Transport sends requests: fetch in the browser, net/http or a fake in tests.
type Transport interface {
	Do(ctx context.Context, req Request) (Response, error)
}

// Clock tells the time; tests move it by hand.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
