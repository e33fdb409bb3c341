package vault

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// migrations[i] takes a database from schema version i to i+1. Version 0
// is an empty database. Never edit a released migration: add one.
var migrations = []string{
	// 1: the first released schema.
	`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
	CREATE TABLE profiles (
		id INTEGER PRIMARY KEY,
		name TEXT NOT NULL UNIQUE COLLATE NOCASE,
		dc TEXT NOT NULL DEFAULT '',
		accounts_server TEXT NOT NULL,
		api_domain TEXT NOT NULL DEFAULT '',
		client_type TEXT NOT NULL,
		client_id TEXT NOT NULL,
		client_secret TEXT NOT NULL,
		redirect_uri TEXT NOT NULL DEFAULT '',
		scopes TEXT NOT NULL DEFAULT '',
		consent TEXT NOT NULL DEFAULT 'user',
		account TEXT NOT NULL DEFAULT '',
		created_at INTEGER NOT NULL,
		updated_at INTEGER NOT NULL
	) STRICT;
	CREATE TABLE tokens (
		profile_id INTEGER PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
		access_token TEXT NOT NULL DEFAULT '',
		refresh_token TEXT NOT NULL DEFAULT '',
		token_type TEXT NOT NULL DEFAULT '',
		expires_at INTEGER NOT NULL DEFAULT 0,
		obtained_at INTEGER NOT NULL DEFAULT 0,
		granted_scopes TEXT NOT NULL DEFAULT '',
		health TEXT NOT NULL DEFAULT '',
		last_refresh_at INTEGER NOT NULL DEFAULT 0,
		last_error TEXT NOT NULL DEFAULT ''
	) STRICT;
	CREATE TABLE events (
		id INTEGER PRIMARY KEY,
		profile TEXT NOT NULL,
		at INTEGER NOT NULL,
		kind TEXT NOT NULL,
		detail TEXT NOT NULL DEFAULT ''
	) STRICT;`,

	// 2: tags, notes and keep-alive on profiles; settings; events looked up
	// by profile (the refresh budget reads them on every refresh).
	`ALTER TABLE profiles ADD COLUMN tags TEXT NOT NULL DEFAULT '';
	ALTER TABLE profiles ADD COLUMN notes TEXT NOT NULL DEFAULT '';
	ALTER TABLE profiles ADD COLUMN keep_alive INTEGER NOT NULL DEFAULT 0;
	CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
	CREATE INDEX events_by_profile ON events(profile, at);`,

	// 3: the refresh tokens ztm has obtained per client, so that it can warn
	// before a consent makes Zoho delete the oldest (20 per user per client).
	`CREATE TABLE grants (
		id INTEGER PRIMARY KEY,
		client_id TEXT NOT NULL,
		profile TEXT NOT NULL,
		at INTEGER NOT NULL,
		revoked_at INTEGER NOT NULL DEFAULT 0
	) STRICT;
	CREATE INDEX grants_by_client ON grants(client_id, revoked_at);`,

	// 4: the org environment (production, sandbox, developer) and the
	// client-credentials grant with its soid. An empty environment reads as
	// production, so old profiles need no rewrite.
	`ALTER TABLE profiles ADD COLUMN environment TEXT NOT NULL DEFAULT '';
	ALTER TABLE profiles ADD COLUMN client_credentials INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE profiles ADD COLUMN soid TEXT NOT NULL DEFAULT '';`,
}

// SchemaVersion is the schema this ztm writes.
var SchemaVersion = len(migrations)

func schemaVersion(ctx context.Context, conn *sql.Conn) (int, error) {
	var v int
	err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// migrate brings the database from its version up to target in one
// transaction. A vault newer than this ztm is refused, never rewritten.
func migrate(ctx context.Context, conn *sql.Conn, target int) error {
	v, err := schemaVersion(ctx, conn)
	if err != nil {
		return err
	}
	if v < 0 {
		// No ztm writes a negative version; only damage or a crafted file
		// can, and migrations[v] would index out of range.
		return fmt.Errorf("%w: its schema version is %d, which no ztm writes", ErrCorrupt, v)
	}
	if v > len(migrations) {
		return fmt.Errorf("%w (schema %d; this ztm reads up to %d): upgrade ztm; the vault was not changed", ErrNewerSchema, v, len(migrations))
	}
	if v >= target {
		return nil
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for i := v; i < target; i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrating the vault to schema %d: %w", i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", target)); err != nil {
		return err
	}
	return tx.Commit()
}

// schemaSQL lists a database's schema objects, in a stable order.
func schemaSQL(ctx context.Context, conn *sql.Conn) (string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT type, name, tbl_name, coalesce(sql, '')
		FROM sqlite_schema ORDER BY type, name`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, tbl, text string
		if err := rows.Scan(&typ, &name, &tbl, &text); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s %s %s %s\n", typ, name, tbl, text)
	}
	return b.String(), rows.Err()
}

// buildSchema makes a database with every migration and lists its schema.
// Every vault has exactly this schema after migrating: the same migrations
// run in the same order, whether on a new or an old vault. At run time the
// result is the constant currentSchema (schema_sql.go), since building it
// costs 1.5 ms, too much for every ztm token; a test keeps the two equal.
func buildSchema() (string, error) {
	m, err := newMemDB()
	if err != nil {
		return "", err
	}
	defer m.close()
	ctx := context.Background()
	if err := migrate(ctx, m.conn, SchemaVersion); err != nil {
		return "", err
	}
	return schemaSQL(ctx, m.conn)
}

// checkSchema refuses a database whose tables are not exactly ztm's, which
// only a damaged or crafted file can have.
func checkSchema(ctx context.Context, conn *sql.Conn) error {
	got, err := schemaSQL(ctx, conn)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if got != currentSchema {
		return fmt.Errorf("%w: its tables are not those of a ztm vault", ErrCorrupt)
	}
	return nil
}
