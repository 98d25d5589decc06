package service

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestAnonymousIdentity(t *testing.T) {
	e := newEnv(t)
	a := e.anonymous("device-1")
	id := a.Identity
	if id.ID == "" || id.CustomerID == "" || id.ID == id.CustomerID || id.TrackingID != "device-1" {
		t.Fatalf("identity = %+v", id)
	}
	if id.Verified || id.Email != nil || id.ExternalID != nil || id.VerifiedAt != nil {
		t.Fatalf("anonymous identity claims to be identified: %+v", id)
	}
	if !rfc3339Millis.MatchString(id.CreatedAt) || !rfc3339Millis.MatchString(id.UpdatedAt) {
		t.Fatalf("times %q %q not RFC 3339 UTC with milliseconds", id.CreatedAt, id.UpdatedAt)
	}
	if len(a.SessionToken) < 40 {
		t.Fatalf("session token %q too short to be a 32-byte secret", a.SessionToken)
	}
	// Absent values are null, not missing.
	raw := string(e.sdk("POST", "/v1/identities/anonymous", "", map[string]string{"trackingId": "d2"}).expect(201).Body)
	for _, field := range []string{`"email":null`, `"externalId":null`, `"verifiedAt":null`} {
		if !strings.Contains(raw, field) {
			t.Fatalf("%s missing from %s", field, raw)
		}
	}
	if b := e.anonymous("device-1"); b.Identity.CustomerID == id.CustomerID {
		t.Fatal("a second anonymous identity reused the first customer")
	}
	e.sdk("POST", "/v1/identities/anonymous", "", map[string]string{}).expectError(400, codeInvalidArgument)
	e.sdk("POST", "/v1/identities/anonymous", "", map[string]string{"trackingId": strings.Repeat("x", 129)}).expectError(400, codeInvalidArgument)
}

func TestLoginByEmailIsCaseInsensitive(t *testing.T) {
	e := newEnv(t)
	first := e.login(e.jwt("Ann@Example.COM", ""), "device-1", "")
	id := first.Identity
	if !id.Verified || id.Email == nil || *id.Email != "ann@example.com" || id.ExternalID != nil || id.VerifiedAt == nil {
		t.Fatalf("identity = %+v", id)
	}
	if !rfc3339Millis.MatchString(*id.VerifiedAt) {
		t.Fatalf("verifiedAt %q", *id.VerifiedAt)
	}
	second := e.login(e.jwt("  ann@EXAMPLE.com ", ""), "device-2", "")
	if second.Identity.CustomerID != id.CustomerID {
		t.Fatal("the same email in another case made another customer")
	}
	if second.Identity.ID == id.ID || second.Identity.TrackingID != "device-2" {
		t.Fatalf("device 2 should have its own tracking identity: %+v", second.Identity)
	}
	if *second.Identity.VerifiedAt != *id.VerifiedAt {
		t.Fatalf("verifiedAt moved from %s to %s; it is set the first time only", *id.VerifiedAt, *second.Identity.VerifiedAt)
	}
	if second.SessionToken == first.SessionToken {
		t.Fatal("a login reused a session token")
	}
	// Both devices' sessions are live and see the same history.
	conv := e.createConversation(first.SessionToken, "from device 1")
	if got := e.conversations(second.SessionToken); len(got) != 1 || got[0].ID != conv.Conversation.ID {
		t.Fatalf("device 2 sees %+v", got)
	}
	// Logging in again on the same device keeps its tracking identity.
	again := e.login(e.jwt("ann@example.com", ""), "device-1", "")
	if again.Identity.ID != id.ID {
		t.Fatal("same customer, same device: the tracking identity changed")
	}
	if got := e.conversations(again.SessionToken); len(got) != 1 {
		t.Fatalf("after the login the customer has %d conversations, want 1", len(got))
	}
}

func TestLoginByExternalID(t *testing.T) {
	e := newEnv(t)
	a := e.login(e.jwt("", "bob-42"), "device-1", "").Identity
	if a.ExternalID == nil || *a.ExternalID != "bob-42" || a.Email != nil || !a.Verified {
		t.Fatalf("identity = %+v", a)
	}
	b := e.login(e.jwt("", "bob-42"), "device-2", "").Identity
	if b.CustomerID != a.CustomerID {
		t.Fatal("same externalId, another customer")
	}
	// externalId is compared exactly.
	if c := e.login(e.jwt("", "BOB-42"), "device-3", "").Identity; c.CustomerID == a.CustomerID {
		t.Fatal("externalId matched case-insensitively")
	}
}

