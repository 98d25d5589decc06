//go:build !js

package sdk_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/kustomer-chat/kustomer-chat/sdk"
)

// agentCall sends a request to the real service's agent API.
func agentCall(t *testing.T, method, url string) *http.Response {
	t.Helper()
	r, _ := http.NewRequest(method, url, nil)
	r.Header.Set("Authorization", "Bearer "+serviceAgentKey)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// An agent erases an anonymous visitor (GDPR art. 17): the device's session is
// gone at the service, and the core, told SESSION_INVALID, starts the device
// afresh as a new anonymous visitor, with none of the erased one's history.
func TestAnErasedAnonymousVisitorStartsAfresh(t *testing.T) {
	url := startService(t)
	var ev events
	c, err := sdk.New(sdk.Config{APIKey: serviceAPIKey, ServerURL: url, Transport: httpTransport{}, Emit: ev.emit})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	conv := wait(t, c.CreateConversation("erase me"))

	resp := agentCall(t, "GET", url+"/v1/agent/conversations/"+conv.ID)
	var got struct {
		Conversation struct {
			Customer struct {
				ID string `json:"id"`
			} `json:"customer"`
		} `json:"conversation"`
	}
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	erased := got.Conversation.Customer.ID
	if resp := agentCall(t, "DELETE", url+"/v1/agent/customers/"+erased); resp.StatusCode != 204 {
		t.Fatalf("erase: %d", resp.StatusCode)
	}

	// The first call after the erase meets the ended session: an anonymous
	// one cannot be renewed, so that call fails and the device is reset.
	if _, err := c.GetConversations().Wait(); err == nil {
		t.Fatal("the call that met the erased session succeeded")
	}
	if convs := wait(t, c.GetConversations()); len(convs) != 0 {
		t.Fatalf("conversations after the erase %+v", convs)
	}
	fresh := wait(t, c.CreateConversation("a new visitor"))
	resp = agentCall(t, "GET", url+"/v1/agent/conversations/"+fresh.ID)
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != 200 || got.Conversation.Customer.ID == "" || got.Conversation.Customer.ID == erased {
		t.Fatalf("the fresh conversation's customer %q (erased %q), status %d", got.Conversation.Customer.ID, erased, resp.StatusCode)
	}
	if _, err := c.GetMessages(conv.ID).Wait(); err == nil {
		t.Fatal("the erased conversation is still readable")
	}
}
