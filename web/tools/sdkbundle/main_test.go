package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var testLoader = []byte(`fetch(new URL('kustomer-chat.wasm', base)); import(new URL('kustomer-chat-core.js', base));
import(new URL('kustomer-chat-widget.js', base)); document.querySelector('script[src*="kustomer-chat.js"]');`)

func TestBundleNamesEachLazyFileByItsContent(t *testing.T) {
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
		widget:   []byte("export function mount() {}"),
		loader:   testLoader,
		typings:  []byte("export {};"),
	}
	if _, err := bundle(dir, in); err != nil {
		t.Fatal(err)
	}
	names := list(t, dir)
	want := []string{`^\.gitkeep$`, `^kustomer-chat\.[0-9a-f]{12}\.wasm$`, `^kustomer-chat-core\.[0-9a-f]{12}\.js$`,
		`^kustomer-chat-widget\.[0-9a-f]{12}\.js$`, `^kustomer-chat\.js$`, `^kustomer-chat\.d\.ts$`}
	if len(names) != len(want) {
		t.Fatalf("files = %v", names)
	}
	loader, _ := os.ReadFile(filepath.Join(dir, "kustomer-chat.js"))
	for _, w := range want {
		i := slices.IndexFunc(names, regexp.MustCompile(w).MatchString)
		if i < 0 {
			t.Fatalf("files = %v, missing %s", names, w)
		}
		if strings.Contains(w, "{12}") && !strings.Contains(string(loader), "'"+names[i]+"'") {
			t.Fatalf("the loader does not name %s: %s", names[i], loader)
		}
	}
	if slices.Contains(names, filepath.Base(stale)) {
		t.Fatal("the stale core survived")
	}
	if !strings.Contains(string(loader), `src*="kustomer-chat.js"`) {
		t.Fatal("the loader's own name was rewritten")
	}

	in.widget = []byte("export function mount() { /* v2 */ }")
	if _, err := bundle(dir, in); err != nil {
		t.Fatal(err)
	}
	loader2, _ := os.ReadFile(filepath.Join(dir, "kustomer-chat.js"))
	if string(loader2) == string(loader) {
		t.Fatal("a new widget kept the old name")
	}
	if n := len(list(t, dir)); n != len(want) {
		t.Fatalf("%d files after a rebuild, want %d", n, len(want))
	}
}

func TestBundleRefusesALoaderThatDoesNotNameEveryLazyFile(t *testing.T) {
	dir := t.TempDir()
	_, err := bundle(dir, inputs{loader: []byte("fetch('kustomer-chat.wasm')")})
	if err == nil || !strings.Contains(err.Error(), "kustomer-chat-core.js") {
		t.Fatalf("err = %v, want one naming kustomer-chat-core.js", err)
	}
	if len(list(t, dir)) != 0 {
		t.Fatal("a refused bundle wrote files")
	}
}

func list(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// Every release file gets its brotli and gzip forms beside it.
func TestReleaseCompressesEveryFile(t *testing.T) {
	dir := t.TempDir()
	in := inputs{wasm: []byte("\x00asm"), wasmExec: []byte("Go"), widget: []byte("export {}"), loader: testLoader, typings: []byte("export {};")}
	if err := release(dir, in); err != nil {
		t.Fatal(err)
	}
	names := list(t, dir)
	if len(names) != 5*3 {
		t.Fatalf("files = %v, want 5 files and their .br and .gz", names)
	}
	for _, n := range names {
		if ext := filepath.Ext(n); ext != ".br" && ext != ".gz" && (!slices.Contains(names, n+".br") || !slices.Contains(names, n+".gz")) {
			t.Errorf("%s has no .br or .gz beside it", n)
		}
	}
}
