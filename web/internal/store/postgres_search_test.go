package store

import (
	"context"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store/pgtest"
)

// TestPostgresSearchOnALinguisticCollation runs the search case on a
// database whose collation folds more than ASCII (ICU's root locale, under
// which ILIKE matches É for é): the answers must still be SQLite's. The
// suite's own databases use the C locale, which cannot tell.
func TestPostgresSearchOnALinguisticCollation(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := u.Path[1:] + "_icu"
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8'
		LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C'`); err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	testSearchCustomers(t, func(t *testing.T, p SessionPolicy) suiteStore {
		s, err := OpenPostgres(ctx, u.String(), PostgresOptions{Sessions: p})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return postgresPeeker{s}
	})
}
