package store

// TEMPORARY: stubs of the customer-side methods while they are written; this
// file goes when they are.

import (
	"context"
	"errors"
	"time"
)

var errTODO = errors.New("store: postgres: not written yet")

func (p *Postgres) CreateAnonymous(ctx context.Context, trackingID string, now time.Time) (Identity, string, error) {
	return Identity{}, "", errTODO
}

func (p *Postgres) Login(ctx context.Context, lp LoginParams) (LoginResult, error) {
	return LoginResult{}, errTODO
}

func (p *Postgres) Session(ctx context.Context, token string, now time.Time) (Session, error) {
	return Session{}, errTODO
}

func (p *Postgres) RevokeSession(ctx context.Context, token string, now time.Time) error {
	return errTODO
}

func (p *Postgres) PurgeSessions(ctx context.Context, now time.Time, grace time.Duration) (int64, error) {
	return 0, errTODO
}

func (p *Postgres) Conversations(ctx context.Context, customerID string, page Page) ([]Conversation, string, error) {
	return nil, "", errTODO
}

func (p *Postgres) CreateConversation(ctx context.Context, s Session, m NewMessage) (Conversation, Message, bool, error) {
	return Conversation{}, Message{}, false, errTODO
}

func (p *Postgres) Messages(ctx context.Context, customerID, conversationID string, page Page) ([]Message, string, error) {
	return nil, "", errTODO
}

func (p *Postgres) AddMessage(ctx context.Context, s Session, m NewMessage) (Message, bool, error) {
	return Message{}, false, errTODO
}

func (p *Postgres) MarkRead(ctx context.Context, customerID, conversationID string) error {
	return errTODO
}