func TestLoginEmailAndExternalIDFindsByEmail(t *testing.T) {
	e := newEnv(t)
	carol := e.login(e.jwt("carol@example.com", "carol-7"), "d1", "").Identity
	if carol.ExternalID == nil || *carol.ExternalID != "carol-7" {
		t.Fatalf("identity = %+v", carol)
	}
	// Found by email; the identity carries the customer's externalId, not the token's.
	other := e.login(e.jwt("Carol@example.com", "someone-else"), "d2", "").Identity
	if other.CustomerID != carol.CustomerID || *other.ExternalID != "carol-7" {
		t.Fatalf("identity = %+v, want customer %s with externalId carol-7", other, carol.CustomerID)
	}
	// The token's externalId did not get attached to anyone.
	if fresh := e.login(e.jwt("", "someone-else"), "d3", "").Identity; fresh.CustomerID == carol.CustomerID || fresh.Email != nil {
		t.Fatalf("someone-else = %+v", fresh)
	}

	// A missing externalId is filled in from the token.
	ann := e.login(e.jwt("ann@example.com", ""), "d4", "").Identity
	ann2 := e.login(e.jwt("ann@example.com", "ann-1"), "d4", "").Identity
	if ann2.CustomerID != ann.CustomerID || ann2.ExternalID == nil || *ann2.ExternalID != "ann-1" {
		t.Fatalf("externalId not filled in: %+v", ann2)
	}
	// ...and then finds her by externalId alone.
	if byID := e.login(e.jwt("", "ann-1"), "d5", "").Identity; byID.CustomerID != ann.CustomerID || *byID.Email != "ann@example.com" {
		t.Fatalf("by externalId = %+v", byID)
	}

	// Email unknown, externalId known: the externalId's customer, email filled in.
	bob := e.login(e.jwt("", "bob-42"), "d6", "").Identity
	bob2 := e.login(e.jwt("bob@example.com", "bob-42"), "d6", "").Identity
	if bob2.CustomerID != bob.CustomerID || bob2.Email == nil || *bob2.Email != "bob@example.com" {
		t.Fatalf("bob = %+v", bob2)
	}
}

func TestLoginMovesAnonymousConversationsWithTrackingToken(t *testing.T) {
	e := newEnv(t)
	anon := e.anonymous("device-1")
	conv := e.createConversation(anon.SessionToken, "I need help before logging in")
	e.agentReply(conv.Conversation.ID, "Sure")

	res := e.login(e.jwt("ann@example.com", ""), "device-1", anon.SessionToken)
	if got := e.conversations(res.SessionToken); len(got) != 1 || got[0].ID != conv.Conversation.ID || got[0].Unread != 1 {
		t.Fatalf("conversations after the login = %+v", got)
	}
	if msgs := e.messages(res.SessionToken, conv.Conversation.ID); len(msgs) != 2 {
		t.Fatalf("moved conversation has %d messages, want 2", len(msgs))
	}
	// The anonymous session is revoked; its tracking token proves nothing any more.
	e.sdk("GET", "/v1/conversations", anon.SessionToken, nil).expectError(401, codeSessionInvalid)
	bob := e.login(e.jwt("", "bob-42"), "device-1", anon.SessionToken)
	if len(e.conversations(bob.SessionToken)) != 0 {
		t.Fatal("a revoked tracking token moved conversations a second time")
	}
	// Another device of the same customer sees them too.
	other := e.login(e.jwt("ann@example.com", ""), "device-2", "")
	if got := e.conversations(other.SessionToken); len(got) != 1 {
		t.Fatalf("device 2 sees %d conversations", len(got))
	}
}

