package store

import (
	"testing"
	"time"
)

// The store contract suite: every test of behaviour through the Store
// interface, run against each engine by one Test function of that engine
// (TestSQLiteStore). An engine plugs in with an engine func and a peeker.

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// engine opens a new, empty store of the engine under test whose sessions
// live under p, closed when t ends.
type engine func(t *testing.T, p SessionPolicy) suiteStore

type suiteStore interface {
	Store
	peeker
}

// peeker shows the suite the facts no Store method does (a token stored only
// as its hash, an erased customer leaving no cell behind) and makes the few
// rows no method may (an agent disabled by another process). Statements are
// the SQL both engines share, with ? placeholders, over the same tables and
// columns, times in Unix milliseconds: an engine whose driver numbers its
// placeholders rewrites them.
type peeker interface {
	// scalar runs a query answering one integer.
	scalar(t *testing.T, query string, args ...any) int64
	exec(t *testing.T, query string, args ...any)
	// cells returns every table's every value as text, keyed by table.
	cells(t *testing.T) map[string][]string
	// writes counts the write transactions committed so far.
	writes() int64
}

type suiteCase struct {
	name string
	run  func(t *testing.T, open engine)
}

// storeSuite lists the contract, grouped as the files that hold the cases.
var storeSuite = []suiteCase{
	// chat_test.go
	{"ChatScopedToCustomer", testChatScopedToCustomer},
	{"RepeatedCreateConversationAnswersItAsItIsNow", testRepeatedCreateConversationAnswersItAsItIsNow},
	{"ClientIDsOfOthersConflict", testClientIDsOfOthersConflict},
	{"AgentAuthorName", testAgentAuthorName},
	{"CreateConversationAfterEraseIsSessionInvalid", testCreateConversationAfterEraseIsSessionInvalid},
	{"EventsLeaveOutWhatTheDeviceSentOnAnySession", testEventsLeaveOutWhatTheDeviceSentOnAnySession},
	{"EventsAnswerOnlyALiveSession", testEventsAnswerOnlyALiveSession},
	// email_test.go
	{"LoginUsesTheCanonicalEmail", testLoginUsesTheCanonicalEmail},
	// sessions_test.go
	{"TokensStoredOnlyAsHashes", testTokensStoredOnlyAsHashes},
	{"SessionIdleTimeoutPerKind", testSessionIdleTimeoutPerKind},
	{"SessionLifetimeEndsABusySession", testSessionLifetimeEndsABusySession},
	{"SessionZeroPolicyNeverExpires", testSessionZeroPolicyNeverExpires},
	{"SessionTellsWhenItEnds", testSessionTellsWhenItEnds},
	{"SessionUseRecordedAtMostOncePerMinute", testSessionUseRecordedAtMostOncePerMinute},
	{"ExpiredTrackingTokenMovesNothing", testExpiredTrackingTokenMovesNothing},
	// purge_test.go
	{"PurgeSessionsDeletesOnlyThoseEndedBeforeTheGrace", testPurgeSessionsDeletesOnlyThoseEndedBeforeTheGrace},
	{"PurgeSessionsHonoursLifetimes", testPurgeSessionsHonoursLifetimes},
	{"PurgeSessionsDeletesEndedAgentSessions", testPurgeSessionsDeletesEndedAgentSessions},
	// page_test.go
	{"ListsPageThroughEverything", testListsPageThroughEverything},
	{"PageSizeBounded", testPageSizeBounded},
	{"ForeignCursorsRefused", testForeignCursorsRefused},
	{"LoginBoundsLiveSessions", testLoginBoundsLiveSessions},
	// agents_test.go
	{"CreateAgent", testCreateAgent},
	{"AgentSignInAndSessions", testAgentSignInAndSessions},
	{"DisabledAgent", testDisabledAgent},
	{"DisabledAgentSessionRefused", testDisabledAgentSessionRefused},
	{"SetAgentPasswordRevokesSessions", testSetAgentPasswordRevokesSessions},
	// inbox_test.go
	{"AgentConversationsStatusFilterAndOrder", testAgentConversationsStatusFilterAndOrder},
	{"AgentUnreadCountsAndResets", testAgentUnreadCountsAndResets},
	{"CustomerMessageReopens", testCustomerMessageReopens},
	{"AgentReplyIdempotent", testAgentReplyIdempotent},
	{"AgentMessagesPageBothWays", testAgentMessagesPageBothWays},
	{"SearchCustomers", testSearchCustomers},
	{"CustomerDetailsAndLastSeen", testCustomerDetailsAndLastSeen},
	{"InboxUnknownIDs", testInboxUnknownIDs},
	{"CustomerConversations", testCustomerConversations},
	{"ExportCustomer", testExportCustomer},
	{"EraseCustomer", testEraseCustomer},
	{"AgentEvents", testAgentEvents},
	// concurrency_test.go: the invariants a store with many writers must keep.
	{"ConcurrentWrites", testConcurrentWrites},
	{"ConcurrentRepeatsStoreOnce", testConcurrentRepeatsStoreOnce},
	{"ConcurrentLoginsOfOneDeviceLeaveOneLiveSession", testConcurrentLoginsOfOneDeviceLeaveOneLiveSession},
	{"ConcurrentLoginsMakeOneCustomer", testConcurrentLoginsMakeOneCustomer},
	{"ConcurrentLoginsFillInOneExternalID", testConcurrentLoginsFillInOneExternalID},
	{"ConcurrentAdoptionsHaveOneWinner", testConcurrentAdoptionsHaveOneWinner},
	{"ConcurrentMessagesDuringAdoptionMoveWithIt", testConcurrentMessagesDuringAdoptionMoveWithIt},
	{"EventsCursorNeverSkips", testEventsCursorNeverSkips},
}

func runStoreSuite(t *testing.T, open engine) {
	for _, c := range storeSuite {
		t.Run(c.name, func(t *testing.T) { c.run(t, open) })
	}
}
