package sdk

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewValidatesConfig(t *testing.T) {
	tr := newFakeService(newFakeClock())
	good := []string{"https://chat.example.com", "https://chat.example.com/", "http://127.0.0.1:8080", "HTTPS://Chat.Example.com", "http://[::1]:8080/", "http://localhost"}
	for _, u := range good {
		c, err := New(Config{APIKey: "k", ServerURL: u, Transport: tr})
		if err != nil {
			t.Errorf("%q: %v", u, err)
			continue
		}
		if strings.HasSuffix(c.base, "/") {
			t.Errorf("%q: base %q keeps the slash", u, c.base)
		}
		if c.StorageKey() != "kustomer-chat:k" {
			t.Errorf("StorageKey %q", c.StorageKey())
		}
		c.Close()
	}
	bad := []Config{
		{APIKey: "", ServerURL: "https://x.com", Transport: tr},
		{APIKey: "  ", ServerURL: "https://x.com", Transport: tr},
		{APIKey: "k", ServerURL: "https://x.com", Transport: nil},
	}
	for _, u := range []string{"", "x.com", "ftp://x.com", "https://", "https:///", "https://x.com/path", "https://x.com?q", "https://u@x.com",
		"https://x.com:", "https://x.com:80a", "https://x .com", "javascript://x", "https://[::1", "https://x.com//", "https://x.com#f"} {
		bad = append(bad, Config{APIKey: "k", ServerURL: u, Transport: tr})
	}
	for _, cfg := range bad {
		c, err := New(cfg)
		if CodeOf(err) != CodeInvalidArgument || c != nil {
			t.Errorf("%+v: got %v, %v; want INVALID_ARGUMENT", cfg.ServerURL, c, err)
		}
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Errorf("error is %T", err)
		}
	}
}

func TestLogInSuccessPersistsAndIsSeenByANewClient(t *testing.T) {
	e := newServiceEnv(t)
	before := must(t, e.c.GetIdentity())
	if before.Verified || before.TrackingID == "" || before.ID != "" || before.CustomerID != "" || !isUUID(before.TrackingID) {
		t.Fatalf("fresh identity %+v", before)
	}
	if before.CreatedAt != "2026-11-24T10:00:00.000Z" {
		t.Fatalf("createdAt %q", before.CreatedAt)
	}
	jwt := e.emailToken("Ann@Example.com")
	id := must(t, e.c.LogIn(jwt))
	if !id.Verified || id.Email != "ann@example.com" || id.TrackingID != before.TrackingID || id.CustomerID == "" {
		t.Fatalf("identity %+v", id)
	}
	ev := e.rec.waitFor(t, func(r recorded) bool { return r.name == EventLogin })
	if got := ev.payload.(*Identity); *got != *id {
		t.Fatalf("onLogin payload %+v, want %+v", got, id)
	}
	login := e.api.requests("/v1/identities/login")
	if len(login) != 1 {
		t.Fatalf("%d login requests", len(login))
	}
	var body map[string]any
	_ = json.Unmarshal(login[0].Body, &body)
	if body["trackingId"] != before.TrackingID || body["jwt"] != jwt {
		t.Fatalf("login body %v", body)
	}
	if _, has := body["trackingToken"]; has {
		t.Fatal("trackingToken sent without an anonymous session")
	}
	raw := e.stored()
	if strings.Contains(raw, jwt) || strings.Contains(raw, strings.Split(jwt, ".")[2]) {
		t.Fatal("the JWT is stored")
	}
	if !strings.Contains(raw, `"v":1`) {
		t.Fatalf("stored state %s", raw)
	}
	for _, w := range e.rec.warns() {
		if strings.Contains(w, jwt) {
			t.Fatal("a warning contains the token")
		}
	}

	other := e.client(e.store, e.api, newRecorder(), nil)
	if !must(t, other.IsLoggedIn("email", "ann@example.com")) {
		t.Fatal("a new client on the same storage does not see the login")
	}
	if got := must(t, other.GetIdentity()); *got != *id {
		t.Fatalf("new client identity %+v, want %+v", got, id)
	}
}

