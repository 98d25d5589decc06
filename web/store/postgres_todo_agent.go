package store

// TEMPORARY: stubs of the agent-side methods while they are written; this
// file goes when they are.

import (
	"context"
	"time"
)

func (p *Postgres) AgentConversations(ctx context.Context, filter StatusFilter, page Page) ([]AgentConversation, string, error) {
	return nil, "", errTODO
}

func (p *Postgres) AgentConversation(ctx context.Context, conversationID string) (AgentConversation, error) {
	return AgentConversation{}, errTODO
}

func (p *Postgres) AgentMessages(ctx context.Context, conversationID string, order Order, page Page) ([]Message, string, error) {
	return nil, "", errTODO
}

func (p *Postgres) AgentReply(ctx context.Context, r AgentReply) (Message, bool, error) {
	return Message{}, false, errTODO
}

func (p *Postgres) AgentRead(ctx context.Context, conversationID string) error {
	return errTODO
}

func (p *Postgres) SetStatus(ctx context.Context, conversationID string, status Status) (AgentConversation, error) {
	return AgentConversation{}, errTODO
}

func (p *Postgres) Customer(ctx context.Context, customerID string) (Customer, error) {
	return Customer{}, errTODO
}

func (p *Postgres) SearchCustomers(ctx context.Context, q string, page Page) ([]Customer, string, error) {
	return nil, "", errTODO
}

func (p *Postgres) CustomerConversations(ctx context.Context, customerID string, page Page) ([]AgentConversation, string, error) {
	return nil, "", errTODO
}

func (p *Postgres) ExportCustomer(ctx context.Context, customerID string) (CustomerExport, error) {
	return CustomerExport{}, errTODO
}

func (p *Postgres) EraseCustomer(ctx context.Context, customerID string) error {
	return errTODO
}

func (p *Postgres) CreateAgent(ctx context.Context, a NewAgent) (Agent, error) {
	return Agent{}, errTODO
}

func (p *Postgres) Agents(ctx context.Context) ([]Agent, error) {
	return nil, errTODO
}

func (p *Postgres) AgentByEmail(ctx context.Context, email string) (Agent, string, error) {
	return Agent{}, "", errTODO
}

func (p *Postgres) SetAgentDisabled(ctx context.Context, email string, disabled bool, now time.Time) error {
	return errTODO
}

func (p *Postgres) SetAgentPassword(ctx context.Context, email, passwordHash string, now time.Time) error {
	return errTODO
}

func (p *Postgres) CreateAgentSession(ctx context.Context, agentID string, now time.Time) (AgentSignIn, error) {
	return AgentSignIn{}, errTODO
}

func (p *Postgres) AgentSession(ctx context.Context, token string, now time.Time) (Agent, error) {
	return Agent{}, errTODO
}

func (p *Postgres) RevokeAgentSession(ctx context.Context, token string, now time.Time) error {
	return errTODO
}
