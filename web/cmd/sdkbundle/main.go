// Command sdkbundle lays out the SDK's release files in the directory the service
// embeds:
//
//   - kustomer-chat.HASH.wasm: the core under a content-hashed name, so browsers can
//     cache it for a year (Cache-Control: immutable) and a release never serves a
//     stale core;
//   - kustomer-chat.js: wasm_exec.js followed by the loader, which names that hashed
//     file. One request instead of two, and no script element inserted by the loader,
//     which would delay the host page's load event;
//   - kustomer-chat.d.ts: the typings, as they are.
//
// Files of an earlier build are removed first. Compression is precompress's job.
//
//	go run ./web/cmd/sdkbundle -out DIR -wasm FILE -wasm-exec FILE -loader FILE -typings FILE
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// wasmName is how the loader source names the core; the bundle replaces it.
const wasmName = "kustomer-chat.wasm"

type inputs struct {
	wasm, wasmExec, loader, typings []byte
}

func main() {
	out := flag.String("out", "", "directory to write the release files to")
	wasm := flag.String("wasm", "", "the built .wasm")
	wasmExec := flag.String("wasm-exec", "", "wasm_exec.js of the Go that built it")
	loader := flag.String("loader", "", "js/kustomer-chat.js")
	typings := flag.String("typings", "", "js/kustomer-chat.d.ts")
	flag.Parse()
	var in inputs
	var err error
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{*wasm, &in.wasm}, {*wasmExec, &in.wasmExec}, {*loader, &in.loader}, {*typings, &in.typings}} {
		if err == nil {
			*f.dst, err = os.ReadFile(f.name)
		}
	}
	if err == nil {
		var names []string
		names, err = bundle(*out, in)
		fmt.Println(strings.Join(names, "\n"))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkbundle:", err)
		os.Exit(1)
	}
}

// bundle writes the release files into dir and returns their paths.
func bundle(dir string, in inputs) ([]string, error) {
	if !bytes.Contains(in.loader, []byte(wasmName)) {
		return nil, errors.New("the loader does not name " + wasmName)
	}
	if err := removeEarlierBuild(dir); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(in.wasm)
	hashed := "kustomer-chat." + hex.EncodeToString(sum[:])[:12] + ".wasm"
	loader := bytes.ReplaceAll(in.loader, []byte(wasmName), []byte(hashed))
	files := []struct {
		name string
		data []byte
	}{
		{hashed, in.wasm},
		{"kustomer-chat.js", append(append(append([]byte{}, in.wasmExec...), '\n'), loader...)},
		{"kustomer-chat.d.ts", in.typings},
	}
	var names []string
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
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
		if strings.HasPrefix(e.Name(), "kustomer-chat.") {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
