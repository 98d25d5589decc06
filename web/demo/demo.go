// Package demo is the page the service shows at / : a working integration of
// the SDK that a site team can read in one file and try against the service
// started with -dev.
package demo

import (
	_ "embed"
	"net/http"
)

//go:embed index.html
var page []byte

// Handler serves the demo page.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		w.Write(page)
	})
}