func TestLogInSameCustomerClearsNothingAndSendsNothing(t *testing.T) {
	for _, tc := range []struct{ first, again map[string]any }{
		{map[string]any{"email": "ann@example.com"}, map[string]any{"email": "  ANN@example.com "}},
		{map[string]any{"email": "ann@example.com", "externalId": "u-1"}, map[string]any{"email": "ann@example.com", "externalId": "u-2"}},
		{map[string]any{"externalId": "u-1"}, map[string]any{"externalId": "u-1"}},
	} {
		e := newServiceEnv(t)
		first := must(t, e.c.LogIn(e.token(tc.first)))
		conv := must(t, e.c.CreateConversation("hello"))
		e.rec.waitFor(t, isUnread(0))
		n, raw := len(e.api.chatRequests()), e.stored()
		e.rec.reset()
		again := must(t, e.c.LogIn(e.token(tc.again)))
		if *again != *first {
			t.Fatalf("identity changed: %+v vs %+v", again, first)
		}
		if len(e.api.chatRequests()) != n || e.stored() != raw {
			t.Fatal("logging in as the same customer sent a request or changed storage")
		}
		if names := e.rec.names(); len(names) != 0 {
			t.Fatalf("events %v", names)
		}
		if convs := must(t, e.c.GetConversations()); len(convs) != 1 || convs[0].ID != conv.ID {
			t.Fatalf("conversations %+v", convs)
		}
	}
}

func TestLogInServiceErrorsChangeNothing(t *testing.T) {
	cases := []struct {
		name string
		hook func(Request) (Response, error, bool)
		jwt  func(e *env) string
		code Code
	}{
		{"offline", func(Request) (Response, error, bool) { return Response{}, errors.New("Failed to fetch"), true }, nil, CodeNetworkError},
		{"bad signature", nil, func(e *env) string {
			t := e.emailToken("bob@example.com")
			return t[:strings.LastIndex(t, ".")] + "." + b64("forged-signature-forged-signatur")
		}, CodeTokenRejected},
		{"401 TOKEN_EXPIRED", status(401, `{"error":{"code":"TOKEN_EXPIRED","message":"x"}}`), nil, CodeTokenExpired},
		{"401 TOKEN_REJECTED", status(401, `{"error":{"code":"TOKEN_REJECTED","message":"x"}}`), nil, CodeTokenRejected},
		{"400", status(400, `{"error":{"code":"INVALID_ARGUMENT","message":"x"}}`), nil, CodeTokenRejected},
		{"403", status(403, ``), nil, CodeTokenRejected},
		{"429", status(429, `{"error":{"code":"RATE_LIMITED","message":"x"}}`), nil, CodeRateLimited},
		{"500", status(500, `{"error":{"code":"SERVER_ERROR","message":"x"}}`), nil, CodeServerError},
		{"503 html", status(503, `<html>`), nil, CodeServerError},
		{"200 garbage", status(200, `{"identity":`), nil, CodeServerError},
		{"200 no session", status(200, `{"identity":{"customerId":"c","email":"b@x","verified":true}}`), nil, CodeServerError},
		{"200 not verified", status(200, `{"identity":{"customerId":"c","email":"b@x","verified":false},"sessionToken":"s"}`), nil, CodeServerError},
		{"200 wrong types", status(200, `{"identity":{"customerId":7,"verified":"yes"},"sessionToken":"s"}`), nil, CodeServerError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ann := must(t, e.c.LogIn(e.emailToken("ann@example.com")))
			conv := must(t, e.c.CreateConversation("hi"))
			e.rec.waitFor(t, func(r recorded) bool { return r.name == EventUnread })
			raw := e.stored()
			e.rec.reset()
			jwt := e.emailToken("bob@example.com")
			if tc.jwt != nil {
				jwt = tc.jwt(e)
			}
			if tc.hook != nil {
				e.svc.setHook(func(r Request) (Response, error, bool) {
					if strings.HasSuffix(r.URL, "/v1/identities/login") {
						return tc.hook(r)
					}
					return Response{}, nil, false
				})
			}
			err := mustFail(t, e.c.LogIn(jwt), tc.code)
			if strings.Contains(err.Error(), jwt) {
				t.Fatal("error quotes the token")
			}
			if e.stored() != raw {
				t.Fatal("storage changed")
			}
			if got := must(t, e.c.GetIdentity()); *got != *ann {
				t.Fatalf("identity changed to %+v", got)
			}
			if !must(t, e.c.IsLoggedIn("email", "ann@example.com")) {
				t.Fatal("no longer logged in")
			}
			// The poller still runs on Ann's session.
			e.svc.agentReply(t, conv.ID, "still here")
			e.rec.waitFor(t, func(r recorded) bool {
				m, ok := r.payload.(*Message)
				return ok && m.Body == "still here"
			})
			for _, name := range e.rec.names() {
				if name == EventLogin || name == EventLogout {
					t.Fatalf("events %v", e.rec.names())
				}
			}
		})
	}
}

