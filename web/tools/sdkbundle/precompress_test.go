package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestPrecompressRoundTrips(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "kustomer-chat.js")
	data := bytes.Repeat([]byte("KustomerChat.logIn(jwt);\n"), 400)
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := precompress(name); err != nil {
		t.Fatal(err)
	}
	br, err := os.ReadFile(name + ".br")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(brotli.NewReader(bytes.NewReader(br)))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("brotli round trip: %v", err)
	}
	gz, err := os.ReadFile(name + ".gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("gzip round trip: %v", err)
	}
	if len(br) >= len(data)/10 || len(gz) >= len(data)/10 {
		t.Fatalf("repetitive input barely compressed: br %d, gz %d of %d", len(br), len(gz), len(data))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Fatalf("left %d files behind, want 3", len(entries))
	}
}

func TestPrecompressMissingFile(t *testing.T) {
	if err := precompress(filepath.Join(t.TempDir(), "absent.js")); err == nil {
		t.Fatal("no error for a missing file")
	}
}
