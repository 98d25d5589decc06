//go:build js && wasm

package main

import (
	"github.com/hack-pad/safejs"

	"github.com/kustomer-chat/kustomer-chat/sdk"
)

var (
	promiseClass = safejs.MustGetGlobal("Promise")
	errorClass   = safejs.MustGetGlobal("Error")
)

// settle returns a Promise that the call's result settles. The wait happens on its
// own goroutine: blocking inside a JS callback would deadlock the Go runtime. A call
// the core answered at once (isLoggedIn with nothing queued) skips that goroutine.
func settle[T any](call *sdk.Call[T], toJS func(T) any) any {
	select {
	case <-call.Done():
		value, err := call.Wait()
		if err != nil {
			return rejected(err)
		}
		return resolved(toJS(value))
	default:
	}
	promise, resolve, reject, err := newPromise()
	if err != nil {
		return nil
	}
	go func() {
		defer func() {
			if r := recover(); r != nil {
				_, _ = reject.Invoke(jsError(sdk.ErrInternal))
			}
		}()
		value, err := call.Wait()
		if err != nil {
			_, _ = reject.Invoke(jsError(err))
			return
		}
		_, _ = resolve.Invoke(toJS(value))
	}()
	return promise
}

// rejected returns a Promise already rejected with err.
func rejected(err error) any {
	promise, _ := promiseClass.Call("reject", jsError(err))
	return promise
}

// resolved returns a Promise already resolved with value. The answers a call most
// often gives at once (isLoggedIn's true or false, nothing) share one Promise each,
// made at start: a fresh one would cost a call into JavaScript and a js.Value whose
// finalizer the garbage collector must run, a measurable part of an isLoggedIn. A
// settled Promise is immutable, so sharing it changes nothing its callers can rely on.
func resolved(value any) any {
	switch v := value.(type) {
	case bool:
		return resolvedBool[b2i(v)]
	case safejs.Value:
		if v.IsUndefined() {
			return resolvedUndefined
		}
	}
	return newResolved(value)
}

var (
	resolvedBool      = [2]any{newResolved(false), newResolved(true)}
	resolvedUndefined = newResolved(safejs.Undefined())
)

// newResolved is not inlined: each inlined copy of a call into JavaScript costs
// hundreds of bytes of WebAssembly.
//
//go:noinline
func newResolved(value any) any {
	promise, _ := promiseClass.Call("resolve", value)
	return promise
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// newPromise makes a pending Promise with its resolve and reject functions. The
// executor runs within the constructor, so they are captured before it returns
// (Promise.withResolvers would do, but Safari 16.4 lacks it).
func newPromise() (promise, resolve, reject safejs.Value, err error) {
	executor, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		if len(args) == 2 {
			resolve, reject = args[0], args[1]
		}
		return nil
	})
	if err != nil {
		return
	}
	defer executor.Release()
	promise, err = promiseClass.New(executor)
	return
}

// jsError turns err into the SPEC's KustomerChatError: an Error with name and code.
// Every error of the core and the bridge is an *sdk.Error itself, never wrapped, so
// a type assertion does: errors.As would link reflection, some 10 KB brotli.
func jsError(err error) safejs.Value {
	e, ok := err.(*sdk.Error)
	if !ok || e == nil {
		e = sdk.ErrInternal
	}
	v, newErr := errorClass.New(e.Message)
	if newErr != nil {
		return safejs.Undefined()
	}
	_ = v.Set("name", "KustomerChatError")
	_ = v.Set("code", string(e.Code))
	return v
}
