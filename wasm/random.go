//go:build js && wasm

package main

import "github.com/hack-pad/safejs"

var (
	cryptoObj       = safejs.MustGetGlobal("crypto")
	uint8ArrayClass = safejs.MustGetGlobal("Uint8Array")
)

// getRandomValues fills b from the browser's crypto.getRandomValues, which every
// page has, secure context or not. It keeps crypto/rand, and the FIPS module it
// links, out of the .wasm.
func getRandomValues(b []byte) error {
	a, err := uint8ArrayClass.New(len(b))
	if err != nil {
		return err
	}
	if _, err := cryptoObj.Call("getRandomValues", a); err != nil {
		return err
	}
	_, err = safejs.CopyBytesToGo(b, a)
	return err
}
