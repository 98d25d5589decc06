package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

var (
	secret = []byte("0123456789abcdef0123456789abcdef")
	now    = time.Unix(1_800_000_000, 0)
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// raw builds a token by hand so a test can put anything in the header and payload.
func raw(header, payload string, h func() hash.Hash, key []byte) string {
	signing := b64(header) + "." + b64(payload)
	if h == nil {
		return signing + "."
	}
	mac := hmac.New(h, key)
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func hs256(payload string) string {
	return raw(`{"alg":"HS256","typ":"JWT"}`, payload, sha256.New, secret)
}

func iat(d time.Duration) int64 { return now.Add(d).Unix() }

func TestVerify(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	es256, err := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"email": "a@b.c", "iat": now.Unix()}).SignedString(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	valid := hs256(fmt.Sprintf(`{"email":"a@b.c","iat":%d}`, now.Unix()))
	parts := strings.Split(valid, ".")

	cases := []struct {
		name    string
		token   string
		secret  []byte
		want    error // nil: accepted
		email   string
		extID   string
		checkAt time.Time
	}{
		{name: "email", token: valid, email: "a@b.c"},
		{name: "externalId", token: hs256(fmt.Sprintf(`{"externalId":"u-1","iat":%d}`, now.Unix())), extID: "u-1"},
		{name: "both, email canonical", token: hs256(fmt.Sprintf(`{"email":"  Ann@Example.com ","externalId":"u-1","iat":%d}`, now.Unix())), email: "ann@example.com", extID: "u-1"},
		{name: "null email with externalId", token: hs256(fmt.Sprintf(`{"email":null,"externalId":"u-1","iat":%d}`, now.Unix())), extID: "u-1"},
		{name: "iat exactly 15 min old", token: hs256(fmt.Sprintf(`{"email":"a@b.c","iat":%d}`, iat(-15*time.Minute))), email: "a@b.c"},
		{name: "iat 59 s ahead", token: hs256(fmt.Sprintf(`{"email":"a@b.c","iat":%d}`, iat(59*time.Second))), email: "a@b.c"},
		{name: "exp passed within skew", token: hs256(fmt.Sprintf(`{"email":"a@b.c","iat":%d,"exp":%d}`, iat(-time.Minute), iat(-30*time.Second))), email: "a@b.c"},
		{name: "email 254 chars", token: hs256(fmt.Sprintf(`{"email":"%s","iat":%d}`, strings.Repeat("e", 254), now.Unix())), email: strings.Repeat("e", 254)},
		{name: "externalId 255 chars", token: hs256(fmt.Sprintf(`{"externalId":"%s","iat":%d}`, strings.Repeat("x", 255), now.Unix())), extID: strings.Repeat("x", 255)},

		{name: "empty token", token: "", want: ErrTokenRejected},
		{name: "over 8 KiB", token: hs256(fmt.Sprintf(`{"email":"a@b.c","iat":%d,"pad":"%s"}`, now.Unix(), strings.Repeat("p", 8<<10))), want: ErrTokenRejected},
		{name: "two segments", token: parts[0] + "." + parts[1], want: ErrTokenRejected},
		{name: "garbage", token: "not.a.jwt", want: ErrTokenRejected},
		{name: "header not JSON", token: b64("{") + "." + parts[1] + "." + parts[2], want: ErrTokenRejected},
		{name: "payload not JSON", token: raw(`{"alg":"HS256"}`, `not json`, sha256.New, secret), want: ErrTokenRejected},
		{name: "payload not an object", token: raw(`{"alg":"HS256"}`, `[1,2]`, sha256.New, secret), want: ErrTokenRejected},
		{name: "alg none", token: raw(`{"alg":"none","typ":"JWT"}`, fmt.Sprintf(`{"email":"a@b.c","iat":%d}`, now.Unix()), nil, nil), want: ErrTokenRejected},
		{name: "alg None with HS256 signature", token: raw(`{"alg":"None"}`, fmt.Sprintf(`{"email":"a@b.c","iat":%d}`, now.Unix()), sha256.New, secret), want: ErrTokenRejected},
		{name: "alg missing", token: raw(`{"typ":"JWT"}`, fmt.Sprintf(`{"email":"a@b.c","iat":%d}`, now.Unix()), sha256.New, secret), want: ErrTokenRejected},
		{name: "alg lower case hs256", token: raw(`{"alg":"hs256"}`, fmt.Sprintf(`{"email":"a@b.c","iat":%d}`, now.Unix()), sha256.New, secret), want: ErrTokenRejected},
		{name: "alg HS384", token: raw(`{"alg":"HS384"}`, fmt.Sprintf(`{"email":"a@b.c","iat":%d}`, now.Unix()), sha512.New384, secret), want: ErrTokenRejected},
		{name: "alg HS512", token: raw(`{"alg":"HS512"}`, fmt.Sprintf(`{"email":"a@b.c","iat":%d}`, now.Unix()), sha512.New, secret), want: ErrTokenRejected},
		{name: "alg ES256", token: es256, want: ErrTokenRejected},
		{name: "wrong secret", token: raw(`{"alg":"HS256"}`, fmt.Sprintf(`{"email":"a@b.c","iat":%d}`, now.Unix()), sha256.New, []byte("another secret")), want: ErrTokenRejected},
		{name: "payload tampered", token: parts[0] + "." + b64(fmt.Sprintf(`{"email":"boss@b.c","iat":%d}`, now.Unix())) + "." + parts[2], want: ErrTokenRejected},
		{name: "signature stripped", token: parts[0] + "." + parts[1] + ".", want: ErrTokenRejected},
		{name: "no secret configured", token: valid, secret: []byte{}, want: ErrTokenRejected},
		{name: "iat missing", token: hs256(`{"email":"a@b.c"}`), want: ErrTokenRejected},
		{name: "iat null", token: hs256(`{"email":"a@b.c","iat":null}`), want: ErrTokenRejected},
		{name: "iat a string", token: hs256(fmt.Sprintf(`{"email":"a@b.c","iat":"%d"}`, now.Unix())), want: ErrTokenRejected},
		{name: "iat negative", token: hs256(`{"email":"a@b.c","iat":-5}`), want: ErrTokenRejected},
		{name: "iat 15 min 1 s old", token: hs256(fmt.Sprintf(`{"email":"a@b.c","iat":%d}`, iat(-15*time.Minute-time.Second))), want: ErrTokenExpired},
		{name: "iat 61 s ahead", token: hs256(fmt.Sprintf(`{"email":"a@b.c","iat":%d}`, iat(61*time.Second))), want: ErrTokenRejected},
		{name: "exp passed beyond skew", token: hs256(fmt.Sprintf(`{"email":"a@b.c","iat":%d,"exp":%d}`, iat(-2*time.Minute), iat(-61*time.Second))), want: ErrTokenExpired},
		{name: "exp a string", token: hs256(fmt.Sprintf(`{"email":"a@b.c","iat":%d,"exp":"later"}`, now.Unix())), want: ErrTokenRejected},
		{name: "nbf in the future", token: hs256(fmt.Sprintf(`{"email":"a@b.c","iat":%d,"nbf":%d}`, now.Unix(), iat(5*time.Minute))), want: ErrTokenRejected},
		{name: "no email nor externalId", token: hs256(fmt.Sprintf(`{"sub":"u-1","iat":%d}`, now.Unix())), want: ErrTokenRejected},
		{name: "empty email and externalId", token: hs256(fmt.Sprintf(`{"email":"  ","externalId":"","iat":%d}`, now.Unix())), want: ErrTokenRejected},
		{name: "email a number", token: hs256(fmt.Sprintf(`{"email":42,"iat":%d}`, now.Unix())), want: ErrTokenRejected},
		{name: "email an array", token: hs256(fmt.Sprintf(`{"email":["a@b.c"],"iat":%d}`, now.Unix())), want: ErrTokenRejected},
		{name: "externalId a number", token: hs256(fmt.Sprintf(`{"externalId":42,"iat":%d}`, now.Unix())), want: ErrTokenRejected},
		{name: "externalId an object with valid email", token: hs256(fmt.Sprintf(`{"email":"a@b.c","externalId":{"id":1},"iat":%d}`, now.Unix())), want: ErrTokenRejected},
		{name: "email 255 chars", token: hs256(fmt.Sprintf(`{"email":"%s","iat":%d}`, strings.Repeat("e", 255), now.Unix())), want: ErrTokenRejected},
		{name: "externalId 256 chars", token: hs256(fmt.Sprintf(`{"externalId":"%s","iat":%d}`, strings.Repeat("x", 256), now.Unix())), want: ErrTokenRejected},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := secret
			if tc.secret != nil {
				key = tc.secret
			}
			c, err := Verify(tc.token, key, now)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				if tc.want == ErrTokenRejected && errors.Is(err, ErrTokenExpired) {
					t.Fatalf("err = %v is also expired", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("rejected a good token: %v", err)
			}
			if c.Email != tc.email || c.ExternalID != tc.extID {
				t.Fatalf("claims = %+v, want email %q externalId %q", c, tc.email, tc.extID)
			}
			if c.IssuedAt.IsZero() {
				t.Fatal("IssuedAt not set")
			}
		})
	}
}

