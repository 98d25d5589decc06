package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestBundleHashesTheCoreAndInlinesWasmExec(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "kustomer-chat.0123456789ab.wasm")
	for _, f := range []string{filepath.Join(dir, ".gitkeep"), stale} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in := inputs{
		wasm:     []byte("\x00asm core v1"),
		wasmExec: []byte("globalThis.Go = class {};"),
		loader:   []byte("fetch(new URL('kustomer-chat.wasm', base));"),
		typings:  []byte("export {};"),
	}
	if _, err := bundle(dir, in); err != nil {
		t.Fatal(err)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	wasm := slices.IndexFunc(names, regexp.MustCompile(`^kustomer-chat\.[0-9a-f]{12}\.wasm$`).MatchString)
	if wasm < 0 || len(names) != 4 || !slices.Contains(names, ".gitkeep") {
		t.Fatalf("files = %v, want .gitkeep, the hashed core, the loader and the typings", names)
	}
	if filepath.Join(dir, names[wasm]) == stale {
		t.Fatal("the stale core survived")
	}
	loader, _ := os.ReadFile(filepath.Join(dir, "kustomer-chat.js"))
	if !strings.HasPrefix(string(loader), "globalThis.Go = class {};\n") || !strings.Contains(string(loader), "new URL('"+names[wasm]+"', base)") {
		t.Fatalf("loader = %q", loader)
	}

	in.wasm = []byte("\x00asm core v2")
	if _, err := bundle(dir, in); err != nil {
		t.Fatal(err)
	}
	loader2, _ := os.ReadFile(filepath.Join(dir, "kustomer-chat.js"))
	if string(loader2) == string(loader) {
		t.Fatal("a new core kept the old name")
	}
}

func TestBundleRefusesALoaderThatDoesNotNameTheCore(t *testing.T) {
	_, err := bundle(t.TempDir(), inputs{loader: []byte("nothing here")})
	if err == nil {
		t.Fatal("want an error")
	}
}
