// Package store keeps customers, their devices' tracking identities, sessions,
// conversations and messages.
//
// The Store interface speaks only in this package's types so that another
// database (PostgreSQL) can implement it later; the SQLite implementation uses
// modernc.org/sqlite, a pure-Go translation of SQLite, so the service builds
// without cgo, cross-compiles, and ships as one static binary.
//
// Every chat query takes the caller's customer id and filters on it in SQL: a
// conversation id alone never reaches another customer's data. Only the agent
// methods, which serve the operator's own staff, range over all customers.
package store

import (
	"context"
	"math"
	"time"
)

// Store is the service's persistence. Methods return ErrNotFound for a
// conversation the customer does not own (whether or not it exists) and
// ErrSessionInvalid for a session token that is unknown, revoked or expired.
type Store interface {
	// Setting returns the value kept under key, storing generate's result the
	// first time so that every later start gets the same value.
	Setting(ctx context.Context, key string, generate func() (string, error)) (string, error)

	// CreateAnonymous makes an anonymous customer, its tracking identity for
	// trackingID, and a session whose token is also the device's tracking token.
	CreateAnonymous(ctx context.Context, trackingID string, now time.Time) (Identity, string, error)
	// Login finds or creates the identified customer and opens a session,
	// revoking the earlier live sessions of the same customer on the same
	// device; see LoginParams for how an anonymous customer's conversations
	// move over.
	Login(ctx context.Context, p LoginParams) (LoginResult, error)
	// Session resolves a bearer token that is live at now under the store's
	// SessionPolicy, and records the use (at most once per TouchEvery).
	Session(ctx context.Context, token string, now time.Time) (Session, error)
	// RevokeSession ends a session; an unknown or revoked token is not an error.
	RevokeSession(ctx context.Context, token string, now time.Time) error
	// PurgeSessions deletes the customer and agent sessions that ended
	// (revoked, or expired under the SessionPolicy) more than grace before
	// now, in short batches, and returns how many it deleted.
	PurgeSessions(ctx context.Context, now time.Time, grace time.Duration) (int64, error)

	// Conversations returns a page of the customer's conversations, the most
	// recently active first, and the cursor of the next page ("" after the last).
	Conversations(ctx context.Context, customerID string, page Page) ([]Conversation, string, error)
	// CreateConversation starts conversation m.ConversationID with the
	// customer's message m.ID; the store makes an id left empty. When that
	// conversation is already the customer's it stores nothing and returns
	// created false, the conversation as it is now and its message m.ID (its
	// first message when m.ID is empty). ErrConflict: the conversation is
	// another customer's, or m.ID is stored elsewhere or, for an existing
	// conversation, not at all. ErrSessionInvalid: the customer was erased
	// after s was read.
	CreateConversation(ctx context.Context, s Session, m NewMessage) (conv Conversation, msg Message, created bool, err error)
	// Messages returns a page of a conversation's messages, oldest first, and
	// the cursor of the next page ("" after the last).
	Messages(ctx context.Context, customerID, conversationID string, page Page) ([]Message, string, error)
	// AddMessage stores m in the customer's conversation m.ConversationID.
	// When m.ID is already stored there it stores nothing and returns the
	// stored message and created false. ErrConflict: m.ID is stored in another
	// conversation or for another customer.
	AddMessage(ctx context.Context, s Session, m NewMessage) (msg Message, created bool, err error)
	MarkRead(ctx context.Context, customerID, conversationID string) error
	// Events returns up to limit messages of the session's customer after seq
	// that the session's device (its tracking identity) did not send, on any
	// of its sessions, the cursor and the unread total. ErrSessionInvalid: the
	// session is no longer live at now (revoked, expired, its customer
	// erased), read in the same snapshot as the messages, so that nothing
	// stored after a logout reaches a poll that was opened before it.
	Events(ctx context.Context, s Session, after int64, limit int, now time.Time) (Events, error)
	// LatestEvents answers like Events with no messages: the customer's cursor
	// and unread total.
	LatestEvents(ctx context.Context, customerID string) (Events, error)

	// Agent inbox: the support team's view, over every customer. Methods
	// taking a conversation or customer id answer ErrNotFound for an unknown one.

	// AgentConversations pages through every customer's conversations with
	// status filter, newest activity first (StatusAll: the open ones first).
	AgentConversations(ctx context.Context, filter StatusFilter, page Page) ([]AgentConversation, string, error)
	AgentConversation(ctx context.Context, conversationID string) (AgentConversation, error)
	// AgentMessages pages through a conversation's messages in order: from
	// the first (OldestFirst) or from the latest back (NewestFirst). The
	// cursors of one order are ErrBadCursor to the other.
	AgentMessages(ctx context.Context, conversationID string, order Order, page Page) ([]Message, string, error)
	// AgentReply stores an agent's message, resetting the conversation's
	// agent-side unread count. When r.ID is already an agent's message in
	// that conversation it stores nothing and returns it with created false;
	// stored anywhere else: ErrConflict.
	AgentReply(ctx context.Context, r AgentReply) (msg Message, created bool, err error)
	// AgentRead sets the conversation's agent-side unread count to 0.
	AgentRead(ctx context.Context, conversationID string) error
	SetStatus(ctx context.Context, conversationID string, status Status) (AgentConversation, error)
	Customer(ctx context.Context, customerID string) (Customer, error)
	// SearchCustomers pages through the customers whose email or externalId
	// holds q, ASCII case ignored, the newest first.
	SearchCustomers(ctx context.Context, q string, page Page) ([]Customer, string, error)
	// CustomerConversations pages through one customer's conversations,
	// newest activity first.
	CustomerConversations(ctx context.Context, customerID string, page Page) ([]AgentConversation, string, error)
	// ExportCustomer returns everything stored about a customer but secrets.
	ExportCustomer(ctx context.Context, customerID string) (CustomerExport, error)
	// EraseCustomer deletes the customer and every row that refers to it.
	EraseCustomer(ctx context.Context, customerID string) error
	// AgentEvents returns up to limit messages of every customer after seq,
	// oldest first; after < 0 returns none, only the cursor.
	AgentEvents(ctx context.Context, after int64, limit int) (AgentEvents, error)

	// Agent accounts: the inbox's staff, made by the operator's commands.
	// Emails are taken in their canonical form (contract.Email); an email
	// no agent has, or may have, is ErrNotFound.

	// CreateAgent stores a new agent; ErrAgentExists when the email is
	// taken, ErrAgentEmail or ErrAgentName for a value no agent may have.
	CreateAgent(ctx context.Context, a NewAgent) (Agent, error)
	// Agents lists every agent, by email.
	Agents(ctx context.Context) ([]Agent, error)
	// AgentByEmail returns the agent, disabled or not, and its password hash.
	AgentByEmail(ctx context.Context, email string) (Agent, string, error)
	// SetAgentDisabled disables or enables an agent; disabling revokes its
	// sessions.
	SetAgentDisabled(ctx context.Context, email string, disabled bool, now time.Time) error
	// SetAgentPassword replaces the agent's password hash and revokes its
	// sessions.
	SetAgentPassword(ctx context.Context, email, passwordHash string, now time.Time) error
	// CreateAgentSession signs an enabled agent in (ErrNotFound for another)
	// and records the time.
	CreateAgentSession(ctx context.Context, agentID string, now time.Time) (AgentSignIn, error)
	// AgentSession resolves a sign-in token that is live at now under the
	// SessionPolicy and whose agent is enabled, else ErrSessionInvalid, and
	// records the use (at most once per TouchEvery).
	AgentSession(ctx context.Context, token string, now time.Time) (Agent, error)
	// RevokeAgentSession ends a sign-in; an unknown or revoked token is not
	// an error.
	RevokeAgentSession(ctx context.Context, token string, now time.Time) error

	Close() error
}

