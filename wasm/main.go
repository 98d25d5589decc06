//go:build js && wasm

// Command wasm is the SDK's WebAssembly core: a thin bridge from JavaScript to the
// pure-Go client in sdk/. It registers one global, __kustomerChatCore, whose methods
// return Promises; the loader (js/kustomer-chat.js) installs them on KustomerChat.
package main

import (
	"github.com/hack-pad/safejs"
)

func main() {
	var b bridge
	core, err := safejs.ValueOf(map[string]any{})
	if err != nil {
		panic(err)
	}
	for name, method := range b.methods() {
		fn, err := safejs.FuncOf(recovered(method))
		if err != nil {
			panic(err)
		}
		_ = core.Set(name, fn)
	}
	if err := safejs.Global().Set("__kustomerChatCore", core); err != nil {
		panic(err)
	}
	select {} // serve JavaScript calls for the page's life
}

// recovered makes a panic in a method reject with INTERNAL instead of killing the Go
// program, after which every later call would throw.
func recovered(method func(args []safejs.Value) any) func(safejs.Value, []safejs.Value) any {
	return func(_ safejs.Value, args []safejs.Value) (result any) {
		defer func() {
			if r := recover(); r != nil {
				result = rejected(errInternalPanic)
			}
		}()
		return method(args)
	}
}

func warn(message string) {
	console, err := safejs.Global().Get("console")
	if err == nil {
		_, _ = console.Call("warn", "KustomerChat: "+message)
	}
}
