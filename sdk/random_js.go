//go:build js

package sdk

// defaultRandom is nil under js: the bridge must set Config.Random, so that
// crypto/rand stays out of the WebAssembly build (see random_native.go).
var defaultRandom func(b []byte) error
