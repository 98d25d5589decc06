//go:build js && wasm

package main

import "github.com/hack-pad/safejs"

// nextTask is the core's AfterAnswer: it calls next from a JavaScript task of its
// own (setTimeout 0), so the page's reactions to the Promise just resolved, which
// are microtasks of the current task, run first. next must not block: it only lets
// the worker go on.
func nextTask(next func()) {
	taskNext = next
	if _, err := setTimeout.Invoke(runTaskNext, 0); err != nil {
		taskNext = nil
		next()
	}
}

// The worker defers one call's work at a time, so one function, made once, serves
// every nextTask.
var (
	setTimeout  = safejs.MustGetGlobal("setTimeout")
	taskNext    func()
	runTaskNext = func() safejs.Func {
		fn, _ := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
			if next := taskNext; next != nil {
				taskNext = nil
				next()
			}
			return nil
		})
		return fn
	}()
)
