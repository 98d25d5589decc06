package sdk

import "sync"

// scope is the lifetime of some work, ended once by cancel: the Client's by Close, a
// poller's when it stops, a request's when it times out or its parent scope ends. The
// core uses it instead of context.Context for the WebAssembly build's size: every
// context type has a Deadline method returning a time.Time, and the linker keeps the
// method types of each type held in an interface, so time.Time's String, and with it
// time's whole layout formatter, would come along: with context's own code, about
// 20 KB brotli.
type scope struct {
	once sync.Once
	c    chan struct{}
}

func newScope() *scope { return &scope{c: make(chan struct{})} }

func (s *scope) cancel() { s.once.Do(func() { close(s.c) }) }

// done is closed when the scope has ended.
func (s *scope) done() <-chan struct{} { return s.c }

func (s *scope) ended() bool {
	select {
	case <-s.c:
		return true
	default:
		return false
	}
}

// child returns a scope that ends with s or by its own cancel, which must be called
// once its work is over.
func (s *scope) child() *scope {
	c := newScope()
	go func() {
		select {
		case <-s.c:
			c.cancel()
		case <-c.c:
		}
	}()
	return c
}
