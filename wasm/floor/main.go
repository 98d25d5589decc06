//go:build js && wasm

// Command floor is the smallest Go WebAssembly program that does what every Go
// core must: start the runtime, register a global, and answer calls from
// JavaScript with Promises. js/bench/run.js builds it with the core's flags,
// serves it as the core is served, and measures the core against it: its size,
// its start-up (until the global exists) and its one call (a js.FuncOf that
// returns a resolved Promise). It is never shipped.
package main

import "syscall/js"

func main() {
	promise := js.Global().Get("Promise")
	js.Global().Set("__kustomerChatFloor", js.FuncOf(func(js.Value, []js.Value) any {
		return promise.Call("resolve", false)
	}))
	select {}
}
