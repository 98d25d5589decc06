package auth

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

func TestVerifyRefusesWhatIsNotStrict(t *testing.T) {
	claims := fmt.Sprintf(`{"email":"a@b.c","iat":%d}`, now.Unix())
	valid := hs256(claims)
	dot := strings.Index(valid, ".")
	cases := map[string]string{
		"crit header":             raw(`{"alg":"HS256","crit":["exp"]}`, claims, sha256.New, secret),
		"empty crit header":       raw(`{"alg":"HS256","crit":[]}`, claims, sha256.New, secret),
		"claims invalid UTF-8":    hs256(fmt.Sprintf("{\"email\":\"a\xff@b.c\",\"iat\":%d}", now.Unix())),
		"claim lone surrogate":    hs256(fmt.Sprintf(`{"email":"a@b.c","externalId":"\ud800","iat":%d}`, now.Unix())),
		"unknown claim bad UTF-8": hs256(fmt.Sprintf("{\"email\":\"a@b.c\",\"x\":\"\xff\",\"iat\":%d}", now.Unix())),
		"email claim twice":       hs256(fmt.Sprintf(`{"email":"a@b.c","email":"boss@b.c","iat":%d}`, now.Unix())),
		"EMAIL is not email":      hs256(fmt.Sprintf(`{"EMAIL":"a@b.c","iat":%d}`, now.Unix())),
		"IAT is not iat":          hs256(`{"email":"a@b.c","IAT":1800000000}`),
		"email with NBSP":         hs256(fmt.Sprintf(`{"email":"a@b.c\u00a0x","iat":%d}`, now.Unix())),
		"email with NEL":          hs256(fmt.Sprintf(`{"email":"a\u0085@b.c","iat":%d}`, now.Unix())),
		"email with ZWSP":         hs256(fmt.Sprintf(`{"email":"a\u200b@b.c","iat":%d}`, now.Unix())),
		"email with a space":      hs256(fmt.Sprintf(`{"email":"a b@c.d","iat":%d}`, now.Unix())),
		"exp a numeric string":    hs256(fmt.Sprintf(`{"email":"a@b.c","iat":%d,"exp":"%d"}`, now.Unix(), now.Unix()+60)),
		"leading space":           " " + valid,
		"trailing newline":        valid + "\n",
		"CRLF in the payload":     valid[:dot+5] + "\r\n" + valid[dot+5:],
		"tab before a dot":        valid[:dot] + "\t" + valid[dot:],
		"padding":                 valid + "=",
	}
	for name, token := range cases {
		if _, err := Verify(token, secret, now); !errors.Is(err, ErrTokenRejected) {
			t.Errorf("%s: err = %v, want rejected", name, err)
		}
	}
	// An email that only folds to another under Unicode rules stays itself.
	c, err := Verify(hs256(fmt.Sprintf(`{"email":" \u212Aate@B.c\t","iat":%d}`, now.Unix())), secret, now)
	if err != nil || c.Email != "\u212Aate@b.c" {
		t.Fatalf("Kelvin sign email: %+v, %v", c, err)
	}
}

// FuzzVerify signs whatever header and claims it is given, so the claim checks
// run on every input, not only on those with a forged signature: an accepted
// token has a canonical email or an externalId, and a fresh enough iat.
func FuzzVerify(f *testing.F) {
	f.Add(`{"alg":"HS256","typ":"JWT"}`, fmt.Sprintf(`{"email":"A@b.c","iat":%d}`, now.Unix()))
	f.Add(`{"alg":"HS256"}`, fmt.Sprintf(`{"externalId":"u","iat":%d,"exp":%d,"nbf":%d}`, now.Unix(), now.Unix()+9, now.Unix()))
	f.Add(`{"alg":"HS256","crit":["b64"]}`, `{"email":"a@b.c","iat":1800000000.5}`)
	f.Add(`{"alg":"none"}`, `{"email":"a\u00a0@b.c","iat":"1800000000"}`)
	f.Fuzz(func(t *testing.T, header, claims string) {
		token := raw(header, claims, sha256.New, secret)
		c, err := Verify(token, secret, now)
		if err != nil {
			if !errors.Is(err, ErrTokenRejected) && !errors.Is(err, ErrTokenExpired) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if !utf8.ValidString(claims) || strings.Contains(header, `"crit"`) {
			t.Fatalf("accepted header %q claims %q", header, claims)
		}
		if canon, err := contract.Email(c.Email); err != nil || canon != c.Email {
			t.Fatalf("email %q not canonical", c.Email)
		}
		if c.Email == "" && c.ExternalID == "" || now.Sub(c.IssuedAt) > MaxAge || c.IssuedAt.Sub(now) > ClockSkew {
			t.Fatalf("accepted %+v", c)
		}
		// The same token with a line break in it is refused.
		if _, err := Verify(token[:1]+"\n"+token[1:], secret, now); err == nil {
			t.Fatal("accepted a token with a line break")
		}
	})
}