// A site's backend uses whatever JWT library it likes; tokens from an
// independent implementation must verify.
func TestVerifyAcceptsGoJose(t *testing.T) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	for _, payload := range []string{
		fmt.Sprintf(`{"email":"carol@example.com","externalId":"c-7","iat":%d,"exp":%d}`, now.Unix(), iat(10*time.Minute)),
		fmt.Sprintf(`{"externalId":"bob-42","iat":%d.5}`, iat(-time.Minute)),
	} {
		obj, err := signer.Sign([]byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		token, err := obj.CompactSerialize()
		if err != nil {
			t.Fatal(err)
		}
		c, err := Verify(token, secret, now)
		if err != nil {
			t.Fatalf("go-jose token %s rejected: %v", payload, err)
		}
		if c.ExternalID == "" {
			t.Fatalf("claims = %+v", c)
		}
		if _, err := Verify(token, []byte("wrong"), now); !errors.Is(err, ErrTokenRejected) {
			t.Fatalf("go-jose token with wrong secret: %v", err)
		}
	}
}

func TestSignRoundTrip(t *testing.T) {
	token, err := Sign(Claims{Email: "ann@example.com", ExternalID: "a-1", IssuedAt: now}, secret)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Verify(token, secret, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if c.Email != "ann@example.com" || c.ExternalID != "a-1" || !c.IssuedAt.Equal(now) {
		t.Fatalf("claims = %+v", c)
	}
}
