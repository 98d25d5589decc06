package sdkassets

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// A name carrying a content hash (kustomer-chat.1a2b3c4d.wasm) never changes
// content, so browsers may keep it for a year; other names (the loader, whose
// URL sites paste into their pages) must pick up a new release within minutes.
var hashedName = regexp.MustCompile(`\.[0-9a-fA-F]{8,}\.[A-Za-z0-9]+(\.[A-Za-z0-9]+)?$`)

const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheShort     = "public, max-age=300"
)

type variant struct {
	data []byte
	etag string
}

type asset struct {
	contentType string
	cache       string
	raw         variant
	br, gz      *variant
}

// Handler serves the files of fsys by their slash-separated path relative to
// the URL path's root (mount it under /sdk/ with http.StripPrefix). It reads
// and hashes every file once, up front: the SDK is a handful of files and the
// embedded FS is in memory anyway.
type Handler struct {
	assets map[string]*asset
}

// NewHandler indexes fsys. Dot files are skipped; NAME.br and NAME.gz are only
// ever served as encodings of NAME.
func NewHandler(fsys fs.FS) (*Handler, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && name != "." {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		files[name] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sdkassets: %w", err)
	}
	h := &Handler{assets: map[string]*asset{}}
	for name, data := range files {
		if strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz") {
			continue
		}
		a := &asset{contentType: contentType(name), cache: cacheShort, raw: newVariant(data, "")}
		if hashedName.MatchString(path.Base(name)) {
			a.cache = cacheImmutable
		}
		if br, ok := files[name+".br"]; ok {
			v := newVariant(br, "br")
			a.br = &v
		}
		if gz, ok := files[name+".gz"]; ok {
			v := newVariant(gz, "gz")
			a.gz = &v
		}
		h.assets[name] = a
	}
	return h, nil
}

func newVariant(data []byte, suffix string) variant {
	sum := sha256.Sum256(data)
	tag := hex.EncodeToString(sum[:12])
	if suffix != "" {
		tag += "-" + suffix
	}
	return variant{data: data, etag: `"` + tag + `"`}
}

func contentType(name string) string {
	switch {
	case strings.HasSuffix(name, ".wasm"):
		return "application/wasm"
	case strings.HasSuffix(name, ".js"), strings.HasSuffix(name, ".mjs"), strings.HasSuffix(name, ".d.ts"):
		return "text/javascript; charset=utf-8"
	case strings.HasSuffix(name, ".map"), strings.HasSuffix(name, ".json"):
		return "application/json"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	a, ok := h.assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	v, encoding := a.raw, ""
	if a.br != nil && accepts(r, "br") {
		v, encoding = *a.br, "br"
	} else if a.gz != nil && accepts(r, "gzip") {
		v, encoding = *a.gz, "gzip"
	}
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("Cache-Control", a.cache)
	hd.Set("ETag", v.etag)
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("X-Content-Type-Options", "nosniff")
	if a.br != nil || a.gz != nil {
		hd.Add("Vary", "Accept-Encoding")
	}
	if encoding != "" {
		hd.Set("Content-Encoding", encoding)
	}
	if etagMatches(r.Header.Get("If-None-Match"), v.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	// Set by hand: http.ServeContent leaves Content-Length out whenever
	// Content-Encoding is set, and the length of the encoded bytes is exact.
	hd.Set("Content-Length", strconv.Itoa(len(v.data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(v.data)
	}
}

// etagMatches implements If-None-Match's weak comparison.
func etagMatches(header, etag string) bool {
	for _, candidate := range strings.Split(header, ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == "*" || candidate == etag {
			return true
		}
	}
	return false
}

// accepts reports whether Accept-Encoding lists coding with a non-zero q.
func accepts(r *http.Request, coding string) bool {
	for _, header := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(header, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(name), coding) {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return !(q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000")
		}
	}
	return false
}
