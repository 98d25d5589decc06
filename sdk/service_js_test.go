//go:build js

package sdk

import "testing"

// newServiceEnv: the service and its SQLite do not build for the browser, so the
// tests on the real service (service_test.go) only vet there.
func newServiceEnv(t *testing.T) *env {
	t.Skip("the chat service does not build for js")
	return nil
}
