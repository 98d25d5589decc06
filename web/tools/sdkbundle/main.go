// Command sdkbundle lays out the SDK's release files in the directory the service
// embeds:
//
//   - kustomer-chat.js: the loader, the one URL sites paste, so it keeps its name
//     (and a short cache lifetime);
//   - the files the loader fetches only when a page needs them, each under a
//     content-hashed name so browsers can cache it for a year (Cache-Control:
//     immutable) and a release never mixes old and new: the core
//     (kustomer-chat.HASH.wasm), its JavaScript runtime, wasm_exec.js of the Go that
//     built it (kustomer-chat-core.HASH.js), and the chat panel
//     (kustomer-chat-widget.HASH.js). The loader names each by its plain name, which
//     the bundle replaces with the hashed one;
//   - kustomer-chat.d.ts: the typings, as they are.
//
// Files of an earlier build are removed first. Each file is written with its
// brotli and gzip forms beside it (precompress.go), which the service sends
// to browsers that take them.
//
//	go run ./web/tools/sdkbundle -out DIR -wasm FILE -wasm-exec FILE -widget FILE -loader FILE -typings FILE
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

type inputs struct {
	wasm, wasmExec, widget, loader, typings []byte
}

// lazyFile is a file the loader fetches by name, to be renamed by its content.
type lazyFile struct {
	name string // as the loader source spells it: stem + ext
	data []byte
}

func (in inputs) lazyFiles() []lazyFile {
	return []lazyFile{
		{"kustomer-chat.wasm", in.wasm},
		{"kustomer-chat-core.js", in.wasmExec},
		{"kustomer-chat-widget.js", in.widget},
	}
}

func main() {
	out := flag.String("out", "", "directory to write the release files to")
	wasm := flag.String("wasm", "", "the built .wasm")
	wasmExec := flag.String("wasm-exec", "", "wasm_exec.js of the Go that built it")
	widget := flag.String("widget", "", "the bundled chat panel (an ES module)")
	loader := flag.String("loader", "", "the (minified) loader")
	typings := flag.String("typings", "", "js/kustomer-chat.d.ts")
	flag.Parse()
	var in inputs
	var err error
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{*wasm, &in.wasm}, {*wasmExec, &in.wasmExec}, {*widget, &in.widget}, {*loader, &in.loader}, {*typings, &in.typings}} {
		if err == nil {
			*f.dst, err = os.ReadFile(f.name)
		}
	}
	if err == nil {
		err = release(*out, in)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkbundle:", err)
		os.Exit(1)
	}
}

// release writes the release files into dir, each with its compressed forms.
func release(dir string, in inputs) error {
	names, err := bundle(dir, in)
	for _, name := range names {
		if err == nil {
			err = precompress(name)
		}
	}
	return err
}

// bundle writes the release files into dir and returns their paths.
func bundle(dir string, in inputs) ([]string, error) {
	loader := in.loader
	type file struct {
		name string
		data []byte
	}
	var files []file
	for _, f := range in.lazyFiles() {
		if !bytes.Contains(loader, []byte(f.name)) {
			return nil, fmt.Errorf("the loader does not name %s", f.name)
		}
		sum := sha256.Sum256(f.data)
		ext := filepath.Ext(f.name)
		hashed := strings.TrimSuffix(f.name, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		loader = bytes.ReplaceAll(loader, []byte(f.name), []byte(hashed))
		files = append(files, file{hashed, f.data})
	}
	files = append(files, file{"kustomer-chat.js", loader}, file{"kustomer-chat.d.ts", in.typings})
	if err := removeEarlierBuild(dir); err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := writeAtomic(path, f.data); err != nil {
			return nil, err
		}
		names = append(names, path)
	}
	return names, nil
}

func removeEarlierBuild(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "kustomer-chat") {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
