package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

func TestSQLiteStore(t *testing.T) {
	runStoreSuite(t, func(t *testing.T, p SessionPolicy) suiteStore { return sqlitePeeker{openWithPolicy(t, p)} })
}

func openWithPolicy(t *testing.T, p SessionPolicy) *SQLite {
	t.Helper()
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "chat.db"), SQLiteOptions{Sessions: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sqlitePeeker reads through the read pool, so that it sees only what was
// committed, and writes around the writer's queue, as another process would.
type sqlitePeeker struct{ *SQLite }

func (s sqlitePeeker) scalar(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.r.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (s sqlitePeeker) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := s.w.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func (s sqlitePeeker) writes() int64 { return s.writer.groups.Load() }

func (s sqlitePeeker) cells(t *testing.T) map[string][]string {
	t.Helper()
	ctx := context.Background()
	rows, err := s.r.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table'`)
	tables, err := collect(rows, err, func(sc scanner) (string, error) { var n string; return n, sc.Scan(&n) })
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := s.r.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				out[table] = append(out[table], fmt.Sprint(v))
			}
		}
		rows.Close()
	}
	return out
}
