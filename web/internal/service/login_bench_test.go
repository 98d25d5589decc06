package service

import (
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkLoginFreshCustomer is the service's part of the logIn budget (issue 11):
// a customer never seen before logs in on a new device, through the whole handler
// chain, on a real SQLite file. Each op commits, so each pays an fsync
// (synchronous FULL); a lone login is never grouped with another. Compare with
// BenchmarkPing, the bare request the budget divides by.
func BenchmarkLoginFreshCustomer(b *testing.B) {
	e := newEnv(b)
	jwts := make([]string, b.N)
	for i := range jwts {
		jwts[i] = e.jwt(fmt.Sprintf("fresh-%d@example.com", i), "")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		e.loginResp(jwts[i], fmt.Sprintf("device-%d", i), "").expect(http.StatusOK)
	}
}

func BenchmarkPing(b *testing.B) {
	e := newEnv(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		e.do(req{Method: http.MethodGet, Path: "/v1/ping"}).expect(http.StatusNoContent)
	}
}