func status(code int, body string) func(Request) (Response, error, bool) {
	return func(Request) (Response, error, bool) { return Response{Status: code, Body: []byte(body)}, nil, true }
}

func TestLogInAsAnotherCustomerRevokesTheOldSession(t *testing.T) {
	e := newServiceEnv(t)
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	st, _ := decodeState(e.stored())
	annSession := st.session
	bob := must(t, e.c.LogIn(e.emailToken("bob@example.com")))
	if bob.Email != "bob@example.com" {
		t.Fatalf("identity %+v", bob)
	}
	e.c.bg.Wait()
	if !e.ended(annSession) {
		t.Fatal("the replaced session was not revoked")
	}
	if must(t, e.c.IsLoggedIn("email", "ann@example.com")) || !must(t, e.c.IsLoggedIn("email", "bob@example.com")) {
		t.Fatal("isLoggedIn does not follow the switch")
	}
}

func TestLogOutMakesANewDeviceAndWorksOffline(t *testing.T) {
	e := newEnv(t)
	before := must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	e.svc.setHook(func(Request) (Response, error, bool) { return Response{}, errors.New("offline"), true })
	must(t, e.c.LogOut())
	after := must(t, e.c.GetIdentity())
	if after.Verified || after.Email != "" || after.CustomerID != "" || after.TrackingID == before.TrackingID || !isUUID(after.TrackingID) {
		t.Fatalf("after logout %+v", after)
	}
	if must(t, e.c.IsLoggedIn("email", "ann@example.com")) {
		t.Fatal("still logged in")
	}
	st, ok := decodeState(e.stored())
	if !ok || st.deviceID != after.TrackingID || st.session != "" {
		t.Fatalf("stored %s", e.stored())
	}
	e.rec.waitFor(t, func(r recorded) bool { return r.name == EventLogout && r.payload == nil })

	// Nobody logged in: it still resolves and emits.
	e.rec.reset()
	must(t, e.c.LogOut())
	if names := e.rec.names(); len(names) != 1 || names[0] != EventLogout {
		t.Fatalf("events %v", names)
	}
}

func TestLogOutRevokesTheSession(t *testing.T) {
	e := newServiceEnv(t)
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	must(t, e.c.LogOut())
	reqs := e.api.requests("/v1/identities/logout")
	if len(reqs) != 1 || bearer(reqs[0]) == "" {
		t.Fatalf("logout requests %v", reqs)
	}
	if !e.ended(bearer(reqs[0])) {
		t.Fatal("session not revoked")
	}
}

func TestLogOutIsBoundedWhenTheServiceHangs(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	defer close(release)
	c := e.client(e.store, e.svc, e.rec, func(cfg *Config) { cfg.RequestTimeout = 50 * time.Millisecond })
	must(t, c.LogIn(e.emailToken("ann@example.com")))
	e.svc.setHook(func(r Request) (Response, error, bool) {
		<-release // ignores cancel
		return Response{}, nil, false
	})
	start := time.Now()
	must(t, c.LogOut())
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("logout took %v", d)
	}
}

func TestLogOutThenLogIn(t *testing.T) {
	e := newServiceEnv(t)
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	e.rec.reset()
	bob := must(t, e.c.LogOutThenLogIn(e.emailToken("bob@example.com")))
	if bob.Email != "bob@example.com" {
		t.Fatalf("identity %+v", bob)
	}
	if names := lifecycle(e.rec.names()); strings.Join(names, ",") != "onLogout,onLogin" {
		t.Fatalf("events %v", names)
	}
	// The same customer again still logs out first: a new session, a new device.
	again := must(t, e.c.LogOutThenLogIn(e.emailToken("bob@example.com")))
	if again.TrackingID == bob.TrackingID {
		t.Fatal("logOutThenLogIn kept the device id")
	}
}

