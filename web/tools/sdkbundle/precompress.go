package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/andybalholm/brotli"
)

// precompress writes FILE.br and FILE.gz next to FILE, at the strongest
// settings browsers can decode, so the service can send the SDK
// precompressed without compressing on every request.
func precompress(name string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	br, err := compress(data, func(w io.Writer) (io.WriteCloser, error) {
		// 24 is the largest window the standard brotli format (and so every
		// browser) accepts; the "large window" extension is not decodable.
		return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: 24}), nil
	})
	if err != nil {
		return fmt.Errorf("%s: brotli: %w", name, err)
	}
	gz, err := compress(data, func(w io.Writer) (io.WriteCloser, error) {
		return gzip.NewWriterLevel(w, gzip.BestCompression)
	})
	if err != nil {
		return fmt.Errorf("%s: gzip: %w", name, err)
	}
	if err := writeAtomic(name+".br", br); err != nil {
		return err
	}
	if err := writeAtomic(name+".gz", gz); err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes, br %d, gz %d\n", name, len(data), len(br), len(gz))
	return nil
}

func compress(data []byte, newWriter func(io.Writer) (io.WriteCloser, error)) ([]byte, error) {
	var buf bytes.Buffer
	w, err := newWriter(&buf)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeAtomic replaces name only once the new content is complete, so an
// interrupted build never leaves a truncated .br for the service to embed.
func writeAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
