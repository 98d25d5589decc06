package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// SQLiteOptions tune the SQLite store; the zero value is fine.
type SQLiteOptions struct {
	// Readers bounds the read pool; 0 means 2 × GOMAXPROCS, at least 4.
	Readers int
	// BusyTimeout is how long a connection waits for a lock held by another
	// process (a backup, the sqlite3 shell); 0 means 5 s.
	BusyTimeout time.Duration
	// Sessions bounds the sessions' lives; the zero value never expires
	// them (the server passes DefaultSessionPolicy or its flags).
	Sessions SessionPolicy
}

// SQLite is the Store on one SQLite file.
//
// It holds two pools on the same file. All writes go through a single
// connection: SQLite allows one writer at a time anyway, and queueing writers
// in Go is cheaper than letting them spin on SQLITE_BUSY. It also makes
// message seq values commit in increasing order, so a reader that has seen seq
// N can never later find a committed seq below N — the events cursor relies on
// it. Reads use a pool of query-only connections that, in WAL mode, see the
// last committed snapshot without ever waiting for the writer.
type SQLite struct {
	w, r *sql.DB
	ws   writeStmts
	rs   readStmts
	ckpt *checkpointer
	// sessions is fixed at open.
	sessions SessionPolicy
	writer
}

var _ Store = (*SQLite)(nil)

// writerCacheKiB is the writer connection's page cache (SQLite's default is
// 2 MiB, smaller than the indexes of a busy database).
const writerCacheKiB = 64 << 10

// OpenSQLite opens (creating if needed) the database at path and migrates it.
func OpenSQLite(ctx context.Context, path string, opts SQLiteOptions) (*SQLite, error) {
	if opts.Readers <= 0 {
		opts.Readers = max(4, 2*runtime.GOMAXPROCS(0))
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	dsn := func(extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
		q.Add("_pragma", "journal_mode(WAL)")
		// FULL syncs the WAL at every commit, so a write the service has
		// acknowledged survives a power loss too, not only a crash (NORMAL
		// can drop the last commits then). The group commit pays that sync
		// once per group, not once per write.
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", "foreign_keys(1)")
		// The group commit's savepoints journal in memory, not a temp file.
		q.Add("_pragma", "temp_store(MEMORY)")
		for i := 0; i+1 < len(extra); i += 2 {
			q.Add(extra[i], extra[i+1])
		}
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	}

	// IMMEDIATE takes the write lock at BEGIN, so a transaction never fails
	// halfway when another process holds it; busy_timeout covers the wait.
	w, err := sql.Open("sqlite", dsn("_txlock", "immediate",
		// The writer's page cache outlives its transactions (nobody else
		// writes), so a larger one saves re-reading index pages per write.
		"_pragma", fmt.Sprintf("cache_size(%d)", -writerCacheKiB),
		"_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", writerAutoCheckpoint),
		"_pragma", fmt.Sprintf("journal_size_limit(%d)", walSizeLimit)))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Two processes opening one new file at once (a second instance, an
	// agent command) race to switch it to WAL, and SQLite answers the loser's
	// connection SQLITE_BUSY without waiting out busy_timeout: it tries again.
	err = migrate(ctx, w)
	for attempt := 1; attempt < 5 && isBusy(err); attempt++ {
		time.Sleep(time.Duration(attempt) * 20 * time.Millisecond)
		err = migrate(ctx, w)
	}
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, classify(err))
	}
	// A database that is already migrated opens without writing, so a
	// read-only file or a full disk would only show at the first customer's
	// write: one committed write now makes the service fail at start instead.
	if _, err := w.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES ('opened_at', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, classify(err))
	}
	// The file as opened: a later write checks that the path still names it.
	opened, err := os.Stat(path)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}

	r, err := sql.Open("sqlite", dsn("_pragma", "query_only(1)"))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(opts.Readers)
	r.SetMaxIdleConns(opts.Readers)
	r.SetConnMaxIdleTime(0)

	c, err := sql.Open("sqlite", dsn())
	if err != nil {
		return nil, errors.Join(err, r.Close(), w.Close())
	}
	c.SetMaxOpenConns(1)
	c.SetMaxIdleConns(1)
	c.SetConnMaxIdleTime(0)

	s := &SQLite{w: w, r: r, sessions: opts.Sessions}
	if err := s.ws.prepare(ctx, w); err != nil {
		s.ws.close()
		return nil, errors.Join(err, c.Close(), r.Close(), w.Close())
	}
	if err := s.rs.prepare(ctx, r); err != nil {
		s.ws.close()
		s.rs.close()
		return nil, errors.Join(err, c.Close(), r.Close(), w.Close())
	}
	s.ckpt = newCheckpointer(c)
	s.writer.committed = s.ckpt.wake
	// On Linux a deleted database stays writable through the open file, and
	// every write after that is lost at the next start; checking before each
	// commit costs one stat per group, little beside the commit's fsync.
	s.writer.precommit = func() error {
		if now, err := os.Stat(path); err != nil || !os.SameFile(now, opened) {
			return fmt.Errorf("%w (%s)", ErrDatabaseGone, path)
		}
		return nil
	}
	s.writer.start(w, s.ws.savepoint, s.ws.rollbackTo, s.ws.release)
	return s, nil
}

// Close waits for the writes under way, then closes both pools. Calls after
// Close fail with ErrClosed.
func (s *SQLite) Close() error {
	if !s.writer.stop() {
		return nil
	}
	ckptErr := s.ckpt.close()
	s.ws.close()
	s.rs.close()
	return errors.Join(ckptErr, s.r.Close(), s.w.Close())
}

// read runs fn in one read transaction, so that its queries see one snapshot.
func (s *SQLite) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

func (s *SQLite) Setting(ctx context.Context, key string, generate func() (string, error)) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	gen, err := generate()
	if err != nil {
		return "", err
	}
	// Another process may have stored one meanwhile; the first value wins.
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING`, key, gen); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	})
	return v, err
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nullMillis(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return fromMillis(ms.Int64)
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// preview keeps the first PreviewRunes characters of a message body.
func preview(body string) string {
	n := 0
	for i := range body {
		if n == PreviewRunes {
			return body[:i]
		}
		n++
	}
	return body
}
