//go:build js && wasm

package main

import (
	"errors"

	"github.com/hack-pad/safejs"

	"github.com/kustomer-chat/kustomer-chat/sdk"
)

var errNotAToken = errors.New("the token provider did not resolve to a string")

// tokenProvider adapts the page's getToken() → Promise<string> to the core. The core
// calls it on its worker goroutine, so awaiting the Promise blocks no JS callback;
// the core stops waiting at its own timeout (cancel), whatever the Promise does.
func tokenProvider(fn safejs.Value) sdk.TokenProvider {
	return func(<-chan struct{}) (string, error) {
		v, err := fn.Invoke()
		if err != nil {
			return "", err
		}
		// Promise.resolve also takes a provider that returns the string itself.
		p, err := promiseClass.Call("resolve", v)
		if err != nil {
			return "", err
		}
		if v, err = await(p); err != nil {
			return "", err
		}
		if v.Type() != safejs.TypeString {
			return "", errNotAToken
		}
		return v.String()
	}
}

// functionArg returns args[i] as a provider: ok is false unless it is a function,
// null or undefined (nil provider).
func functionArg(v safejs.Value) (sdk.TokenProvider, bool) {
	switch {
	case v.Type() == safejs.TypeFunction:
		return tokenProvider(v), true
	case v.IsNull() || v.IsUndefined():
		return nil, true
	}
	return nil, false
}
