package store

import (
	"context"
	"errors"
	"testing"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

// The store finds customers by the canonical email whatever spelling a caller
// passes, and refuses one with no canonical form rather than storing it.
func testLoginUsesTheCanonicalEmail(t *testing.T, open engine) {
	s := open(t, SessionPolicy{})
	ctx := context.Background()
	a, err := s.Login(ctx, LoginParams{Email: " Ann@Example.COM\t", TrackingID: "d1", Now: t0})
	if err != nil || a.Identity.Email != "ann@example.com" {
		t.Fatalf("%+v, %v", a.Identity, err)
	}
	b, err := s.Login(ctx, LoginParams{Email: "ann@example.com", TrackingID: "d2", Now: t0})
	if err != nil || b.Identity.CustomerID != a.Identity.CustomerID {
		t.Fatalf("%+v, %v", b.Identity, err)
	}
	if _, err := s.Login(ctx, LoginParams{Email: "ann@example.com\u00a0", TrackingID: "d3", Now: t0}); !errors.Is(err, contract.ErrEmailRefused) {
		t.Fatalf("NBSP email: %v", err)
	}
}