// lifecycle keeps the onLogin and onLogout events, in order.
func lifecycle(names []string) []string {
	var out []string
	for _, n := range names {
		if n == EventLogin || n == EventLogout {
			out = append(out, n)
		}
	}
	return out
}

func TestLogOutThenLogInFailureStaysLoggedOut(t *testing.T) {
	for _, tc := range []struct {
		name string
		jwt  func(e *env) string
		code Code
	}{
		{"invalid token", func(*env) string { return "not.a.jwt" }, CodeInvalidToken},
		{"rejected", func(e *env) string {
			t := e.emailToken("bob@example.com")
			return t[:strings.LastIndex(t, ".")] + "." + b64("forged-signature-forged-signatur")
		}, CodeTokenRejected},
		{"offline", nil, CodeNetworkError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ann := must(t, e.c.LogIn(e.emailToken("ann@example.com")))
			e.rec.reset()
			jwt := e.emailToken("bob@example.com")
			if tc.jwt != nil {
				jwt = tc.jwt(e)
			} else {
				e.svc.setHook(func(Request) (Response, error, bool) { return Response{}, errors.New("offline"), true })
			}
			mustFail(t, e.c.LogOutThenLogIn(jwt), tc.code)
			id := must(t, e.c.GetIdentity())
			if id.Verified || id.TrackingID == ann.TrackingID {
				t.Fatalf("identity %+v", id)
			}
			if must(t, e.c.IsLoggedIn("email", "ann@example.com")) {
				t.Fatal("still logged in")
			}
			if names := lifecycle(e.rec.names()); strings.Join(names, ",") != "onLogout" {
				t.Fatalf("events %v", e.rec.names())
			}
		})
	}
}

func TestIsLoggedIn(t *testing.T) {
	e := newServiceEnv(t)
	if must(t, e.c.IsLoggedIn("email", "")) || must(t, e.c.IsLoggedIn("userId", "")) {
		t.Fatal("anonymous device is logged in")
	}
	mustFail(t, e.c.IsLoggedIn("Email", "ann@example.com"), CodeInvalidArgument)
	mustFail(t, e.c.IsLoggedIn("", "x"), CodeInvalidArgument)
	mustFail(t, e.c.IsLoggedIn("externalId", "u-1"), CodeInvalidArgument)
	must(t, e.c.LogIn(e.token(map[string]any{"email": "Ann@Example.com", "externalId": "User-1"})))
	for _, tc := range []struct {
		idType, id string
		want       bool
	}{
		{"email", "ann@example.com", true},
		{"email", "  ANN@EXAMPLE.COM\t", true},
		{"email", "ann@example.co", false},
		{"email", "", false},
		{"email", "User-1", false},
		{"userId", "User-1", true},
		{"userId", "user-1", false},
		{"userId", " User-1", false},
		{"userId", "ann@example.com", false},
	} {
		if got := must(t, e.c.IsLoggedIn(tc.idType, tc.id)); got != tc.want {
			t.Errorf("IsLoggedIn(%q, %q) = %v", tc.idType, tc.id, got)
		}
	}
	if n := len(e.api.requests("/v1/identities")); n != 1 {
		t.Fatalf("%d identity requests; isLoggedIn must not call the service", n)
	}
}