func TestLoginWithoutTrackingTokenMovesNothing(t *testing.T) {
	e := newEnv(t)
	anon := e.anonymous("device-1")
	conv := e.createConversation(anon.SessionToken, "anonymous chat")

	// Same email on another device, no token (or someone else's token): nothing moves.
	res := e.login(e.jwt("ann@example.com", ""), "device-2", "")
	if got := e.conversations(res.SessionToken); len(got) != 0 {
		t.Fatalf("login without the tracking token got %+v", got)
	}
	bogus := e.login(e.jwt("ann@example.com", ""), "device-2", "not-a-real-token")
	if len(e.conversations(bogus.SessionToken)) != 0 {
		t.Fatal("an unknown tracking token moved conversations")
	}
	// An identified customer's session is not a tracking token.
	bob := e.login(e.jwt("", "bob-42"), "device-3", "")
	bobConv := e.createConversation(bob.SessionToken, "bob's chat")
	stolen := e.login(e.jwt("ann@example.com", ""), "device-3", bob.SessionToken)
	if len(e.conversations(stolen.SessionToken)) != 0 {
		t.Fatal("an identified customer's session moved their conversations")
	}
	if got := e.conversations(bob.SessionToken); len(got) != 1 || got[0].ID != bobConv.Conversation.ID {
		t.Fatal("bob lost his conversation")
	}
	// The anonymous customer still has its chat and its session.
	if got := e.conversations(anon.SessionToken); len(got) != 1 || got[0].ID != conv.Conversation.ID {
		t.Fatalf("anonymous customer now sees %+v", got)
	}
	// bogus's login on device-2 replaced res's session there.
	e.sdk("GET", "/v1/conversations/"+conv.Conversation.ID+"/messages", bogus.SessionToken, nil).expectError(404, codeNotFound)
}

func TestLogoutRevokesSession(t *testing.T) {
	e := newEnv(t)
	s := e.login(e.jwt("ann@example.com", ""), "d1", "").SessionToken
	other := e.login(e.jwt("ann@example.com", ""), "d2", "").SessionToken
	e.conversations(s)
	e.sdk("POST", "/v1/identities/logout", s, nil).expect(204)
	for _, q := range []struct{ method, path string }{
		{"GET", "/v1/conversations"}, {"GET", "/v1/events?after=0"}, {"POST", "/v1/conversations"},
	} {
		e.sdk(q.method, q.path, s, map[string]string{"message": "hi"}).expectError(401, codeSessionInvalid)
	}
	e.sdk("POST", "/v1/identities/logout", s, nil).expect(204)
	e.sdk("POST", "/v1/identities/logout", "never-issued", nil).expect(204)
	e.sdk("POST", "/v1/identities/logout", "", nil).expectError(401, codeSessionInvalid)
	// Only that session ended.
	e.conversations(other)
}

func TestSessionMissingOrUnknown(t *testing.T) {
	e := newEnv(t)
	e.sdk("GET", "/v1/conversations", "", nil).expectError(401, codeSessionInvalid)
	e.sdk("GET", "/v1/conversations", "forged", nil).expectError(401, codeSessionInvalid)
	e.do(req{Method: "GET", Path: "/v1/conversations", APIKey: testAPIKey, Header: map[string]string{"Authorization": "Basic Zm9vOmJhcg=="}}).
		expectError(401, codeSessionInvalid)
}

func TestAPIKeyRequired(t *testing.T) {
	e := newEnv(t)
	s := e.anonymous("d1").SessionToken
	for _, key := range []string{"", "pk_wrong", testAPIKey + "x"} {
		for _, q := range []req{
			{Method: "POST", Path: "/v1/identities/anonymous", Body: map[string]string{"trackingId": "d"}},
			{Method: "POST", Path: "/v1/identities/login", Body: map[string]string{"jwt": e.jwt("a@b.c", ""), "trackingId": "d"}},
			{Method: "POST", Path: "/v1/identities/logout", Session: s},
			{Method: "GET", Path: "/v1/conversations", Session: s},
			{Method: "GET", Path: "/v1/events?after=0", Session: s},
		} {
			q.APIKey = key
			e.do(q).expectError(401, codeTokenRejected)
		}
	}
	// The rejected logout did not revoke anything.
	e.conversations(s)
}

