package sdkassets

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"testing/fstest"
)

var (
	loader = []byte("window.KustomerChat = {};\n")
	core   = bytes.Repeat([]byte("\x00asm-core"), 100)
	gzCore = func() []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(core)
		zw.Close()
		return b.Bytes()
	}()
)

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"kustomer-chat.js":                {Data: loader},
		"kustomer-chat.js.br":             {Data: []byte("BROTLI-LOADER")},
		"kustomer-chat.js.gz":             {Data: []byte("GZIP-LOADER")},
		"kustomer-chat.d.ts":              {Data: []byte("export {};\n")},
		"kustomer-chat.0123abcd.wasm":     {Data: core},
		"kustomer-chat.0123abcd.wasm.gz":  {Data: gzCore},
		"only-brotli.txt":                 {Data: []byte("plain")},
		"only-brotli.txt.br":              {Data: []byte("BR")},
		".gitkeep":                        {Data: nil},
		"nested/wasm_exec.js":             {Data: []byte("// go runtime\n")},
		"kustomer-chat.1234567.wasm":      {Data: core}, // 7 hex digits: not a content hash
		"kustomer-chat.0123abcd.d.ts":     {Data: []byte("export {};\n")},
		"kustomer-chat.0123abcd.wasm.map": {Data: []byte("{}")},
	}
}

func get(t *testing.T, h http.Handler, path, acceptEncoding string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestServe(t *testing.T) {
	h, err := NewHandler(testFS())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path, accept string
		status             int
		body               string // checked when set
		encoding, ctype    string
		cache              string
		vary               bool
	}{
		{name: "brotli preferred", path: "/kustomer-chat.js", accept: "gzip, deflate, br", status: 200, body: "BROTLI-LOADER", encoding: "br", ctype: "text/javascript; charset=utf-8", cache: cacheShort, vary: true},
		{name: "gzip when no br accepted", path: "/kustomer-chat.js", accept: "gzip", status: 200, body: "GZIP-LOADER", encoding: "gzip", ctype: "text/javascript; charset=utf-8", cache: cacheShort, vary: true},
		{name: "br refused with q=0", path: "/kustomer-chat.js", accept: "br;q=0, gzip", status: 200, body: "GZIP-LOADER", encoding: "gzip", ctype: "text/javascript; charset=utf-8", cache: cacheShort, vary: true},
		{name: "raw without Accept-Encoding", path: "/kustomer-chat.js", status: 200, body: string(loader), ctype: "text/javascript; charset=utf-8", cache: cacheShort, vary: true},
		{name: "gzip fallback when no br file", path: "/kustomer-chat.0123abcd.wasm", accept: "br, gzip", status: 200, body: string(gzCore), encoding: "gzip", ctype: "application/wasm", cache: cacheImmutable, vary: true},
		{name: "raw when only br exists and br not accepted", path: "/only-brotli.txt", accept: "gzip", status: 200, body: "plain", ctype: "text/plain; charset=utf-8", cache: cacheShort, vary: true},
		{name: "d.ts", path: "/kustomer-chat.d.ts", accept: "br", status: 200, body: "export {};\n", ctype: "text/javascript; charset=utf-8", cache: cacheShort},
		{name: "hashed d.ts immutable", path: "/kustomer-chat.0123abcd.d.ts", status: 200, ctype: "text/javascript; charset=utf-8", cache: cacheImmutable},
		{name: "short hash is not a hash", path: "/kustomer-chat.1234567.wasm", status: 200, ctype: "application/wasm", cache: cacheShort},
		{name: "source map", path: "/kustomer-chat.0123abcd.wasm.map", status: 200, ctype: "application/json", cache: cacheImmutable},
		{name: "nested", path: "/nested/wasm_exec.js", status: 200, ctype: "text/javascript; charset=utf-8", cache: cacheShort},
		{name: "br not served by name", path: "/kustomer-chat.js.br", status: 404},
		{name: "gz not served by name", path: "/kustomer-chat.0123abcd.wasm.gz", status: 404},
		{name: "dot file hidden", path: "/.gitkeep", status: 404},
		{name: "missing", path: "/nope.js", status: 404},
		{name: "directory", path: "/nested", status: 404},
		{name: "root", path: "/", status: 404},
		{name: "traversal", path: "/../embed.go", status: 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, tc.path, tc.accept)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if tc.status != 200 {
				return
			}
			if tc.body != "" && rec.Body.String() != tc.body {
				t.Fatalf("body %q, want %q", rec.Body.String(), tc.body)
			}
			hd := rec.Header()
			if got := hd.Get("Content-Encoding"); got != tc.encoding {
				t.Fatalf("Content-Encoding %q, want %q", got, tc.encoding)
			}
			if got := hd.Get("Content-Type"); got != tc.ctype {
				t.Fatalf("Content-Type %q, want %q", got, tc.ctype)
			}
			if got := hd.Get("Cache-Control"); got != tc.cache {
				t.Fatalf("Cache-Control %q, want %q", got, tc.cache)
			}
			if got := hd.Get("Content-Length"); got != strconv.Itoa(rec.Body.Len()) {
				t.Fatalf("Content-Length %q for %d bytes", got, rec.Body.Len())
			}
			if got := hd.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Fatalf("Access-Control-Allow-Origin %q", got)
			}
			if got := hd.Get("Vary") == "Accept-Encoding"; got != tc.vary {
				t.Fatalf("Vary %q, want Accept-Encoding: %v", hd.Get("Vary"), tc.vary)
			}
			if hd.Get("ETag") == "" {
				t.Fatal("no ETag")
			}
		})
	}
}

func TestGzipVariantDecodes(t *testing.T) {
	h, _ := NewHandler(testFS())
	rec := get(t, h, "/kustomer-chat.0123abcd.wasm", "gzip")
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if !bytes.Equal(got, core) {
		t.Fatal("gzip variant does not decode to the file")
	}
}

func TestETagPerVariantAndConditionalGet(t *testing.T) {
	h, _ := NewHandler(testFS())
	raw := get(t, h, "/kustomer-chat.js", "").Header().Get("ETag")
	br := get(t, h, "/kustomer-chat.js", "br").Header().Get("ETag")
	if raw == br {
		t.Fatalf("raw and br share ETag %s", raw)
	}
	if rec := get(t, h, "/kustomer-chat.js", "br", "If-None-Match", br); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Fatalf("If-None-Match: status %d, %d bytes", rec.Code, rec.Body.Len())
	}
	if rec := get(t, h, "/kustomer-chat.js", "br", "If-None-Match", raw); rec.Code != http.StatusOK {
		t.Fatalf("stale ETag: status %d", rec.Code)
	}
	// Same content, same tag: the tag comes from the bytes, not the name.
	a := get(t, h, "/kustomer-chat.0123abcd.d.ts", "").Header().Get("ETag")
	b := get(t, h, "/kustomer-chat.d.ts", "").Header().Get("ETag")
	if a != b {
		t.Fatalf("same content, ETags %s and %s", a, b)
	}
}

func TestHeadAndMethods(t *testing.T) {
	h, _ := NewHandler(testFS())
	req := httptest.NewRequest(http.MethodHead, "/kustomer-chat.js", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != strconv.Itoa(len(loader)) {
		t.Fatalf("HEAD: %d, body %d, Content-Length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
	req = httptest.NewRequest(http.MethodPost, "/kustomer-chat.js", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", rec.Code)
	}
}

func TestEmbeddedDistLoads(t *testing.T) {
	if _, err := NewHandler(Dist()); err != nil {
		t.Fatal(err)
	}
}
