package sdk

import (
	"math/rand"
	"testing"
	"time"
)

// timestamp is hand-written date arithmetic; time.Format is the reference.
func TestTimestampMatchesTimeFormat(t *testing.T) {
	instants := []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Unix(0, 0),
		time.Date(2000, 2, 29, 12, 0, 0, 1e6, time.UTC),
		time.Date(2100, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("east", 14*3600)),
	}
	r := rand.New(rand.NewSource(1))
	minSec, maxSec := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
	for range 100000 {
		instants = append(instants, time.Unix(minSec+r.Int63n(maxSec-minSec), r.Int63n(1e9)).In(time.FixedZone("", r.Intn(50400)-43200)))
	}
	for _, tm := range instants {
		if got, want := timestamp(tm), tm.UTC().Format("2006-01-02T15:04:05.000Z07:00"); got != want {
			t.Fatalf("timestamp(%v) = %s, want %s", tm, got, want)
		}
	}
}
