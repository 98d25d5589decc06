package password

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func TestCheck(t *testing.T) {
	for pw, want := range map[string]error{
		"":                         ErrEmpty,
		strings.Repeat("a", 11):    ErrTooShort,
		strings.Repeat("é", 11):    ErrTooShort, // 22 bytes, but 11 characters
		strings.Repeat("a", 12):    nil,
		strings.Repeat("é", 12):    nil,
		strings.Repeat("a", 72):    nil,
		strings.Repeat("a", 73):    ErrTooLong,
		strings.Repeat("€", 25):    ErrTooLong, // 25 characters, 75 bytes
		"twelve chars\xff":         ErrNotUTF8,
		"  spaces count as well  ": nil,
	} {
		if got := Check(pw); got != want {
			t.Errorf("Check(%q) = %v, want %v", pw, got, want)
		}
	}
}

func TestHashAndVerify(t *testing.T) {
	if _, err := Hash("short"); err != ErrTooShort {
		t.Fatalf("Hash of a short password: %v", err)
	}
	long := strings.Repeat("x", 72)
	h, err := Hash(long)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := bcrypt.Cost([]byte(h)); err != nil || c != Cost {
		t.Fatalf("hash cost %d, %v; want %d", c, err, Cost)
	}
	if !Verify(h, long) {
		t.Fatal("the right password was refused")
	}
	// bcrypt alone would accept these: it reads only the first 72 bytes.
	if Verify(h, long+"y") || Verify(h, long[:71]) || Verify(h, "") {
		t.Fatal("a wrong password was accepted")
	}
	if Verify("", long) {
		t.Fatal("no hash accepted a password")
	}
}

// The unknown-email check must cost what a real one does.
func TestDummyHashCost(t *testing.T) {
	if c, err := bcrypt.Cost([]byte(dummyHash)); err != nil || c != Cost {
		t.Fatalf("dummy hash cost %d, %v; want %d", c, err, Cost)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("some password here"), Cost)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	Verify("", "some password here")
	dummy := time.Since(began)
	began = time.Now()
	Verify(string(h), "some password here")
	real := time.Since(began)
	if dummy < real/4 {
		t.Fatalf("the unknown-email check took %v, a real one %v", dummy, real)
	}
}

func TestGenerate(t *testing.T) {
	a, b := Generate(), Generate()
	if len(a) != 20 || a == b || Check(a) != nil {
		t.Fatalf("Generate: %q, %q", a, b)
	}
}
