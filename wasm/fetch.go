//go:build js && wasm

package main

import (
	"errors"

	"github.com/hack-pad/safejs"

	"github.com/kustomer-chat/kustomer-chat/sdk"
)

var errNoAnswer = errors.New("the chat service did not answer")

// fetchTransport sends the core's requests with the browser's fetch, which keeps
// net/http (megabytes) out of the WebAssembly build.
type fetchTransport struct{}

func (fetchTransport) Do(cancel <-chan struct{}, req sdk.Request) (sdk.Response, error) {
	abort, err := safejs.MustGetGlobal("AbortController").New()
	if err != nil {
		return sdk.Response{}, err
	}
	signal, _ := abort.Get("signal")
	headers := make(map[string]any, len(req.Header))
	for k, v := range req.Header {
		headers[k] = v
	}
	// No cache mode: the service marks its answers no-store itself, and a cache mode
	// of no-store would also bypass the CORS preflight cache, a round trip per call.
	init := map[string]any{"method": req.Method, "headers": headers}
	if req.Body != nil {
		init["body"] = string(req.Body)
	}
	initJS, err := safejs.ValueOf(init)
	if err != nil {
		return sdk.Response{}, err
	}
	_ = initJS.Set("signal", signal)

	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-cancel:
			_, _ = abort.Call("abort")
		case <-done:
		}
	}()

	fetchPromise, err := safejs.Global().Call("fetch", req.URL, initJS)
	if err != nil {
		return sdk.Response{}, err
	}
	response, err := await(fetchPromise)
	if err != nil {
		return sdk.Response{}, errNoAnswer
	}
	status, _ := response.Get("status")
	code, _ := status.Int()
	textPromise, err := response.Call("text")
	if err != nil {
		return sdk.Response{}, err
	}
	text, err := await(textPromise)
	if err != nil {
		return sdk.Response{}, errNoAnswer
	}
	body, _ := text.String()
	return sdk.Response{Status: code, Body: []byte(body), RetryAfter: retryAfter(code, response)}, nil
}

// retryAfter reads the Retry-After header of a 429 answer only: one more crossing
// into JavaScript for the answers that need it, none for the others.
func retryAfter(code int, response safejs.Value) string {
	if code != 429 {
		return ""
	}
	headers, err := response.Get("headers")
	if err != nil {
		return ""
	}
	v, err := headers.Call("get", "Retry-After")
	if err != nil {
		return ""
	}
	s, _ := v.String() // null when absent or not exposed by CORS
	return s
}

// await blocks the calling goroutine until promise settles. Only for goroutines the
// bridge started itself, never for a JS callback.
func await(promise safejs.Value) (safejs.Value, error) {
	type outcome struct {
		value safejs.Value
		err   error
	}
	settled := make(chan outcome, 1)
	onValue, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		settled <- outcome{value: args[0]}
		return nil
	})
	if err != nil {
		return safejs.Undefined(), err
	}
	defer onValue.Release()
	onError, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		settled <- outcome{err: errNoAnswer}
		return nil
	})
	if err != nil {
		return safejs.Undefined(), err
	}
	defer onError.Release()
	if _, err := promise.Call("then", onValue, onError); err != nil {
		return safejs.Undefined(), err
	}
	o := <-settled
	return o.value, o.err
}
