package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var testSecret = []byte("test-secret-of-at-least-32-bytes!!")

// parse verifies token the way the chat service does: HS256 only.
func parse(t *testing.T, token string, secret []byte) (jwt.MapClaims, error) {
	t.Helper()
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims,
		func(*jwt.Token) (any, error) { return secret, nil },
		jwt.WithValidMethods([]string{"HS256"}))
	return claims, err
}

func TestSignLoginToken(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name, email, externalID string
	}{
		{"email", "ann@example.com", ""},
		{"externalId", "", "u-1"},
		{"both", "ann@example.com", "u-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token, err := signLoginToken(testSecret, tc.email, tc.externalID, now)
			if err != nil {
				t.Fatal(err)
			}
			claims, err := parse(t, token, testSecret)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if iat, _ := claims["iat"].(float64); int64(iat) != now.Unix() {
				t.Errorf("iat = %v, want %d", claims["iat"], now.Unix())
			}
			for key, want := range map[string]string{"email": tc.email, "externalId": tc.externalID} {
				got, present := claims[key]
				if want == "" && present {
					t.Errorf("%s present (%v), want absent", key, got)
				}
				if want != "" && got != want {
					t.Errorf("%s = %v, want %q", key, got, want)
				}
			}

			if _, err := parse(t, token, []byte("another-secret")); !errors.Is(err, jwt.ErrTokenSignatureInvalid) {
				t.Errorf("wrong secret: err = %v, want ErrTokenSignatureInvalid", err)
			}
		})
	}
}

func TestSignLoginTokenRefusesMissingInput(t *testing.T) {
	if _, err := signLoginToken(testSecret, "", "", time.Now()); err == nil {
		t.Error("no email or externalId: want error")
	}
	if _, err := signLoginToken(nil, "ann@example.com", "", time.Now()); err == nil {
		t.Error("empty secret: want error")
	}
}

func TestLoginTokenEndpoint(t *testing.T) {
	now := time.Now()
	mux := newMux([]byte("<p>page</p>"), testSecret, func() time.Time { return now })

	post := func(contentType, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/login-token", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}

	rec := post("application/json", `{"email": " ann@example.com "}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var body struct{ JWT string }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	claims, err := parse(t, body.JWT, testSecret)
	if err != nil || claims["email"] != "ann@example.com" {
		t.Errorf("claims %v, err %v", claims, err)
	}

	for _, tc := range []struct {
		contentType, body string
		want              int
	}{
		{"text/plain", `{"email": "ann@example.com"}`, http.StatusUnsupportedMediaType},
		{"application/json", `{"email": `, http.StatusBadRequest},
		{"application/json", `{}`, http.StatusBadRequest},
	} {
		if rec := post(tc.contentType, tc.body); rec.Code != tc.want {
			t.Errorf("%s %s: status %d, want %d", tc.contentType, tc.body, rec.Code, tc.want)
		}
	}
}
