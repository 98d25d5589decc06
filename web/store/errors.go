package store

import "errors"

var (
	// ErrNotFound hides whether a conversation exists but belongs to someone else.
	ErrNotFound = errors.New("store: not found")
	// ErrSessionInvalid is a bearer token that is unknown or revoked.
	ErrSessionInvalid = errors.New("store: session invalid")
	// ErrClosed is a call after Close.
	ErrClosed = errors.New("store: closed")
)