// Author says who wrote a message.
type Author string

const (
	AuthorCustomer Author = "customer"
	AuthorAgent    Author = "agent"
)

// PreviewRunes bounds Conversation.Preview.
const PreviewRunes = 140

// Identity is a customer as seen from one device. Email and ExternalID are
// empty when absent; VerifiedAt is zero for an anonymous customer.
type Identity struct {
	ID         string
	CustomerID string
	TrackingID string
	Email      string
	ExternalID string
	Verified   bool
	VerifiedAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TouchEvery is how stale a session's last use may get before a request
// records it anew.
const TouchEvery = time.Minute

// SessionPolicy bounds how long sessions live: Idle since their last use,
// Lifetime since they were made; zero is no bound. A session past either
// answers as revoked.
type SessionPolicy struct {
	VerifiedIdle, VerifiedLifetime   time.Duration
	AnonymousIdle, AnonymousLifetime time.Duration
	// AgentIdle and AgentLifetime bound an inbox agent's sign-in.
	AgentIdle, AgentLifetime time.Duration
}

// DefaultSessionPolicy: a verified session is cheap to renew (the SDK asks the
// site's token provider), so it is short, like a site's own login. An
// anonymous session is the device's only proof of its visitor's history,
// which no one can renew, so it ends only after a long silence and never
// while the visitor keeps coming back.
var DefaultSessionPolicy = SessionPolicy{
	VerifiedIdle:     7 * 24 * time.Hour,
	VerifiedLifetime: 30 * 24 * time.Hour,
	AnonymousIdle:    180 * 24 * time.Hour,
	// An agent's cookie opens every customer's data, so it is shorter: an
	// open inbox polls all day and stays signed in, a closed one is signed out
	// by the next morning (12 h), and a stolen cookie works a week at most,
	// after which the agent types the password again.
	AgentIdle:     12 * time.Hour,
	AgentLifetime: 7 * 24 * time.Hour,
}

// live tells whether a session made at created and last used at lastUsed
// (Unix ms) is still live at now.
func (p SessionPolicy) live(verified bool, created, lastUsed, now int64) bool {
	return now < p.ends(verified, created, lastUsed)
}

// liveUntil is when a session made at created and last used at lastUsed
// ends unless it is used again; the zero time: never.
func (p SessionPolicy) liveUntil(verified bool, created, lastUsed int64) time.Time {
	end := p.ends(verified, created, lastUsed)
	if end == math.MaxInt64 {
		return time.Time{}
	}
	return fromMillis(end)
}

func (p SessionPolicy) ends(verified bool, created, lastUsed int64) int64 {
	if verified {
		return ends(p.VerifiedIdle, p.VerifiedLifetime, created, lastUsed)
	}
	return ends(p.AnonymousIdle, p.AnonymousLifetime, created, lastUsed)
}

func alive(idle, lifetime time.Duration, created, lastUsed, now int64) bool {
	return now < ends(idle, lifetime, created, lastUsed)
}

// ends is the Unix ms at which a session under idle and lifetime (each
// unbounded when not positive) ends unless used again; math.MaxInt64: never.
func ends(idle, lifetime time.Duration, created, lastUsed int64) int64 {
	end := int64(math.MaxInt64)
	if idle > 0 {
		end = lastUsed + idle.Milliseconds()
	}
	if lifetime > 0 {
		end = min(end, created+lifetime.Milliseconds())
	}
	return end
}

// Session is a live bearer session.
type Session struct {
	ID         int64
	CustomerID string
	IdentityID string
	// LiveUntil is when the session ends unless it is used again (the zero
	// time: never), as of the read that answered it.
	LiveUntil time.Time
}

// MaxPage bounds every list the store returns, so that no answer grows with
// what a customer (or a flood) has stored.
const MaxPage = 100

// Page asks for up to Limit items (0 or more than MaxPage: MaxPage) after the
// item Cursor names; "" is the first page. A cursor is opaque, made by the
// same store for the same list; any other is ErrBadCursor.
type Page struct {
	Cursor string
	Limit  int
}

func (p Page) size() int {
	if p.Limit <= 0 || p.Limit > MaxPage {
		return MaxPage
	}
	return p.Limit
}

// Conversation is a chat of the customer CustomerID.
type Conversation struct {
	ID            string
	CustomerID    string
	CreatedAt     time.Time
	LastMessageAt time.Time
	// LastSeq is the agents' Seq of its last message, unique: it orders
	// conversations whose last messages share a millisecond, so a page
	// cursor names one place.
	LastSeq int64
	Preview string
	Unread  int
}

// Message is one message. Seq is its place in the feed of whoever reads it,
// increasing in commit order, which is what makes it usable as that feed's
// cursor: the methods of a customer's side (the chat, Events, LoginResult's
// Cursor) give its place in the customer's feed, the agents' methods
// (AgentMessages, AgentReply, AgentEvents) its place in the all-customer
// feed. A store may give one message one Seq for both (SQLite's single
// writer) or two (PostgreSQL's, whose writers each customer's messages take
// turns for only; see postgres_events.go). A message an adoption moves may
// take a new place in its new customer's feed, after the customer's own.
type Message struct {
	Seq            int64
	ID             string
	ConversationID string
	CustomerID     string
	Author         Author
	AuthorName     string // the agent's display name; empty for the customer's and for agents that gave none
	Body           string
	CreatedAt      time.Time
}

// NewMessage is a customer's message to store. Empty ids are made by the
// store; ids the client made (UUIDs in canonical form) let it send the same
// message again after a lost answer without storing it twice.
type NewMessage struct {
	ConversationID string
	ID             string
	Body           string
	Now            time.Time
}

// LoginParams are the verified claims and the device's proofs.
type LoginParams struct {
	// Email is taken in its canonical form (contract.Email; one it refuses
	// fails the login with contract.ErrEmailRefused); it wins over ExternalID
	// for finding the customer.
	Email      string
	ExternalID string
	TrackingID string
	// TrackingToken, when it is the live session of an anonymous customer,
	// moves that customer's conversations to the identified one and revokes
	// its sessions. Anything else in it is ignored.
	TrackingToken string
	// MaxSessions bounds the customer's live sessions, the new one included:
	// the oldest beyond it are revoked. 0: no bound.
	MaxSessions int
	Now         time.Time
}

// LoginResult is the identified customer's identity on this device and a new
// session.
type LoginResult struct {
	Identity     Identity
	SessionToken string
	// Cursor is the customer's latest message seq as of the login: the after
	// of the device's first poll.
	Cursor int64
	// MergedFrom is the anonymous customer whose conversations moved, if any.
	MergedFrom string
}

// Events is one answer of the events feed.
type Events struct {
	Messages []Message
	Cursor   int64
	Unread   int
}
