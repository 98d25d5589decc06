package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// SQLite reports a full disk and a database that reached max_page_count with
// the same code, SQLITE_FULL, so capping the file is a disk filling up.
func TestDiskFullIsNamed(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "chat.db"))
	var pages int
	if err := s.w.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+2)); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 64<<10)
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES (?, ?)`, fmt.Sprint("k", i), big)
			return err
		})
	}
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("write on a full database: %v; want ErrDiskFull", err)
	}
}

func TestDeletedOrReplacedDatabaseRefusesWrites(t *testing.T) {
	ctx := context.Background()
	for _, replace := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "chat.db")
		s := openTest(t, path)
		if _, _, err := s.CreateAnonymous(ctx, "before", t0); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if replace {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := s.CreateAnonymous(ctx, "after", t0); !errors.Is(err, ErrDatabaseGone) {
			t.Fatalf("replace=%v: write after the file went: %v; want ErrDatabaseGone", replace, err)
		}
	}
}

// Root may write any file whatever its mode, so as root the test runs its
// check in a child process as nobody.
func TestReadOnlyDatabaseFailsAtOpen(t *testing.T) {
	if path := os.Getenv("STORE_TEST_READONLY_DB"); path != "" {
		_, err := OpenSQLite(context.Background(), path, SQLiteOptions{})
		if !errors.Is(err, ErrReadOnly) {
			t.Fatalf("open read-only database: %v; want ErrReadOnly", err)
		}
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "chat.db")
	s := openTest(t, path)
	s.Close()
	// Read-only all the way: SQLite could otherwise recreate the WAL files.
	for _, p := range []string{path, dir} {
		if err := os.Chmod(p, 0o555); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(path, 0o444)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	if os.Geteuid() != 0 {
		t.Setenv("STORE_TEST_READONLY_DB", path)
		TestReadOnlyDatabaseFailsAtOpen(t)
		return
	}
	// The temporary directories' parents and the test binary's are root's
	// and closed to others.
	for p := filepath.Dir(dir); p != os.TempDir() && strings.HasPrefix(p, os.TempDir()); p = filepath.Dir(p) {
		os.Chmod(p, 0o755)
	}
	bin := filepath.Join(t.TempDir(), "store.test")
	exe, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(bin), 0o755)
	cmd := exec.Command(bin, "-test.run=^TestReadOnlyDatabaseFailsAtOpen$", "-test.count=1")
	cmd.Env = append(os.Environ(), "STORE_TEST_READONLY_DB="+path, "HOME=/")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
}
