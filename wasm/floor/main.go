//go:build js && wasm

// Command floor is the smallest Go WebAssembly program that does what every Go
// core must: start the runtime, touch JavaScript through syscall/js, and stay
// alive for calls. Its compressed size is the floor that js/bench/run.js
// measures the SDK's core against; it is built with the same flags as the core
// and is never shipped.
package main

import "syscall/js"

func main() {
	js.Global().Set("kustomerChatFloor", true)
	select {}
}
