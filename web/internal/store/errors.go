package store

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

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

	// The faults below are the machine's, not the request's: the service
	// cannot store anything until an operator acts, and says which it is.

	// ErrDiskFull is a write refused for want of space (SQLITE_FULL).
	ErrDiskFull = errors.New("store: disk full: free space on the database's filesystem")
	// ErrReadOnly is a write to a database file, directory or filesystem the
	// service may not write (SQLITE_READONLY).
	ErrReadOnly = errors.New("store: database is read-only: check the file's and its directory's permissions and the mount")
	// ErrDatabaseGone is a write after the database file was deleted or
	// replaced while the service ran: it would land in an unlinked file and
	// be lost at the next start.
	ErrDatabaseGone = errors.New("store: database file deleted or replaced while running: restart the service")
	// ErrUnavailable is a database server that cannot be reached or is
	// shutting down, restarting or out of connections (PostgreSQL). A write
	// that failed so may or may not have committed; a retry with the same
	// client-made id stores it once either way.
	ErrUnavailable = errors.New("store: database unavailable")
)

// classify tags SQLite's result codes for a full disk or a read-only
// database with the sentinel that names the cause, keeping SQLite's error.
func classify(err error) error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_FULL:
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	case sqlite3.SQLITE_READONLY:
		return fmt.Errorf("%w: %w", ErrReadOnly, err)
	}
	return err
}

// isBusy tells whether SQLite refused for a lock another connection holds.
func isBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// sqliteCustomerGone is ErrSessionInvalid for a write that failed its
// foreign key on the customer: the customer was erased after the request's
// session was read, so the session is gone too (401, not 500).
func sqliteCustomerGone(err error) error {
	var e *sqlite.Error
	if errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		return ErrSessionInvalid
	}
	return err
}
