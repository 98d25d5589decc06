// Package agentui is the agent inbox's page: index.html at /agent/ and its ES
// modules and stylesheet under /agent/static/, embedded in the binary. The page
// has no build step; what it does it does through /agent/api/.
package agentui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"
	"path"
	"time"

	"github.com/kustomer-chat/kustomer-chat/js/widget"
)

//go:embed index.html static
var files embed.FS

type file struct {
	contentType string
	etag        string
	data        []byte
}

// Handler serves GET /agent/ (the page) and GET /agent/static/<name> (its files);
// mount it on those two patterns. /agent/static/dom.js is the widget's own
// js/widget/dom.js.
//
// The names carry no content hash (the modules import each other by plain
// name), so every file is Cache-Control: no-cache with an ETag: a browser
// revalidates, and a new release is picked up on the next load.
func Handler() http.Handler {
	byPath := map[string]file{"/agent/static/dom.js": newFile("dom.js", widget.DOM)}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		urlPath := "/agent/" + name
		if name == "index.html" {
			urlPath = "/agent/"
		}
		byPath[urlPath] = newFile(name, data)
		return nil
	})
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := byPath[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
	})
}

func newFile(name string, data []byte) file {
	sum := sha256.Sum256(data)
	return file{contentType: contentType(name), etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`, data: data}
}

// types are the page's file types, by hand: mime.TypeByExtension reads the
// host's tables, where .js may be application/javascript or missing, and an ES
// module needs a JavaScript type.
var types = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
}

func contentType(name string) string {
	if t, ok := types[path.Ext(name)]; ok {
		return t
	}
	return "application/octet-stream"
}
