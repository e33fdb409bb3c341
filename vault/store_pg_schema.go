package vault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgMigrations are the PostgreSQL schema's versions: pgMigrations[i]
// takes the schema from version i to i+1. Append only; never edit one that
// has shipped. The tables go in the connection's search_path, so one
// database can hold several vaults in several schemas.
var pgMigrations = []string{
	`CREATE TABLE ztm_head (
		id int PRIMARY KEY CHECK (id = 1),
		version bigint NOT NULL,
		lock_key int NOT NULL,
		created_at timestamptz NOT NULL DEFAULT now(),
		saved_at timestamptz NOT NULL DEFAULT now());
	CREATE TABLE ztm_blobs (
		version bigint PRIMARY KEY,
		ciphertext bytea NOT NULL)`,
	// The head says what the current ciphertext is (its length and first
	// 512 bytes, cachePrefix), so that a reader with a local copy checks
	// it against one small row, without opening the blobs' table.
	`ALTER TABLE ztm_head ADD COLUMN cipher_size int, ADD COLUMN cipher_start bytea;
	UPDATE ztm_head h SET cipher_size = length(b.ciphertext), cipher_start = substring(b.ciphertext FROM 1 FOR 512)
		FROM ztm_blobs b WHERE b.version = h.version`,
}

// PGSchemaVersion is the version of the PostgreSQL schema this ztm writes.
var PGSchemaVersion = len(pgMigrations)

// migratePG creates or migrates the schema on l's connection, under the
// schema lock, and says which version it found (0: none). A schema newer
// than this ztm is refused.
func (s *pgStore) migratePG(ctx context.Context, l *pgLock, timeout time.Duration) (found int, err error) {
	if err := l.takeKeys(ctx, schemaLockKey, 0, timeout); err != nil {
		return 0, err
	}
	err = s.migrateLocked(ctx, l, &found)
	return found, err
}

// migrateLocked is migratePG once the schema lock is held.
func (s *pgStore) migrateLocked(ctx context.Context, l *pgLock, found *int) error {
	c := l.conn
	if _, err := c.Exec(ctx, `CREATE TABLE IF NOT EXISTS ztm_schema (version int NOT NULL)`); err != nil {
		return s.err(err, "create the schema of")
	}
	var ver int
	err := c.QueryRow(ctx, `SELECT version FROM ztm_schema`).Scan(&ver)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = c.Exec(ctx, `INSERT INTO ztm_schema(version) VALUES (0)`)
	}
	if err != nil {
		return s.err(err, "read the schema of")
	}
	*found = ver
	if ver > PGSchemaVersion {
		return fmt.Errorf("%w: the schema at %s is version %d, this ztm knows up to %d: upgrade ztm", ErrNewerSchema, s.display, ver, PGSchemaVersion)
	}
	for ; ver < PGSchemaVersion; ver++ {
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, pgMigrations[ver]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE ztm_schema SET version = $1`, ver+1)
			return err
		})
		if err != nil {
			return s.err(err, fmt.Sprintf("migrate (to schema %d)", ver+1))
		}
	}
	return nil
}

// checkSchemaPG refuses a schema newer than this ztm knows.
func (s *pgStore) checkSchemaPG(ctx context.Context, q pgQuerier) error {
	var ver int
	if err := q.QueryRow(ctx, `SELECT version FROM ztm_schema`).Scan(&ver); err != nil {
		return s.missingSchema(err, "read")
	}
	if ver > PGSchemaVersion {
		return fmt.Errorf("%w: the schema at %s is version %d, this ztm knows up to %d: upgrade ztm", ErrNewerSchema, s.display, ver, PGSchemaVersion)
	}
	if ver < PGSchemaVersion {
		return fmt.Errorf("%w: the schema at %s is version %d: run ztm vault init --vault URL to migrate it", ErrNotVault, s.display, ver)
	}
	return nil
}

// createPG is [Create] for a vault in PostgreSQL: it creates or migrates
// the schema, refuses a database that already holds a vault, writes a new
// key to the local identity path when asked (never to the database), and
// saves the first version.
func createPG(p Paths, o CreateOptions, vo Options) (*Vault, error) {
	if n := boolInt(o.Passphrase != "") + boolInt(o.Key != nil) + boolInt(o.GenerateKeyFile); n != 1 {
		return nil, errors.New("vault: give exactly one of a passphrase, a key or GenerateKeyFile")
	}
	s, err := connectPG(p.URL, os.Getenv)
	if err != nil {
		return nil, err
	}
	v := newVault(p, nil, vo)
	v.pg = s
	ok := false
	defer func() {
		if !ok {
			s.close()
		}
	}()
	ctx := context.Background()
	l, err := s.lockConn(ctx)
	if err != nil {
		return nil, err
	}
	defer l.release()
	found, err := s.migratePG(ctx, l, v.lockT)
	if err != nil {
		return nil, err
	}
	if _, err := s.head(ctx, l.conn); err == nil {
		if found > 0 && found < PGSchemaVersion {
			return nil, fmt.Errorf("%w in PostgreSQL at %s: its schema is now version %d (it was %d), so this ztm opens it; nothing else changed",
				ErrExists, s.display, PGSchemaVersion, found)
		}
		return nil, fmt.Errorf("%w in PostgreSQL at %s", ErrExists, s.display)
	}
	key, keyFile := o.Key, []byte(nil)
	if key == nil {
		if exists(p.Identity) {
			return nil, fmt.Errorf("%w at %s: give it with --identity to use it for this vault, or move it away first", ErrExists, p.Identity)
		}
		if key, keyFile, err = newKey(p.Identity, o); err != nil {
			return nil, err
		}
		defer clear(keyFile)
	}
	v.key = key
	recipients := append(key.Recipients(), o.Recipients...)
	if _, err := checkRecipients(recipients); err != nil {
		return nil, err
	}
	if err := s.newHead(ctx, l); err != nil {
		return nil, err
	}
	undo := func() { l.conn.Exec(ctx, `DELETE FROM ztm_head WHERE id = 1 AND version = 0`) }
	if keyFile != nil {
		if err := makeDir(filepath.Dir(p.Identity)); err != nil {
			undo()
			return nil, err
		}
		if err := writeFileAtomic(p.Identity, keyFile); err != nil {
			undo()
			return nil, fmt.Errorf("cannot write the identity: %w", err)
		}
	}
	v.mu.Lock()
	v.pgq = l.conn
	err = v.initVault(recipients)
	v.pgq = nil
	v.mu.Unlock()
	if err != nil {
		v.mem.close()
		v.mem = nil
		undo()
		if keyFile != nil {
			os.Remove(p.Identity)
		}
		return nil, err
	}
	ok = true
	return v, nil
}
