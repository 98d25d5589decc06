package sdk

// The serial call queue: every public call reserves its place here before it
// returns, and the calls run one at a time, in call order, on the worker goroutine
// (or inline, for a local call with nothing ahead of it: see submitLocal).

func errClosed() *Error { return newError(CodeNotConfigured, "the chat client is closed") }

// Call is one queued operation. It settles exactly once.
type Call[T any] struct {
	settled
	value T
}

// settled is what a Call is but for its value. The queue handles settled, not
// Call[T], so that each type of call adds a few small functions to the WebAssembly
// build, not its own copy of the queue's code.
type settled struct {
	done chan struct{}
	err  error
}

// Wait blocks until the call has settled and returns its result. Every error is an
// *Error.
func (c *Call[T]) Wait() (T, error) {
	<-c.done
	return c.value, c.err
}

// Done is closed when the call has settled.
func (s *settled) Done() <-chan struct{} { return s.done }

func (s *settled) settle(e *Error) {
	if e != nil {
		s.err = e
	}
	close(s.done)
}

type job struct {
	call *settled
	run  func() *Error // sets the call's value when it succeeds
}

// runAndSettle runs the job and settles its call. A panic settles it with INTERNAL.
func (j job) runAndSettle() { j.call.settle(j.runProtected()) }

// runProtected runs the job; a panic in it is an INTERNAL error.
func (j job) runProtected() *Error {
	e := newError(CodeInternal, "internal error in the chat SDK; later calls still work")
	func() {
		defer func() { _ = recover() }()
		e = j.run()
	}()
	return e
}

// newJob wraps fn as a job setting the returned call's value; enqueue or runLocal
// gives the call its Done channel.
func newJob[T any](fn func() (T, *Error)) (*Call[T], job) {
	call := &Call[T]{}
	return call, job{&call.settled, func() *Error {
		v, e := fn()
		if e == nil {
			call.value = v
		}
		return e
	}}
}

// submit reserves fn's place in the queue, synchronously and without blocking. A panic
// in fn settles its call with INTERNAL and the worker goes on.
func submit[T any](c *Client, fn func() (T, *Error)) *Call[T] {
	call, j := newJob(fn)
	c.enqueue(j)
	return call
}

func (c *Client) enqueue(j job) {
	j.call.done = make(chan struct{})
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		j.call.settle(errClosed())
		return
	}
	c.queue = append(c.queue, j)
	c.mu.Unlock()
	c.signal()
}

// submitLocal is submit for a call answered from the device's state alone. When no
// call is queued or running, it runs at once on the caller's goroutine: call order
// holds all the same, and the bridge resolves it without waiting for the worker,
// which is most of an isLoggedIn's cost in the browser. Run inline, the call needs
// no channel of its own and wakes no goroutine: in the browser each allocation and
// each goroutine switch is a measurable part of a call that answers in microseconds.
func submitLocal[T any](c *Client, fn func() (T, *Error)) *Call[T] {
	call, j := newJob(fn)
	c.runLocal(j)
	return call
}

// runLocal is submitLocal's part that is the same for every type of call: the
// WebAssembly build gets one copy of it, not one per type.
func (c *Client) runLocal(j job) {
	if !c.claimIdle() {
		c.enqueue(j)
		return
	}
	j.call.done = settledDone
	if e := j.runProtected(); e != nil {
		j.call.err = e
	}
	if c.ranOne() {
		c.signal() // a call queued meanwhile waits for the worker
	}
}

// settledDone is the Done channel of every call settled before it was returned.
var settledDone = func() chan struct{} { ch := make(chan struct{}); close(ch); return ch }()

// claimIdle marks the client busy when no call is queued or running, for a local
// call to run inline; false when it must take its place in the queue.
func (c *Client) claimIdle() bool {
	c.mu.Lock()
	idle := !c.closed && !c.busy && len(c.queue) == 0
	c.busy = c.busy || idle
	c.mu.Unlock()
	return idle
}

// Fail queues a call that settles, in its turn, with err (an *Error, else INTERNAL):
// the bridge uses it to reject a call with bad arguments without breaking call order.
func Fail[T any](c *Client, err error) *Call[T] {
	e, ok := err.(*Error)
	if !ok || e == nil {
		e = &Error{Code: CodeInternal, Message: "internal error in the chat SDK", Err: err}
	}
	return submit(c, func() (T, *Error) { var zero T; return zero, e })
}

func (c *Client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// worker runs the queued calls one at a time, in call order.
func (c *Client) worker() {
	defer close(c.done)
	for {
		c.mu.Lock()
		for (len(c.queue) == 0 || c.busy) && !c.closed {
			c.mu.Unlock()
			<-c.wake
			c.mu.Lock()
		}
		if c.closed {
			pending := c.queue
			c.queue = nil
			c.mu.Unlock()
			for _, j := range pending {
				j.call.settle(errClosed())
			}
			c.stopPoller()
			return
		}
		j := c.queue[0]
		c.queue[0] = job{}
		c.queue = c.queue[1:]
		c.busy = true
		c.mu.Unlock()
		j.runAndSettle()
		c.runDeferred()
		c.ranOne()
	}
}

// later defers f, part of the running queued call, until the call's caller has had
// its answer (see Config.AfterAnswer); without AfterAnswer f runs at once.
func (c *Client) later(f func()) {
	if c.afterAnswer == nil {
		f()
		return
	}
	c.deferred = append(c.deferred, f)
}

// runDeferred runs, once AfterAnswer says so, what the call that just settled left
// for later. The call is still the running one: the next waits. A panic in that work
// ends it without stopping the worker.
func (c *Client) runDeferred() {
	work := c.deferred
	if len(work) == 0 {
		return
	}
	c.deferred = nil
	answered := make(chan struct{})
	c.afterAnswer(func() { close(answered) })
	<-answered
	for _, f := range work {
		func() {
			defer func() { _ = recover() }()
			f()
		}()
	}
}

// ranOne ends the run of a call, on the worker or inline: the next may start. It
// reports whether a call is queued.
func (c *Client) ranOne() (queued bool) {
	c.mu.Lock()
	c.busy = false
	queued = len(c.queue) > 0
	c.mu.Unlock()
	if c.onSettle != nil {
		c.onSettle()
	}
	return queued
}
