// Command go-backend is a tiny site backend for the Kustomer Chat SDK: it serves
// the script-tag example page and mints the login JWTs the page hands to
// KustomerChat.logIn. Run it from the repository root:
//
//	go run ./examples/go-backend
package main

import (
	"encoding/json"
	"errors"
	"html"
	"log"
	"mime"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The page is read from disk rather than embedded because it lives outside this
// package and is shared with examples/node-backend.
const pagePath = "examples/script-tag/index.html"

func main() {
	secret := os.Getenv("KUSTOMER_CHAT_JWT_SECRET")
	apiKey := os.Getenv("KUSTOMER_CHAT_API_KEY")
	if secret == "" || apiKey == "" {
		log.Fatal("set KUSTOMER_CHAT_API_KEY and KUSTOMER_CHAT_JWT_SECRET (`make run` prints the development pair)")
	}
	serverURL := strings.TrimRight(envOr("KUSTOMER_CHAT_SERVER_URL", "http://127.0.0.1:8080"), "/")

	template, err := os.ReadFile(pagePath)
	if err != nil {
		log.Fatalf("%v (run from the repository root)", err)
	}
	page := strings.NewReplacer(
		"{{SERVER_URL}}", html.EscapeString(serverURL),
		"{{API_KEY}}", html.EscapeString(apiKey),
	).Replace(string(template))

	// Loopback only: this demo signs a token for whatever email it is sent, so it
	// must not be reachable from other machines.
	addr := net.JoinHostPort("127.0.0.1", envOr("PORT", "3000"))
	log.Printf("site backend on http://%s (chat service %s)", addr, serverURL)
	log.Fatal(http.ListenAndServe(addr, newMux([]byte(page), []byte(secret), time.Now)))
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func newMux(page, secret []byte, now func() time.Time) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	mux.HandleFunc("POST /login-token", func(w http.ResponseWriter, r *http.Request) {
		// Requiring JSON makes a cross-site request need a CORS preflight, which
		// this server never grants, so other sites cannot mint tokens here.
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
			writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send application/json"})
			return
		}
		// DEMO ONLY: a real site takes the email or externalId of the signed-in
		// user from ITS OWN session, never from the request — otherwise anyone
		// could log in to the chat as anyone.
		var user struct {
			Email      string `json:"email"`
			ExternalID string `json:"externalId"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&user); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON body"})
			return
		}
		token, err := signLoginToken(secret, strings.TrimSpace(user.Email), strings.TrimSpace(user.ExternalID), now())
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		// The token is a credential: never logged, never cached.
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, map[string]string{"jwt": token})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// signLoginToken returns the compact HS256 JWS that KustomerChat.logIn expects:
// payload {email?, externalId?, iat}. The chat service refuses tokens whose iat
// is over 15 minutes old, so mint one per login, right before it is used.
func signLoginToken(secret []byte, email, externalID string, now time.Time) (string, error) {
	if len(secret) == 0 {
		return "", errors.New("empty signing secret")
	}
	if email == "" && externalID == "" {
		return "", errors.New("email or externalId required")
	}
	claims := jwt.MapClaims{"iat": now.Unix()}
	if email != "" {
		claims["email"] = email
	}
	if externalID != "" {
		claims["externalId"] = externalID
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}
