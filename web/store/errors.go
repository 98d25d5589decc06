package store

import "errors"

var (
	// ErrNotFound hides whether a conversation exists but belongs to someone else.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is a client-made id that is already used by another
	// customer or for another conversation or message.
	ErrConflict = errors.New("store: id already used")
	// ErrSessionInvalid is a bearer token that is unknown or revoked.
	ErrSessionInvalid = errors.New("store: session invalid")
	// ErrBadCursor is a page cursor this store did not make for that list.
	ErrBadCursor = errors.New("store: bad page cursor")
	// ErrClosed is a call after Close.
	ErrClosed = errors.New("store: closed")
)
