package service

import "net/http"

// agentActor is who makes an agent request: an agent signed in to the inbox
// (AgentID and Name set), or an integration holding the agent key (both
// empty). The agent handlers serve both the same way, so the inbox can do
// nothing the agent API cannot, and the reverse.
type agentActor struct {
	AgentID string
	Name    string
}

type agentHandler func(w http.ResponseWriter, r *http.Request, actor agentActor)
