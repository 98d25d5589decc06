package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// postgresMigrations are the PostgreSQL schema's history, run in order, each
// once, like the SQLite store's migrations (which they mirror: the same
// tables, columns and indexes, so that the two stores read alike). Append,
// never edit.
//
// Times are BIGINT Unix milliseconds, as in SQLite. messages.seq is the id of
// the transaction that stored the message (pg_current_xact_id), which is what
// makes it usable as an events cursor with many writers: see horizonSQL.
// One message per transaction is what the primary key then enforces.
var postgresMigrations = []string{
	1: `
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE customers (
	id           TEXT PRIMARY KEY,
	email        TEXT UNIQUE,
	external_id  TEXT UNIQUE,
	verified     BOOLEAN NOT NULL DEFAULT false,
	verified_at  BIGINT,
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL,
	last_seen_at BIGINT,
	merged_into  TEXT REFERENCES customers(id)
);
CREATE INDEX customers_by_merged_into ON customers(merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE tracking_identities (
	id          TEXT PRIMARY KEY,
	customer_id TEXT NOT NULL REFERENCES customers(id),
	tracking_id TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	updated_at  BIGINT NOT NULL,
	UNIQUE (customer_id, tracking_id)
);

CREATE TABLE sessions (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	token_hash   BYTEA NOT NULL UNIQUE,
	customer_id  TEXT NOT NULL REFERENCES customers(id),
	identity_id  TEXT NOT NULL REFERENCES tracking_identities(id),
	created_at   BIGINT NOT NULL,
	last_used_at BIGINT NOT NULL,
	revoked_at   BIGINT
);
CREATE INDEX sessions_live_by_customer ON sessions(customer_id, id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_live_by_identity ON sessions(identity_id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_by_customer ON sessions(customer_id);
CREATE INDEX sessions_by_identity ON sessions(identity_id);

CREATE TABLE agents (
	id              TEXT PRIMARY KEY,
	email           TEXT NOT NULL UNIQUE,
	name            TEXT NOT NULL,
	password_hash   TEXT NOT NULL,
	disabled_at     BIGINT,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL,
	last_sign_in_at BIGINT
);

CREATE TABLE agent_sessions (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	token_hash   BYTEA NOT NULL UNIQUE,
	agent_id     TEXT NOT NULL REFERENCES agents(id),
	created_at   BIGINT NOT NULL,
	last_used_at BIGINT NOT NULL,
	revoked_at   BIGINT
);
CREATE INDEX agent_sessions_live_by_agent ON agent_sessions(agent_id) WHERE revoked_at IS NULL;

CREATE TABLE conversations (
	id              TEXT PRIMARY KEY,
	customer_id     TEXT NOT NULL REFERENCES customers(id),
	created_at      BIGINT NOT NULL,
	last_message_at BIGINT NOT NULL,
	last_seq        BIGINT NOT NULL DEFAULT 0,
	preview         TEXT NOT NULL DEFAULT '',
	unread          INTEGER NOT NULL DEFAULT 0,
	status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
	agent_unread    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversations_by_customer ON conversations(customer_id, last_message_at DESC, last_seq DESC);
CREATE INDEX conversations_by_status ON conversations(status, last_message_at DESC, last_seq DESC);

CREATE TABLE messages (
	seq             BIGINT PRIMARY KEY DEFAULT (pg_current_xact_id()::text::bigint),
	id              TEXT NOT NULL UNIQUE,
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	customer_id     TEXT NOT NULL REFERENCES customers(id),
	author          TEXT NOT NULL CHECK (author IN ('customer', 'agent')),
	author_name     TEXT,
	agent_id        TEXT REFERENCES agents(id),
	session_id      BIGINT,
	body            TEXT NOT NULL,
	created_at      BIGINT NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, seq);
CREATE INDEX messages_by_customer ON messages(customer_id, seq);
`,
	// SQLite's customers have a rowid, in insertion order, by which the
	// agents' search lists them newest first (created_at ties within a
	// millisecond, and ids are random); row_id is PostgreSQL's. erased_seq
	// is what SQLite keeps in sqlite_sequence: the highest seq an erase
	// deleted, below which the agents' events cursor never goes back.
	2: `
ALTER TABLE customers ADD COLUMN row_id BIGINT GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX customers_by_row_id ON customers(row_id);

CREATE TABLE erased_seq (max_seq BIGINT NOT NULL);
INSERT INTO erased_seq VALUES (0);
`,
	// A customer's own feed follows customer_seq, a counter per customer
	// (customers.last_seq) that each message takes under its customer's row
	// lock, so that a customer's messages commit in customer_seq order and a
	// poll waits only for its own customer's writes: see postgres_events.go.
	// seq stays the agents' all-customer order. The messages stored before
	// keep their seq as their customer_seq and each customer's counter starts
	// at its highest: every cursor a device already holds stays valid.
	3: `
ALTER TABLE customers ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN customer_seq BIGINT;
UPDATE messages SET customer_seq = seq;
UPDATE customers c SET last_seq = m.last FROM (SELECT customer_id, MAX(seq) AS last FROM messages GROUP BY customer_id) m
	WHERE c.id = m.customer_id;
ALTER TABLE messages ALTER COLUMN customer_seq SET NOT NULL;
CREATE UNIQUE INDEX messages_by_customer_seq ON messages(customer_id, customer_seq);
CREATE INDEX messages_by_conversation_customer_seq ON messages(conversation_id, customer_seq);
DROP INDEX messages_by_customer;
`,
	// The agents' history pages follow customer_seq too (AgentMessages), and
	// nothing reads a conversation's messages by seq any more: one index
	// fewer for every message to update.
	4: `
DROP INDEX messages_by_conversation;
`,
}

// migrationLock is the advisory lock key under which an instance migrates:
// instances starting at once take turns, so each migration runs once and a
// late one finds the schema already current.
const migrationLock = 0x6b63_6d69_6772 // "kcmigr"

// migratePostgres brings the database to the newest schema. Each migration
// and its version row commit together, like SQLite's.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	// A session lock, not a transaction's: it spans the migrations, each its
	// own transaction, and ends with the connection if the process dies.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current >= len(postgresMigrations) {
		return fmt.Errorf("database schema version %d is newer than this binary knows (%d)", current, len(postgresMigrations)-1)
	}
	for v := current + 1; v < len(postgresMigrations); v++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, postgresMigrations[v]); err != nil {
				return fmt.Errorf("migration %d: %w", v, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations(version, applied_at)
				VALUES ($1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)`, v)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