func TestLoginTokenErrors(t *testing.T) {
	e := newEnv(t)
	expired := e.jwt("ann@example.com", "")
	e.clock.Advance(16 * time.Minute)
	e.loginResp(expired, "d1", "").expectError(401, codeTokenExpired)
	e.loginResp(e.jwt("ann@example.com", "")+"x", "d1", "").expectError(401, codeTokenRejected)
	e.loginResp("a.b.c", "d1", "").expectError(401, codeTokenRejected)
	// Over 8 KiB but otherwise valid, inside a body well under 64 KiB.
	huge, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"email": "ann@example.com", "iat": e.clock.Now().Unix(), "pad": strings.Repeat("p", 9000),
	}).SignedString([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	e.loginResp(huge, "d1", "").expectError(401, codeTokenRejected)
	e.sdk("POST", "/v1/identities/login", "", map[string]string{"trackingId": "d1"}).expectError(400, codeInvalidArgument)
	e.sdk("POST", "/v1/identities/login", "", map[string]string{"jwt": e.jwt("a@b.c", "")}).expectError(400, codeInvalidArgument)
	e.sdk("POST", "/v1/identities/login", "", `{"jwt": `).expectError(400, codeInvalidArgument)
	e.sdk("POST", "/v1/identities/login", "", `{"jwt": 42, "trackingId": "d1"}`).expectError(400, codeInvalidArgument)
	// A failed login leaves the tracking token alone.
	anon := e.anonymous("d9")
	e.loginResp(expired, "d9", anon.SessionToken).expectError(401, codeTokenExpired)
	e.conversations(anon.SessionToken)
}

// The SDK sends logIn as a CORS-simple request: the API key in a text/plain body.
func TestLoginTakesTheAPIKeyFromATextPlainBody(t *testing.T) {
	e := newEnv(t)
	body := func(apiKey string) string {
		return `{"apiKey":"` + apiKey + `","jwt":"` + e.jwt("ann@example.com", "") + `","trackingId":"device-1"}`
	}
	simple := map[string]string{"Content-Type": "text/plain;charset=UTF-8"}
	ok := decodeAs[identityResp](e.do(req{Method: "POST", Path: "/v1/identities/login", Body: body(testAPIKey), Header: simple}).expect(200))
	if !ok.Identity.Verified || ok.SessionToken == "" {
		t.Fatalf("login = %+v", ok)
	}
	e.do(req{Method: "POST", Path: "/v1/identities/login", Body: body("pk_wrong"), Header: simple}).expectError(401, "TOKEN_REJECTED")
	e.do(req{Method: "POST", Path: "/v1/identities/login", Body: body(""), Header: simple}).expectError(401, "TOKEN_REJECTED")
	// A header, when present, is the key that counts.
	e.do(req{Method: "POST", Path: "/v1/identities/login", Body: body(testAPIKey), APIKey: "pk_wrong"}).expectError(401, "TOKEN_REJECTED")
}

// Emails are one customer only in their canonical form (ASCII trimmed and
// lower-cased): variants that Unicode would fold or that look the same are
// other customers, or refused when they hold an invisible character.
func TestLoginEmailVariants(t *testing.T) {
	e := newEnv(t)
	sam := e.login(e.jwt("sam@example.com", ""), "d1", "").Identity
	kate := e.login(e.jwt("kate@example.com", ""), "d2", "").Identity
	i := 0
	for other, want := range map[string]string{"ſam@example.com": "ſam@example.com", "\u212Aate@Example.com": "\u212Aate@example.com",
		"İnci@example.com": "İnci@example.com", "SAM@example.com\u0307": "sam@example.com\u0307"} {
		i++
		id := e.login(e.jwt(other, ""), "v"+itoa(int64(i)), "").Identity
		if id.CustomerID == sam.CustomerID || id.CustomerID == kate.CustomerID || *id.Email != want {
			t.Errorf("%q: email %q, customer %s (sam %s, kate %s)", other, *id.Email, id.CustomerID, sam.CustomerID, kate.CustomerID)
		}
	}
	for _, bad := range []string{"sam@example.com\u00a0", "sam\u0085@example.com", "s\u200bam@example.com", "sa m@example.com"} {
		e.loginResp(e.jwt(bad, ""), "d3", "").expectError(401, codeTokenRejected)
	}
}

// The login answer is the identity, the session and the cursor; no history, which
// the SDK reads with GET /v1/conversations (see sdk's TestLogInIsOneRequest).
func TestLoginAnswerHoldsNoHistory(t *testing.T) {
	e := newEnv(t)
	anon := e.anonymous("device-1")
	e.createConversation(anon.SessionToken, "history")
	var members map[string]json.RawMessage
	body := e.loginResp(e.jwt("ann@example.com", ""), "device-1", anon.SessionToken).expect(200).Body
	if err := json.Unmarshal(body, &members); err != nil || len(members) != 3 ||
		members["identity"] == nil || members["sessionToken"] == nil || members["cursor"] == nil {
		t.Fatalf("login answer %s, want identity, sessionToken and cursor only", body)
	}
}