func TestCorruptStorageStartsFreshWithAWarning(t *testing.T) {
	const dev = "0b7c8a34-2f6e-4b8e-9b1a-3c5d7e9f1a2b"
	cases := map[string]string{
		"not JSON":               `{"v":1,`,
		"array":                  `[]`,
		"null":                   `null`,
		"string":                 `"hello"`,
		"unknown version":        `{"v":2,"deviceId":"` + dev + `","identity":{"trackingId":"` + dev + `","verified":false}}`,
		"no version":             `{"deviceId":"` + dev + `","identity":{"verified":false}}`,
		"version as string":      `{"v":"1","deviceId":"` + dev + `","identity":{"verified":false}}`,
		"deviceId not a UUID":    `{"v":1,"deviceId":"device-1","identity":{"verified":false}}`,
		"deviceId as number":     `{"v":1,"deviceId":7,"identity":{"verified":false}}`,
		"identity missing":       `{"v":1,"deviceId":"` + dev + `"}`,
		"identity wrong type":    `{"v":1,"deviceId":"` + dev + `","identity":"ann"}`,
		"verified as string":     `{"v":1,"deviceId":"` + dev + `","identity":{"verified":"yes"}}`,
		"verified no session":    `{"v":1,"deviceId":"` + dev + `","identity":{"customerId":"c","email":"a@b.c","verified":true}}`,
		"verified no customer":   `{"v":1,"deviceId":"` + dev + `","identity":{"email":"a@b.c","verified":true},"sessionToken":"s"}`,
		"session with no owner":  `{"v":1,"deviceId":"` + dev + `","identity":{"verified":false},"sessionToken":"s"}`,
		"session token a number": `{"v":1,"deviceId":"` + dev + `","identity":{"verified":false},"sessionToken":5}`,
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			e := newServiceEnv(t)
			_ = e.store.Set(e.c.StorageKey(), raw)
			id := must(t, e.c.GetIdentity())
			if id.Verified || id.Email != "" || !isUUID(id.TrackingID) || id.TrackingID == dev {
				t.Fatalf("identity %+v", id)
			}
			if w := e.rec.warns(); len(w) != 1 || !strings.Contains(w[0], "could not be read") {
				t.Fatalf("warnings %q", w)
			}
			st, ok := decodeState(e.stored())
			if !ok || st.deviceID != id.TrackingID {
				t.Fatalf("stored %q", e.stored())
			}
			if must(t, e.c.IsLoggedIn("email", "a@b.c")) {
				t.Fatal("logged in from corrupt state")
			}
		})
	}
}

func TestValidStoredAnonymousStateIsKept(t *testing.T) {
	const dev = "0b7c8a34-2f6e-4b8e-9b1a-3c5d7e9f1a2b"
	e := newServiceEnv(t)
	_ = e.store.Set(e.c.StorageKey(), `{"v":1,"deviceId":"`+dev+`","identity":{"trackingId":"`+dev+`","verified":false,"email":null},"extra":true}`)
	if id := must(t, e.c.GetIdentity()); id.TrackingID != dev {
		t.Fatalf("identity %+v", id)
	}
	if len(e.rec.warns()) != 0 {
		t.Fatalf("warnings %q", e.rec.warns())
	}
}

func TestFailingStorageFallsBackToMemory(t *testing.T) {
	for _, panics := range []bool{false, true} {
		e := newServiceEnv(t)
		fs := &failingStorage{panic: panics}
		c := e.client(fs, e.api, e.rec, nil)
		anon := must(t, c.GetIdentity())
		id := must(t, c.LogIn(e.emailToken("ann@example.com")))
		if id.TrackingID != anon.TrackingID {
			t.Fatal("device id not kept in memory")
		}
		if !must(t, c.IsLoggedIn("email", "ann@example.com")) {
			t.Fatal("login not kept in memory")
		}
		must(t, c.CreateConversation("hi"))
		must(t, c.Reload())
		if !must(t, c.IsLoggedIn("email", "ann@example.com")) {
			t.Fatal("reload lost the in-memory state")
		}
		must(t, c.LogOut())
		if w := e.rec.warns(); len(w) != 1 || !strings.Contains(w[0], "memory") {
			t.Fatalf("warnings %q", w)
		}
		fs.mu.Lock()
		calls := fs.calls
		fs.mu.Unlock()
		if calls != 1 {
			t.Fatalf("the failing storage was used %d times", calls)
		}
		e.rec = newRecorder()
	}
}

// A logIn is one request, on the real service: the core loads no history with it
// (the page reads it with getConversations), which is why the login answer carries
// none. The poller's GET /v1/events is not the logIn's.
func TestLogInIsOneRequest(t *testing.T) {
	e := newServiceEnv(t)
	must(t, e.c.CreateConversation("before the login")) // history the login moves
	before := len(e.api.requests("/v1/identities")) + len(e.api.requests("/v1/conversations"))
	must(t, e.c.LogIn(e.emailToken("ann@example.com")))
	login := e.api.requests("/v1/identities/login")
	after := len(e.api.requests("/v1/identities")) + len(e.api.requests("/v1/conversations"))
	if len(login) != 1 || after-before != 1 {
		t.Fatalf("the logIn made %d requests (%d logins), want the login alone", after-before, len(login))
	}
	if convs := must(t, e.c.GetConversations()); len(convs) != 1 {
		t.Fatalf("after the logIn: %+v", convs)
	}
}
