// Package password hashes and checks the inbox agents' passwords with bcrypt,
// and makes new ones. Only its hashes are ever stored.
package password

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Cost is bcrypt's work factor for new hashes. Measured on the development
// machine (2 shared cores, Go 1.26): cost 9 took 38 ms per check, 10 took
// 75 ms, 11 took 158 ms. 10 keeps a sign-in in the tens of milliseconds, which
// no agent notices, while an offline guess at a stolen hash costs as much; it
// is also OWASP's floor for bcrypt. A hash keeps the cost it was made with,
// so raising this affects passwords set afterwards.
const Cost = 10

const (
	// MinRunes is the shortest password, in characters: with bcrypt's cost and
	// the sign-in limits it puts guessing out of reach, and a pass phrase of
	// three words meets it.
	MinRunes = 12
	// MaxBytes is bcrypt's limit: it ignores what follows, so a longer
	// password is refused rather than silently cut.
	MaxBytes = 72
)

var (
	ErrTooShort = fmt.Errorf("password shorter than %d characters", MinRunes)
	ErrTooLong  = fmt.Errorf("password longer than %d bytes (bcrypt's limit; use fewer or plainer characters)", MaxBytes)
	ErrEmpty    = errors.New("empty password")
	ErrNotUTF8  = errors.New("password not valid UTF-8")
)

// Check says why pw may not be a password, or nil.
func Check(pw string) error {
	switch {
	case pw == "":
		return ErrEmpty
	case !utf8.ValidString(pw):
		return ErrNotUTF8
	case len(pw) > MaxBytes:
		return ErrTooLong
	case utf8.RuneCountInString(pw) < MinRunes:
		return ErrTooShort
	}
	return nil
}

// Hash checks pw and returns its bcrypt hash at Cost.
func Hash(pw string) (string, error) {
	if err := Check(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), Cost)
	return string(h), err
}

// dummyHash is the hash of a random password nobody knows, at Cost: a sign-in
// for an unknown email is checked against it, so that it takes as long as one
// for a known email and the answer's timing does not tell which emails exist.
const dummyHash = "$2a$10$7wlep81fpGR0zOf8VI//Rup5Tq2h8NHg/xxZ4/SquW10Bq6x8dy.W"

// Verify reports whether pw is the password of hash. An empty hash (no such
// agent) runs the same check against dummyHash and reports false.
func Verify(hash, pw string) bool {
	// bcrypt would compare only the first 72 bytes: a longer pw is never
	// right, since Hash refuses those, but it costs the same check.
	tooLong := len(pw) > MaxBytes
	if hash == "" || tooLong {
		bcrypt.CompareHashAndPassword([]byte(dummyHash), []byte(pw[:min(len(pw), MaxBytes)]))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// Generate returns a new password of 20 base64url characters (120 random bits).
func Generate() string {
	var b [15]byte
	rand.Read(b[:]) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b[:])
}
