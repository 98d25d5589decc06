// Package auth verifies the login tokens that a site's backend signs for its
// visitors. The token proves who the visitor is, so every check here errs on the
// side of refusing: one algorithm, bounded size, bounded age, typed claims.
package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Sentinels callers map to the API's error codes; check them with errors.Is.
var (
	ErrTokenRejected = errors.New("login token rejected")
	ErrTokenExpired  = errors.New("login token expired")
)

// Limits from the SPEC's token checks.
const (
	MaxTokenBytes    = 8 << 10
	MaxAge           = 15 * time.Minute
	ClockSkew        = 60 * time.Second
	MaxEmailLen      = 254
	MaxExternalIDLen = 255
)

// Claims is what a verified token says about the visitor. Email is trimmed but
// keeps its case; callers normalise it for lookups.
type Claims struct {
	Email      string
	ExternalID string
	IssuedAt   time.Time
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

	// The library checks the structure, the algorithm and the signature; the
	// time and identity claims are checked below, because the SPEC's rules
	// (required iat, age limit, typed identity fields) are not the library's.
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithJSONNumber(),
		jwt.WithoutClaimsValidation(),
	)
	mc := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(token, mc, func(*jwt.Token) (any, error) { return secret, nil })
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrTokenRejected, err)
	}

	iat, present, err := numericDate(mc, "iat")
	if err != nil {
		return Claims{}, err
	}
	if !present {
		return Claims{}, fmt.Errorf("%w: iat missing", ErrTokenRejected)
	}
	if iat.After(now.Add(ClockSkew)) {
		return Claims{}, fmt.Errorf("%w: iat in the future", ErrTokenRejected)
	}
	if now.Sub(iat) > MaxAge {
		return Claims{}, fmt.Errorf("%w: iat older than %s", ErrTokenExpired, MaxAge)
	}

	exp, present, err := numericDate(mc, "exp")
	if err != nil {
		return Claims{}, err
	}
	if present && !now.Before(exp.Add(ClockSkew)) {
		return Claims{}, fmt.Errorf("%w: exp passed", ErrTokenExpired)
	}

	nbf, present, err := numericDate(mc, "nbf")
	if err != nil {
		return Claims{}, err
	}
	if present && nbf.After(now.Add(ClockSkew)) {
		return Claims{}, fmt.Errorf("%w: nbf in the future", ErrTokenRejected)
	}

	email, err := stringClaim(mc, "email", MaxEmailLen)
	if err != nil {
		return Claims{}, err
	}
	email = strings.TrimSpace(email)
	externalID, err := stringClaim(mc, "externalId", MaxExternalIDLen)
	if err != nil {
		return Claims{}, err
	}
	if email == "" && externalID == "" {
		return Claims{}, fmt.Errorf("%w: neither email nor externalId", ErrTokenRejected)
	}
	return Claims{Email: email, ExternalID: externalID, IssuedAt: iat}, nil
}

// numericDate reads a JSON number claim as seconds since the epoch. JSON null
// counts as absent; any other type is a forged or broken token.
func numericDate(mc jwt.MapClaims, name string) (time.Time, bool, error) {
	raw, ok := mc[name]
	if !ok || raw == nil {
		return time.Time{}, false, nil
	}
	n, ok := raw.(json.Number)
	if !ok {
		return time.Time{}, false, fmt.Errorf("%w: %s is not a number", ErrTokenRejected, name)
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, false, fmt.Errorf("%w: %s out of range", ErrTokenRejected, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// stringClaim reads an optional string claim. JSON null counts as absent.
func stringClaim(mc jwt.MapClaims, name string, maxLen int) (string, error) {
	raw, ok := mc[name]
	if !ok || raw == nil {
		return "", nil
	}
	s, ok := raw.(string)
	if !ok {
		return "", fmt.Errorf("%w: %s is not a string", ErrTokenRejected, name)
	}
	if len([]rune(s)) > maxLen {
		return "", fmt.Errorf("%w: %s longer than %d", ErrTokenRejected, name, maxLen)
	}
	return s, nil
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
