package main

import (
	"context"
	"net/url"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// openStore opens the service's database: the PostgreSQL database a
// postgres:// URL names, which any number of instances may share, else the
// SQLite file at that path, which one instance owns.
func openStore(ctx context.Context, db string, sessions store.SessionPolicy) (store.Store, error) {
	if store.IsPostgresURL(db) {
		return store.OpenPostgres(ctx, db, store.PostgresOptions{Sessions: sessions})
	}
	return store.OpenSQLite(ctx, db, store.SQLiteOptions{Sessions: sessions})
}

// dbName names db for the operator's eyes: a URL without its password or
// query (which may carry one), so that no secret reaches a log.
func dbName(db string) string {
	if !store.IsPostgresURL(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "the PostgreSQL database"
	}
	u.RawQuery, u.Fragment = "", ""
	return u.Redacted()
}
