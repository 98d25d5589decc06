// Package auth verifies the login tokens that a site's backend signs for its
// visitors. The token proves who the visitor is, so every check here errs on the
// side of refusing: one algorithm, bounded size, bounded age, typed claims.
package auth

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/golang-jwt/jwt/v5"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

// Sentinels callers map to the API's error codes; check them with errors.Is.
var (
	ErrTokenRejected = errors.New("login token rejected")
	ErrTokenExpired  = errors.New("login token expired")
)

// Limits from the SPEC's token checks.
const (
	MaxTokenBytes    = contract.MaxTokenBytes
	MaxAge           = contract.MaxTokenAge
	ClockSkew        = contract.ClockSkew
	MaxEmailLen      = contract.MaxEmailLen
	MaxExternalIDLen = contract.MaxExternalIDLen
)

// Claims is what a verified token says about the visitor. Email is canonical
// (contract.Email), the form customers are found by.
type Claims struct {
	Email      string
	ExternalID string
	IssuedAt   time.Time
}

// payload is a token's claims as golang-jwt validates them. A JSON null
// counts as absent; any other type than the one here is a broken token.
type payload struct {
	jwt.RegisteredClaims
	Email      *string `json:"email"`
	ExternalID *string `json:"externalId"`
}

// UnmarshalJSON reads the claims with the strict decoder: names matched
// exactly and once, and invalid UTF-8 or a lone surrogate refused, so that a
// claim means one thing only (golang-jwt would use encoding/json's lenient
// rules). Unknown claims are a site's own business and are ignored.
// golang-jwt's NumericDate also takes a number inside a string; the SPEC wants
// a JSON number, so each time claim is checked for one first.
func (p *payload) UnmarshalJSON(b []byte) error {
	var times struct {
		Iat jsontext.Value `json:"iat"`
		Exp jsontext.Value `json:"exp"`
		Nbf jsontext.Value `json:"nbf"`
	}
	if err := jsonv2.Unmarshal(b, &times); err != nil {
		return err
	}
	for _, v := range []jsontext.Value{times.Iat, times.Exp, times.Nbf} {
		if len(v) > 0 && v.Kind() != '0' && v.Kind() != 'n' {
			return errors.New("a time claim that is not a number")
		}
	}
	type plain payload // without this method
	return jsonv2.Unmarshal(b, (*plain)(p))
}

// Verify checks a compact HS256 JWS against secret at time now. The error wraps
// ErrTokenExpired for a token that was once good but is too old, and
// ErrTokenRejected for everything else.
func Verify(token string, secret []byte, now time.Time) (Claims, error) {
	if len(secret) == 0 {
		return Claims{}, fmt.Errorf("%w: no secret configured", ErrTokenRejected)
	}
	if token == "" || len(token) > MaxTokenBytes {
		return Claims{}, fmt.Errorf("%w: token empty or over %d bytes", ErrTokenRejected, MaxTokenBytes)
	}
	// The base64 decoder skips CR and LF, so a token with a line break in it
	// would verify; only the compact form's own characters are let through.
	for i := 0; i < len(token); i++ {
		if b := token[i]; !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
			return Claims{}, fmt.Errorf("%w: a character outside the compact form", ErrTokenRejected)
		}
	}

	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithLeeway(ClockSkew),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	var p payload
	tok, err := parser.ParseWithClaims(token, &p, func(*jwt.Token) (any, error) { return secret, nil })
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return Claims{}, fmt.Errorf("%w: %v", ErrTokenExpired, err)
	case err != nil:
		return Claims{}, fmt.Errorf("%w: %v", ErrTokenRejected, err)
	}
	// RFC 7515 §4.1.11: an extension this service does not know must be
	// understood, so a token that names any is refused.
	if _, ok := tok.Header["crit"]; ok {
		return Claims{}, fmt.Errorf("%w: crit header", ErrTokenRejected)
	}

	// golang-jwt checks iat only when present and knows no age limit.
	if p.IssuedAt == nil || p.IssuedAt.Before(time.Unix(0, 0)) {
		return Claims{}, fmt.Errorf("%w: iat missing or before 1970", ErrTokenRejected)
	}
	if now.Sub(p.IssuedAt.Time) > MaxAge {
		return Claims{}, fmt.Errorf("%w: iat older than %s", ErrTokenExpired, MaxAge)
	}

	var c Claims
	c.IssuedAt = p.IssuedAt.Time
	if p.Email != nil {
		if utf8.RuneCountInString(*p.Email) > MaxEmailLen {
			return Claims{}, fmt.Errorf("%w: email longer than %d", ErrTokenRejected, MaxEmailLen)
		}
		if c.Email, err = contract.Email(*p.Email); err != nil {
			return Claims{}, fmt.Errorf("%w: %v", ErrTokenRejected, err)
		}
	}
	if p.ExternalID != nil {
		if utf8.RuneCountInString(*p.ExternalID) > MaxExternalIDLen {
			return Claims{}, fmt.Errorf("%w: externalId longer than %d", ErrTokenRejected, MaxExternalIDLen)
		}
		c.ExternalID = *p.ExternalID
	}
	if c.Email == "" && c.ExternalID == "" {
		return Claims{}, fmt.Errorf("%w: neither email nor externalId", ErrTokenRejected)
	}
	return c, nil
}

// Sign makes a token the way a site's backend would. The service uses it only
// for the development token route and tests.
func Sign(c Claims, secret []byte) (string, error) {
	mc := jwt.MapClaims{"iat": c.IssuedAt.Unix()}
	if c.Email != "" {
		mc["email"] = c.Email
	}
	if c.ExternalID != "" {
		mc["externalId"] = c.ExternalID
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, mc).SignedString(secret)
}
