package sdk

// Identity is the SPEC's KustomerTrackingIdentity. Empty strings stand for null; the
// bridge turns them into JavaScript null. Times are RFC 3339 strings as the service
// sent them. The types here carry no JSON tags: the core reads the service's answers
// with fastjson (jsonread.go), writes its own state (jsonwrite.go), and the bridge
// builds JavaScript objects field by field (wasm/convert.go).
type Identity struct {
	ID         string
	CustomerID string
	TrackingID string
	Email      string
	ExternalID string
	Verified   bool
	VerifiedAt string
	CreatedAt  string
	UpdatedAt  string
}

// Conversation is a chat of the current customer.
type Conversation struct {
	ID            string
	CreatedAt     string
	LastMessageAt string
	Preview       string
	Unread        int
}

// Message is one message of a conversation. Author is "customer" or "agent";
// AuthorName is the agent's display name, empty (JSON null) for the customer's.
type Message struct {
	ID             string
	ConversationID string
	Body           string
	Author         string
	AuthorName     string
	CreatedAt      string
	Seq            int64
}

// PendingMessage is a message of this device that the service has not stored yet
// (see Client.GetPendingMessages). Author is always "customer".
type PendingMessage struct {
	ID             string // the id the message will have once stored
	ConversationID string
	Body           string
	Author         string
	CreatedAt      string // when it was typed
	State          string // PendingSending or PendingFailed
}

// PendingMessage states.
const (
	PendingSending = "sending" // not tried yet, or being sent
	PendingFailed  = "failed"  // the last attempt failed; the background retry will try again
)

// Events receives the core's events, from the worker or the poller goroutine. A
// method may make calls but must not block on a Call's Wait.
type Events interface {
	Login(identity *Identity)
	Logout()
	ConversationCreate(conversation *Conversation)
	MessageReceived(message *Message)
	Unread(total int)
	// MessageSent: the service stored a message of this device, sent by this tab
	// (directly or from the outbox); once per message and tab.
	MessageSent(message *Message)
	// ConnectionChange: a request got no answer (false), or the first got one after
	// that (true). The initial state, connected, is not announced.
	ConnectionChange(connected bool)
}

// Event names, as JavaScript listeners know them: one for each method of Events.
const (
	EventLogin              = "onLogin"
	EventLogout             = "onLogout"
	EventConversationCreate = "onConversationCreate"
	EventMessageReceived    = "onMessageReceived"
	EventUnread             = "onUnread"
	EventMessageSent        = "onMessageSent"
	EventConnectionChange   = "onConnectionChange"
)
