package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func setKey(key string, fail error) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES (?, 'v')`, key); err != nil {
			return err
		}
		return fail // after the insert, so a failure must roll it back
	}
}

func hasKey(t *testing.T, s *SQLite, key string) bool {
	t.Helper()
	var n int
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM settings WHERE key = ?`, key).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// Writes queued behind a slow one share a commit, and one failing write
// rolls back alone.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "chat.db"))
	ctx := context.Background()
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			<-release
			return setKey("first", nil)(ctx, tx)
		})
	}()
	before := s.groups.Load()

	const n = 30
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		var fail error
		switch i % 10 {
		case 3:
			fail = errors.New("refused")
		case 7:
			wg.Go(func() {
				errs[i] = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
					setKey(fmt.Sprint("k", i), nil)(ctx, tx)
					panic("bad write")
				})
			})
			continue
		}
		wg.Go(func() { errs[i] = s.write(ctx, setKey(fmt.Sprint("k", i), fail)) })
	}
	time.Sleep(20 * time.Millisecond) // let the writes queue behind the first
	close(release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for i := range n {
		key := fmt.Sprint("k", i)
		switch i % 10 {
		case 3, 7:
			if errs[i] == nil || hasKey(t, s, key) {
				t.Fatalf("write %d should have failed and left nothing: err %v", i, errs[i])
			}
		default:
			if errs[i] != nil || !hasKey(t, s, key) {
				t.Fatalf("write %d: err %v, stored %v", i, errs[i], hasKey(t, s, key))
			}
		}
	}
	if groups := s.groups.Load() - before; groups >= n {
		t.Fatalf("%d writes took %d transactions: no grouping", n+1, groups)
	} else {
		t.Logf("%d writes in %d transactions", n+1, groups)
	}
}

func TestWriteAfterClose(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "chat.db"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateAnonymous(context.Background(), "d", t0); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestWriteCancelledBeforeItRuns(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "chat.db"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.write(ctx, setKey("never", nil)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled write: %v", err)
	}
	if hasKey(t, s, "never") {
		t.Fatal("a cancelled write was stored")
	}
}
