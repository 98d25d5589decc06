package contract

import "time"

// Error codes, as the "code" of the service's error body and of a rejection the
// SDK hands to JavaScript. Untyped constants, so each side gives them its own
// type and they cost the WASM build nothing.
const (
	// The SPEC's codes, which a page sees.
	CodeInvalidArgument = "INVALID_ARGUMENT"
	CodeInvalidToken    = "INVALID_TOKEN"
	CodeTokenExpired    = "TOKEN_EXPIRED"
	CodeTokenRejected   = "TOKEN_REJECTED"
	CodeNotConfigured   = "NOT_CONFIGURED"
	CodeNotFound        = "NOT_FOUND"
	CodeNetworkError    = "NETWORK_ERROR"
	CodeServerError     = "SERVER_ERROR"
	CodeRateLimited     = "RATE_LIMITED"
	CodeInternal        = "INTERNAL"

	// The service's own codes, which the SDK maps onto the SPEC's.
	CodeSessionInvalid   = "SESSION_INVALID" // the session ended (expired, revoked, erased)
	CodeUnauthorized     = "UNAUTHORIZED"
	CodeOriginNotAllowed = "ORIGIN_NOT_ALLOWED"
	CodeConflict         = "CONFLICT"
)

// The SPEC's limits on a login token. The service enforces them; the core checks
// the age first so that an expired token fails without a round trip.
const (
	MaxTokenAge      = 15 * time.Minute // iat at most this old
	ClockSkew        = 60 * time.Second // allowed on iat in the future and on exp
	MaxTokenBytes    = 8 << 10
	MaxEmailLen      = 254 // characters of the email claim
	MaxExternalIDLen = 255 // characters of the externalId claim
)

// Wire names the core and the service share.
const (
	HeaderAPIKey = "X-Kustomer-Api-Key"

	PathAnonymous     = "/v1/identities/anonymous"
	PathLogin         = "/v1/identities/login"
	PathLogout        = "/v1/identities/logout"
	PathConversations = "/v1/conversations"
	PathEvents        = "/v1/events"
)
