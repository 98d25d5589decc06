package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store/pgtest"
)

// Two instances on one PostgreSQL database, one given it by -db and one by
// KUSTOMER_CHAT_DB, share what the first made: the generated keys, and an
// agent the agent command added.
func TestTwoInstancesShareAPostgresDatabase(t *testing.T) {
	dsn := pgtest.DB(t)
	if out, _, err := agentCmd(t, "a long enough password\n", "add", "-db", dsn, "--email", "dana@example.com", "--name", "Dana"); err != nil {
		t.Fatalf("agent add on PostgreSQL: %v\n%s", err, out)
	}
	first := start(t, nil, "-addr", "127.0.0.1:0", "-db", dsn)
	second := start(t, map[string]string{"KUSTOMER_CHAT_DB": dsn}, "-addr", "127.0.0.1:0")
	key := func(r *running) string {
		_, rest, ok := strings.Cut(r.stderr.String(), "agent key: ")
		if !ok {
			t.Fatalf("no generated agent key printed:\n%s", r.stderr)
		}
		k, _, _ := strings.Cut(rest, "\n")
		return k
	}
	if a, b := key(first), key(second); a != b {
		t.Fatalf("the instances made two agent keys: %q and %q", a, b)
	}
	for _, r := range []*running{first, second} {
		if code, _ := signInOverHTTP(t, r.url, "dana@example.com", "a long enough password"); code != http.StatusOK {
			t.Fatalf("sign-in at %s: %d", r.url, code)
		}
	}
	out, _, err := agentCmd(t, "", "list", "-db", dsn)
	if err != nil || !strings.Contains(out, "dana@example.com") {
		t.Fatalf("agent list on PostgreSQL: %v\n%s", err, out)
	}
	first.shutdown(t)
	second.shutdown(t)
}

func TestDBNameHidesThePassword(t *testing.T) {
	for db, want := range map[string]string{
		"postgres://chat:s3cret@db.internal:5432/chat?sslmode=require&password=s3cret": "postgres://chat:xxxxx@db.internal:5432/chat",
		"postgresql://db.internal/chat":  "postgresql://db.internal/chat",
		"/var/lib/kustomer-chat/chat.db": "/var/lib/kustomer-chat/chat.db",
	} {
		if got := dbName(db); got != want {
			t.Errorf("dbName(%q) = %q, want %q", db, got, want)
		}
	}
}
