// Package demo is the site the service shows with -dev: a small shop at / that
// embeds the chat the way a customer's site would (the pre-load snippet, the script
// tag, logIn on sign-in, logOut on sign-out), and a developer console at /console
// that calls every method of the API. Both pages run under a strict Content
// Security Policy, the one the README tells sites they need, so the demo proves it.
package demo

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed *.html static
var files embed.FS

// snippet is js/kustomer-chat-snippet.js, the pre-load snippet of the README,
// inlined into the pages; demo_test.go checks that the copy is the same.
//
//go:embed kustomer-chat-snippet.js
var snippetFile string

var (
	snippet = strings.TrimSpace(snippetFile)
	pages   = template.Must(template.ParseFS(files, "*.html"))
	static  = must(fs.Sub(files, "static"))
	// The CSP of a site that embeds the chat, with the service on the site's own
	// origin ('self'): the service's origin and 'wasm-unsafe-eval' for scripts, the
	// service's origin for connections, the snippet's hash; no 'unsafe-inline'
	// and no 'unsafe-eval'.
	csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' '" + hash(snippet) + "'; " +
		"connect-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; " +
		"form-action 'self'; frame-ancestors 'none'"
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// hash is the CSP source expression that allows exactly this inline script.
func hash(script string) string {
	sum := sha256.Sum256([]byte(script))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// AgentEmail is the demo agent's, which the service makes with -dev (its
// password, new each start, is printed in the banner); the shop names it next to
// its link to the inbox.
const AgentEmail = "agent@example.com"

// page is what the templates see.
type page struct {
	// APIKey is the org's public key for the script tag.
	APIKey     string
	Snippet    template.JS
	AgentEmail string
}

// Handler serves the shop at /, the console at /console and their files under
// /demo/. apiKey goes into the pages' script tags. The service mounts it only with
// -dev: the pages need the development routes (/v1/dev/...).
func Handler(apiKey string) http.Handler {
	data := page{APIKey: apiKey, Snippet: template.JS(snippet), AgentEmail: AgentEmail}
	shop := render("shop.html", data)
	console := render("console.html", data)
	assets := http.StripPrefix("/demo", http.FileServerFS(static))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		switch {
		case r.URL.Path == "/":
			writePage(w, shop)
		case r.URL.Path == "/console":
			writePage(w, console)
		case strings.HasPrefix(r.URL.Path, "/demo/") && path.Ext(r.URL.Path) != "":
			assets.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

func render(name string, data page) []byte {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func writePage(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("Referrer-Policy", "no-referrer")
	w.Write(body)
}
