//go:build js && wasm

package main

import "github.com/hack-pad/safejs"

// nextTask is the core's AfterAnswer: it calls next from a JavaScript task of its
// own (setTimeout 0), so the page's reactions to the Promise just resolved, which
// are microtasks of the current task, run first. next must not block: it only lets
// the worker go on.
func nextTask(next func()) {
	var fn safejs.Func
	fn, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		fn.Release()
		next()
		return nil
	})
	if err != nil {
		next()
		return
	}
	if _, err := safejs.Global().Call("setTimeout", fn, 0); err != nil {
		fn.Release()
		next()
	}
}
