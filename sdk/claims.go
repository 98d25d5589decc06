package sdk

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

// tokenClaims is what the core reads from a login JWT before sending it. The token
// itself is never kept: only these claims, for the duration of one LogIn.
type tokenClaims struct {
	email      string // canonical (contract.Email); "" when absent
	externalID string // as in the token; "" when absent
	iat        float64
	exp        float64
	hasExp     bool
}

// parseToken is the local pre-check of a login JWT: a compact JWS of three unpadded
// base64url parts, a JSON object header with alg HS256, and a JSON object payload
// with a string email or externalId (at least one non-empty) and a numeric iat. It
// verifies no signature: the service does. The messages never quote the token.
func parseToken(jwt string) (tokenClaims, *Error) {
	var c tokenClaims
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return c, invalidToken("the token is not a compact JWS of three parts")
	}
	header, ok := decodeSegment(parts[0])
	if !ok {
		return c, invalidToken("the token's header is not base64url")
	}
	payload, ok := decodeSegment(parts[1])
	if !ok {
		return c, invalidToken("the token's payload is not base64url")
	}
	if _, ok := decodeSegment(parts[2]); !ok {
		return c, invalidToken("the token's signature is missing or not base64url")
	}

	h, ok := claimSet(header)
	if !ok {
		return c, invalidToken("the token's header is not a JSON object")
	}
	if alg, ok := optionalString(h, "alg"); !ok || alg != "HS256" {
		return c, invalidToken("the token must be signed with alg HS256")
	}

	p, ok := claimSet(payload)
	if !ok {
		return c, invalidToken("the token's payload is not a JSON object")
	}
	if c.email, ok = optionalString(p, "email"); !ok {
		return c, invalidToken("the token's email claim must be a string")
	}
	var err error
	if c.email, err = contract.Email(c.email); err != nil {
		return c, invalidToken("the token's email has a control, format or space character, or invalid UTF-8")
	}
	if c.externalID, ok = optionalString(p, "externalId"); !ok {
		return c, invalidToken("the token's externalId claim must be a string")
	}
	if c.email == "" && c.externalID == "" {
		return c, invalidToken("the token needs an email or externalId claim")
	}
	iat, ok := p["iat"]
	if ok {
		c.iat, ok = floatValue(iat)
	}
	if !ok {
		return c, invalidToken("the token needs a numeric iat claim")
	}
	if v, present := p["exp"]; present {
		if c.exp, ok = floatValue(v); !ok {
			return c, invalidToken("the token's exp claim must be a number")
		}
		c.hasExp = true
	}
	return c, nil
}

// checkTime rejects a token the service would find too old, allowing for clock skew.
func (c tokenClaims) checkTime(now time.Time) *Error {
	nowSec := float64(now.Unix()) + float64(now.Nanosecond())/1e9
	if nowSec-c.iat > (contract.MaxTokenAge + contract.ClockSkew).Seconds() {
		return newError(CodeTokenExpired, "the token was issued more than 15 minutes ago; get a fresh one from your backend")
	}
	if c.hasExp && nowSec > c.exp+contract.ClockSkew.Seconds() {
		return newError(CodeTokenExpired, "the token has expired; get a fresh one from your backend")
	}
	return nil
}

// names tells whether the token names the customer of id: by canonical email when
// the token has one, else by exact externalId.
func (c tokenClaims) names(id *Identity) bool {
	if c.email != "" {
		return sameEmail(c.email, id.Email)
	}
	return c.externalID != "" && c.externalID == id.ExternalID
}

// sameEmail compares canonical forms, as the service finds customers; an email
// with no canonical form is no one's.
func sameEmail(a, b string) bool {
	a, errA := contract.Email(a)
	b, errB := contract.Email(b)
	return errA == nil && errB == nil && a != "" && a == b
}

func invalidToken(message string) *Error { return newError(CodeInvalidToken, message) }

// decodeSegment decodes one non-empty, unpadded base64url part, refusing every
// character outside the alphabet (the decoder alone would skip newlines).
func decodeSegment(s string) ([]byte, bool) {
	if s == "" {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return nil, false
		}
	}
	out, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return out, err == nil
}

// claimSet is the JSON object b by member name, the last member where a name repeats
// (as encoding/json decodes into a map); ok is false when b is not a JSON object.
func claimSet(b []byte) (map[string]*fastjson.Value, bool) {
	v, ok := parseJSON(b)
	if !ok || v.Type() != fastjson.TypeObject {
		return nil, false
	}
	m := make(map[string]*fastjson.Value)
	members(v, func(key string, v *fastjson.Value) bool {
		m[key] = v
		return true
	})
	return m, true
}

// optionalString returns m[key] when it is a string or absent; ok is false for a
// present value of another type (null included, as the service refuses it too).
func optionalString(m map[string]*fastjson.Value, key string) (string, bool) {
	v, present := m[key]
	if !present {
		return "", true
	}
	return stringValue(v)
}
