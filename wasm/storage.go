//go:build js && wasm

package main

import (
	"github.com/hack-pad/safejs"

	"github.com/kustomer-chat/kustomer-chat/sdk"
)

// localStorage adapts window.localStorage to sdk.Storage. Every access can throw
// (sandboxed iframes, disabled storage, quota); safejs turns throws into errors, and
// the core falls back to memory on the first one.
type localStorage struct{ ls safejs.Value }

// openStorage returns localStorage, or memory when the page has none or may not touch it.
func openStorage() sdk.Storage {
	ls, err := get(safejs.Global(), "localStorage")
	if err != nil || ls.IsUndefined() || ls.IsNull() {
		warn("localStorage is unavailable; identity is kept in memory for this page")
		return sdk.NewMemoryStorage()
	}
	return localStorage{ls}
}

func (s localStorage) Get(key string) (string, bool, error) {
	v, err := s.ls.Call("getItem", key)
	if err != nil {
		return "", false, err
	}
	if v.Type() != safejs.TypeString {
		return "", false, nil
	}
	value, err := v.String()
	return value, err == nil, err
}

func (s localStorage) Set(key, value string) error {
	_, err := s.ls.Call("setItem", key, value)
	return err
}

func (s localStorage) Remove(key string) error {
	_, err := s.ls.Call("removeItem", key)
	return err
}
