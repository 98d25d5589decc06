//go:build !js

package sdk

import "crypto/rand"

// defaultRandom is crypto/rand outside the browser. The WebAssembly build has none
// (random_js.go): crypto/rand links Go's FIPS module, tens of KB, where the bridge
// can use the browser's crypto.getRandomValues.
func defaultRandom(b []byte) error {
	_, err := rand.Read(b)
	return err
}
