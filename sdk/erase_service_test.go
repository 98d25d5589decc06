//go:build !js

package sdk

import (
	"net/http"
	"testing"
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
