package sdk

// Identity is the SPEC's KustomerTrackingIdentity. Empty strings stand for null; the
// bridge turns them into JavaScript null. Times are RFC 3339 strings as the service
// sent them.
type Identity struct {
	ID         string `json:"id,omitempty"`
	CustomerID string `json:"customerId,omitempty"`
	TrackingID string `json:"trackingId,omitempty"`
	Email      string `json:"email,omitempty"`
	ExternalID string `json:"externalId,omitempty"`
	Verified   bool   `json:"verified"`
	VerifiedAt string `json:"verifiedAt,omitempty"`
	CreatedAt  string `json:"createdAt,omitempty"`
	UpdatedAt  string `json:"updatedAt,omitempty"`
}

// Conversation is a chat of the current customer.
type Conversation struct {
	ID            string `json:"id"`
	CreatedAt     string `json:"createdAt"`
	LastMessageAt string `json:"lastMessageAt"`
	Preview       string `json:"preview"`
	Unread        int    `json:"unread"`
}

// Message is one message of a conversation. Author is "customer" or "agent";
// AuthorName is the agent's display name, empty (JSON null) for the customer's.
type Message struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversationId"`
	Body           string `json:"body"`
	Author         string `json:"author"`
	AuthorName     string `json:"authorName"`
	CreatedAt      string `json:"createdAt"`
	Seq            int64  `json:"seq"`
}

// Event names, as JavaScript listeners know them.
const (
	EventLogin              = "onLogin"              // payload *Identity
	EventLogout             = "onLogout"             // payload nil
	EventConversationCreate = "onConversationCreate" // payload *Conversation
	EventMessageReceived    = "onMessageReceived"    // payload *Message
	EventUnread             = "onUnread"             // payload int (the total)
)
