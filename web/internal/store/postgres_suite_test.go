package store

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestPostgresStore(t *testing.T) {
	runStoreSuite(t, func(t *testing.T, p SessionPolicy) suiteStore { return postgresPeeker{openPostgres(t, p)} })
}

func openPostgres(t *testing.T, p SessionPolicy) *Postgres {
	t.Helper()
	s, err := OpenPostgres(context.Background(), pgtest.DB(t), PostgresOptions{Sessions: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// postgresPeeker runs the suite's statements on the store's pool, their ?
// placeholders numbered as PostgreSQL's $n (pgParams).
type postgresPeeker struct{ *Postgres }

func (s postgresPeeker) scalar(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.pool.QueryRow(context.Background(), pgParams(query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (s postgresPeeker) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := s.pool.Exec(context.Background(), pgParams(query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func (s postgresPeeker) writes() int64 { return s.commits.Load() }

func (s postgresPeeker) cells(t *testing.T) map[string][]string {
	t.Helper()
	ctx := context.Background()
	rows, err := s.pool.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)
	tables, err := collectRows(rows, err, func(sc scanner) (string, error) { var n string; return n, sc.Scan(&n) })
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := s.pool.Query(ctx, `SELECT * FROM `+pgx.Identifier{table}.Sanitize())
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
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
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
