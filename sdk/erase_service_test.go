//go:build !js

package sdk

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// eraseCustomer erases a customer through the real service's agent API.
func (s *realService) eraseCustomer(t *testing.T, customerID string) {
	t.Helper()
	req, _ := http.NewRequest("DELETE", s.url+"/v1/agent/customers/"+pathSegment(customerID), nil)
	req.Header.Set("Authorization", "Bearer "+testAgentKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("erase: %d", resp.StatusCode)
	}
}

// An agent erases an anonymous visitor (GDPR art. 17): the device's session is
// gone at the service, and the core, told SESSION_INVALID, goes on as a fresh
// anonymous visitor with none of the erased one's history, without failing the
// call that found out.
func TestAnErasedAnonymousVisitorStartsAfresh(t *testing.T) {
	e := newServiceEnv(t)
	conv := must(t, e.c.CreateConversation("erase me"))
	erased := must(t, e.c.GetIdentity()).CustomerID
	e.api.(*realService).eraseCustomer(t, erased)

	if convs := must(t, e.c.GetConversations()); len(convs) != 0 {
		t.Fatalf("conversations after the erase %+v", convs)
	}
	must(t, e.c.CreateConversation("a new visitor"))
	if id := must(t, e.c.GetIdentity()).CustomerID; id == "" || id == erased {
		t.Fatalf("customer after the erase %q (erased %q)", id, erased)
	}
	if _, err := waitCall(t, e.c.GetMessages(conv.ID)); CodeOf(err) != CodeNotFound {
		t.Fatalf("the erased conversation: %v", err)
	}
}

// agentGet reads a route of the real service's agent API into v.
func (s *realService) agentGet(t *testing.T, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+testAgentKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(v) != nil {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
}

// When a verified customer is erased, the provider's token logs in a new
// customer of the same email: the device falls back to anonymous rather than
// becoming someone else, and the session that login made is revoked, not left
// live at the service.
func TestARenewalThatMadeAnotherCustomerIsRevoked(t *testing.T) {
	e, _ := withProvider(newServiceEnv(t), func(e *env) (string, error) { return e.emailToken("ann@example.com"), nil })
	must(t, e.c.CreateConversation("hello"))
	svc := e.api.(*realService)
	svc.eraseCustomer(t, must(t, e.c.GetIdentity()).CustomerID)
	// The call fails, unless the poller found the session ended first.
	if _, err := waitCall(t, e.c.GetConversations()); err != nil && CodeOf(err) != CodeTokenRejected {
		t.Fatalf("GetConversations: %v", err)
	}
	e.rec.waitFor(t, func(r recorded) bool { return r.name == EventLogout })

	var found struct {
		Customers []struct{ ID string } `json:"customers"`
	}
	svc.agentGet(t, "/v1/agent/customers?q=ann%40example.com", &found)
	if len(found.Customers) != 1 {
		t.Fatalf("customers %+v", found.Customers)
	}
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		var ex struct {
			Sessions []struct {
				RevokedAt *string `json:"revokedAt"`
			} `json:"sessions"`
		}
		svc.agentGet(t, "/v1/agent/customers/"+found.Customers[0].ID+"/export", &ex)
		live := 0
		for _, s := range ex.Sessions {
			if s.RevokedAt == nil {
				live++
			}
		}
		if len(ex.Sessions) > 0 && live == 0 {
			break
		}
		if time.Since(start) > 3*time.Second {
			t.Fatalf("%d of %d sessions of the new customer still live", live, len(ex.Sessions))
		}
	}
}
