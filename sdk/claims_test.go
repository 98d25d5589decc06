package sdk

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

// oldest is how old, in seconds, a token's iat may be: the SPEC's 15 minutes and the
// 60 s clock skew.
const oldest = int64((contract.MaxTokenAge + contract.ClockSkew) / time.Second)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestLogInPrecheckRejectsWithoutRequest(t *testing.T) {
	e := newServiceEnv(t)
	now := e.clock.Now().Unix()
	hs := b64(`{"alg":"HS256","typ":"JWT"}`)
	good := b64(`{"email":"ann@example.com","iat":` + itoa(now) + `}`)
	sig := b64("signature-bytes-0123456789abcdef")
	cases := []struct {
		name  string
		token string
		code  Code
	}{
		{"empty", "", CodeInvalidArgument},
		{"one part", "abc", CodeInvalidToken},
		{"two parts", hs + "." + good, CodeInvalidToken},
		{"four parts", hs + "." + good + "." + sig + "." + sig, CodeInvalidToken},
		{"empty signature", hs + "." + good + ".", CodeInvalidToken},
		{"header not base64url", "!!!." + good + "." + sig, CodeInvalidToken},
		{"padded header", base64.URLEncoding.EncodeToString([]byte(`{"alg":"HS256","x":12}`)) + "." + good + "." + sig, CodeInvalidToken},
		{"standard base64 alphabet", strings.ReplaceAll(hs, "-", "+") + "+." + good + "." + sig, CodeInvalidToken},
		{"newline inside", hs[:4] + "\n" + hs[4:] + "." + good + "." + sig, CodeInvalidToken},
		{"payload not base64url", hs + ".*." + sig, CodeInvalidToken},
		{"header not JSON", b64("not json") + "." + good + "." + sig, CodeInvalidToken},
		{"header JSON array", b64(`["HS256"]`) + "." + good + "." + sig, CodeInvalidToken},
		{"header null", b64(`null`) + "." + good + "." + sig, CodeInvalidToken},
		{"alg none", b64(`{"alg":"none"}`) + "." + good + "." + sig, CodeInvalidToken},
		{"alg HS512", b64(`{"alg":"HS512"}`) + "." + good + "." + sig, CodeInvalidToken},
		{"alg lower case", b64(`{"alg":"hs256"}`) + "." + good + "." + sig, CodeInvalidToken},
		{"alg missing", b64(`{"typ":"JWT"}`) + "." + good + "." + sig, CodeInvalidToken},
		{"alg number", b64(`{"alg":256}`) + "." + good + "." + sig, CodeInvalidToken},
		{"payload not JSON", hs + "." + b64("{email:") + "." + sig, CodeInvalidToken},
		{"payload string", hs + "." + b64(`"ann"`) + "." + sig, CodeInvalidToken},
		{"payload null", hs + "." + b64(`null`) + "." + sig, CodeInvalidToken},
		{"no email nor externalId", hs + "." + b64(`{"sub":"x","iat":`+itoa(now)+`}`) + "." + sig, CodeInvalidToken},
		{"email not a string", hs + "." + b64(`{"email":42,"iat":`+itoa(now)+`}`) + "." + sig, CodeInvalidToken},
		{"email null", hs + "." + b64(`{"email":null,"externalId":"u1","iat":`+itoa(now)+`}`) + "." + sig, CodeInvalidToken},
		{"externalId not a string", hs + "." + b64(`{"externalId":true,"iat":`+itoa(now)+`}`) + "." + sig, CodeInvalidToken},
		{"blank email only", hs + "." + b64(`{"email":"  ","iat":`+itoa(now)+`}`) + "." + sig, CodeInvalidToken},
		{"iat missing", hs + "." + b64(`{"email":"ann@example.com"}`) + "." + sig, CodeInvalidToken},
		{"iat string", hs + "." + b64(`{"email":"ann@example.com","iat":"`+itoa(now)+`"}`) + "." + sig, CodeInvalidToken},
		{"exp string", hs + "." + b64(`{"email":"ann@example.com","iat":`+itoa(now)+`,"exp":"soon"}`) + "." + sig, CodeInvalidToken},
		{"iat expired", hs + "." + b64(`{"email":"ann@example.com","iat":`+itoa(now-oldest-1)+`}`) + "." + sig, CodeTokenExpired},
		{"exp passed", hs + "." + b64(`{"email":"ann@example.com","iat":`+itoa(now)+`,"exp":`+itoa(now-61)+`}`) + "." + sig, CodeTokenExpired},
	}
	if padded := cases[6].token; !strings.Contains(padded, "=") {
		t.Fatalf("the padded case has no padding: %s", padded)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := mustFail(t, e.c.LogIn(tc.token), tc.code)
			if tc.token != "" && strings.Contains(err.Error(), tc.token) {
				t.Fatal("the error message quotes the token")
			}
		})
	}
	if reqs := e.api.requests(""); len(reqs) != 0 {
		t.Fatalf("pre-check sent %d requests", len(reqs))
	}
	if len(e.rec.all()) != 0 {
		t.Fatalf("pre-check emitted %v", e.rec.names())
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestTokenTimeLimits(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	sec := float64(now.Unix())
	cases := []struct {
		name string
		c    tokenClaims
		ok   bool
	}{
		{"fresh", tokenClaims{iat: sec}, true},
		{"15 min old", tokenClaims{iat: sec - 15*60}, true},
		{"15 min + 60 s old", tokenClaims{iat: sec - float64(oldest)}, true},
		{"just past the skew", tokenClaims{iat: sec - float64(oldest) - 0.5}, false},
		{"exp within skew", tokenClaims{iat: sec, exp: sec - 59, hasExp: true}, true},
		{"exp past skew", tokenClaims{iat: sec, exp: sec - 61, hasExp: true}, false},
		{"iat in the future", tokenClaims{iat: sec + 30}, true},
	}
	for _, tc := range cases {
		if err := tc.c.checkTime(now); (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestParseTokenAcceptsWellFormed(t *testing.T) {
	e := newEnv(t)
	c, err := parseToken(e.token(map[string]any{"email": "Ann@Example.com", "externalId": "u-1", "exp": 1e12}))
	if err != nil {
		t.Fatal(err)
	}
	if c.email != "ann@example.com" || c.externalID != "u-1" || !c.hasExp {
		t.Fatalf("claims %+v", c)
	}
	if !c.names(&Identity{Email: " ann@example.COM "}) || c.names(&Identity{ExternalID: "u-1"}) {
		t.Fatal("a token with an email must name the customer by email only")
	}
	c, _ = parseToken(e.token(map[string]any{"externalId": "u-1"}))
	if !c.names(&Identity{ExternalID: "u-1"}) || c.names(&Identity{ExternalID: "U-1"}) {
		t.Fatal("externalId must match exactly")
	}
}

func FuzzParseToken(f *testing.F) {
	f.Add("")
	f.Add("a.b.c")
	f.Add(b64(`{"alg":"HS256"}`) + "." + b64(`{"email":"a@b.c","iat":1}`) + "." + b64("sig"))
	f.Add(b64(`{"alg":"HS256"}`) + "." + b64(`{"email":"a@b.c","iat":1e400}`) + "." + b64("sig"))
	f.Add("\xff\xfe.\x00.%%")
	f.Fuzz(func(t *testing.T, s string) {
		if c, err := parseToken(s); err == nil {
			_ = c.checkTime(time.Now())
			_ = c.names(&Identity{})
		}
	})
}
