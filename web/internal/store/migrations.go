package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations run in order, each once; a database remembers the versions it has
// in schema_migrations. Append, never edit: an applied migration is history.
//
// Times are INTEGER Unix milliseconds: exact, cheap to compare, and free of
// driver time parsing. Emails are stored normalised, so the unique index is
// the case-insensitive lookup.
var migrations = []string{
	1: `
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

CREATE TABLE customers (
	id          TEXT PRIMARY KEY,
	email       TEXT,
	external_id TEXT,
	verified    INTEGER NOT NULL DEFAULT 0,
	verified_at INTEGER,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX customers_email ON customers(email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX customers_external_id ON customers(external_id) WHERE external_id IS NOT NULL;

CREATE TABLE tracking_identities (
	id          TEXT PRIMARY KEY,
	customer_id TEXT NOT NULL REFERENCES customers(id),
	tracking_id TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	UNIQUE (customer_id, tracking_id)
) STRICT;

CREATE TABLE sessions (
	id          INTEGER PRIMARY KEY,
	token_hash  BLOB NOT NULL UNIQUE,
	customer_id TEXT NOT NULL REFERENCES customers(id),
	identity_id TEXT NOT NULL REFERENCES tracking_identities(id),
	created_at  INTEGER NOT NULL,
	revoked_at  INTEGER
) STRICT;
CREATE INDEX sessions_live_by_customer ON sessions(customer_id) WHERE revoked_at IS NULL;

CREATE TABLE conversations (
	id              TEXT PRIMARY KEY,
	customer_id     TEXT NOT NULL REFERENCES customers(id),
	created_at      INTEGER NOT NULL,
	last_message_at INTEGER NOT NULL,
	last_seq        INTEGER NOT NULL DEFAULT 0,
	preview         TEXT NOT NULL DEFAULT '',
	unread          INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX conversations_by_customer ON conversations(customer_id, last_message_at DESC, last_seq DESC);
CREATE INDEX conversations_by_activity ON conversations(last_message_at DESC, last_seq DESC);

CREATE TABLE messages (
	seq             INTEGER PRIMARY KEY AUTOINCREMENT,
	id              TEXT NOT NULL UNIQUE,
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	customer_id     TEXT NOT NULL REFERENCES customers(id),
	author          TEXT NOT NULL CHECK (author IN ('customer', 'agent')),
	session_id      INTEGER,
	body            TEXT NOT NULL,
	created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_by_conversation ON messages(conversation_id, seq);
CREATE INDEX messages_by_customer ON messages(customer_id, seq);
`,
	// The agent's display name, shown to the visitor; NULL for the customer's
	// messages and for replies stored before agents had names.
	2: `ALTER TABLE messages ADD COLUMN author_name TEXT;`,
	// When a session last answered a request, for its idle timeout; sessions
	// from before it count as used when they were made. The index serves the
	// login's revocation of the device's earlier sessions.
	3: `
ALTER TABLE sessions ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET last_used_at = created_at;
CREATE INDEX sessions_live_by_identity ON sessions(identity_id) WHERE revoked_at IS NULL;
`,
	// The agent inbox: agent accounts and their cookie sessions (tokens kept
	// only as SHA-256, like the customers'), the agent who wrote a reply, a
	// conversation's status and its agent-side unread count (customer
	// messages since an agent last read or answered it), and when a customer
	// was last seen. Emails are canonical (contract.Email), so the unique
	// index is the lookup.
	4: `
CREATE TABLE agents (
	id              TEXT PRIMARY KEY,
	email           TEXT NOT NULL UNIQUE,
	name            TEXT NOT NULL,
	password_hash   TEXT NOT NULL,
	disabled_at     INTEGER,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	last_sign_in_at INTEGER
) STRICT;

CREATE TABLE agent_sessions (
	id           INTEGER PRIMARY KEY,
	token_hash   BLOB NOT NULL UNIQUE,
	agent_id     TEXT NOT NULL REFERENCES agents(id),
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER NOT NULL,
	revoked_at   INTEGER
) STRICT;
CREATE INDEX agent_sessions_live_by_agent ON agent_sessions(agent_id) WHERE revoked_at IS NULL;

ALTER TABLE messages ADD COLUMN agent_id TEXT REFERENCES agents(id);
ALTER TABLE conversations ADD COLUMN status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed'));
ALTER TABLE conversations ADD COLUMN agent_unread INTEGER NOT NULL DEFAULT 0;
CREATE INDEX conversations_by_status ON conversations(status, last_message_at DESC, last_seq DESC);
ALTER TABLE customers ADD COLUMN last_seen_at INTEGER;
UPDATE customers SET last_seen_at = updated_at;
`,
	// An anonymous customer whose conversations a login adopted remembers
	// whom it merged into, so that erasing or exporting that customer covers
	// its devices and sessions too (merges before this migration are not
	// linked). Erase and export select a customer's sessions whatever their
	// state, which the live-only indexes cannot serve.
	5: `
ALTER TABLE customers ADD COLUMN merged_into TEXT REFERENCES customers(id);
CREATE INDEX customers_by_merged_into ON customers(merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX sessions_by_customer ON sessions(customer_id);
CREATE INDEX sessions_by_identity ON sessions(identity_id);
`,
	// Every conversation list now starts from a status or a customer; the
	// index over all conversations by activity served none and cost a write
	// per message.
	6: `DROP INDEX conversations_by_activity;`,
}

// migrate brings db to the newest schema. Each migration and its version row
// commit together, so a crash leaves either both or neither.
func migrate(ctx context.Context, db *sql.DB) error {
	// In a transaction of its own, which db begins IMMEDIATE: a bare
	// statement would take the write lock only when it writes, and a
	// connection that cannot upgrade its read lock gets SQLITE_BUSY at once
	// rather than waiting out busy_timeout for another process's migration.
	tx, err := db.BeginTx(ctx, nil)
	if err == nil {
		defer tx.Rollback()
		if _, err = tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			applied_at INTEGER NOT NULL
		)`); err == nil {
			err = tx.Commit()
		}
	}
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current >= len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this binary knows (%d)", current, len(migrations)-1)
	}
	for v := current + 1; v < len(migrations); v++ {
		if err := applyMigration(ctx, db, v); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration runs under the write lock (BEGIN IMMEDIATE), and asks again
// there whether the version is applied: another process that opened the same
// file at the same moment (a second start, an agent command) may have just
// applied it.
func applyMigration(ctx context.Context, db *sql.DB, version int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var applied bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, version).Scan(&applied); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if applied {
		return nil
	}
	if _, err := tx.ExecContext(ctx, migrations[version]); err != nil {
		return fmt.Errorf("migration %d: %w", version, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES (?, unixepoch('subsec') * 1000)`, version); err != nil {
		return fmt.Errorf("record migration %d: %w", version, err)
	}
	return tx.Commit()
}
