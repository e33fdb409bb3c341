package vault

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// memDSN opens a private in-memory database in defensive mode (no
// writable_schema tricks from a crafted image).
const memDSN = "file::memory:?_defensive=1"

// pragmas are applied after every load: deserialize resets secure_delete,
// and the temp store and journal must never touch the disk.
const pragmas = `
PRAGMA temp_store = MEMORY;
PRAGMA journal_mode = MEMORY;
PRAGMA secure_delete = ON;
PRAGMA trusted_schema = OFF;
PRAGMA cell_size_check = ON;
PRAGMA foreign_keys = ON;`

// sqliteHeader starts every SQLite image.
var sqliteHeader = []byte("SQLite format 3\x00")

// memDB is one in-memory SQLite database on a pinned connection: each new
// connection to :memory: would be a different, empty database.
type memDB struct {
	db   *sql.DB
	conn *sql.Conn
	// lazy is set for a read-only database read on demand from the file
	// (lazy.go) rather than held in memory.
	lazy *lazyFiles
}

func newMemDB() (*memDB, error) {
	db, err := sql.Open("sqlite", memDSN)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		return nil, err
	}
	return &memDB{db: db, conn: conn}, nil
}

// setPragmas applies the settings that keep plaintext off the disk; load
// calls it after every deserialize, which resets some of them, and a new
// vault calls it before its first table.
func (m *memDB) setPragmas() error {
	_, err := m.conn.ExecContext(context.Background(), pragmas)
	return err
}

func (m *memDB) close() error {
	if m == nil {
		return nil
	}
	err := m.conn.Close()
	if err2 := m.db.Close(); err == nil {
		err = err2
	}
	if m.lazy != nil {
		m.lazy.close()
	}
	return err
}

// check runs SQLite's full integrity check (b-trees, free list, indexes
// against their tables). Saves run it, so that a damaged database is never
// written over a good vault.
func (m *memDB) check() error {
	var result string
	if err := m.conn.QueryRowContext(context.Background(), "PRAGMA integrity_check").Scan(&result); err != nil {
		return fmt.Errorf("%w: integrity check: %v", ErrCorrupt, err)
	}
	if result != "ok" {
		return fmt.Errorf("%w: the integrity check failed (%s)", ErrCorrupt, result)
	}
	return nil
}

type serializer interface {
	Serialize() ([]byte, error)
	Deserialize([]byte) error
}

// serialize returns the database image. The caller clears it after use.
func (m *memDB) serialize() ([]byte, error) {
	var image []byte
	err := m.conn.Raw(func(dc any) error {
		s, ok := dc.(serializer)
		if !ok {
			return errors.New("the SQLite driver cannot serialize")
		}
		var err error
		image, err = s.Serialize()
		return err
	})
	return image, err
}

// load replaces the database with image. It never keeps a half-loaded
// database: on error the previous contents are gone and the caller must
// discard this memDB.
//
// There is no full integrity check here, on purpose: age authenticates every
// byte, and every image ztm writes passed [memDB.check] before it was
// encrypted, so a damaged image cannot come from ztm. The check costs three
// times the decryption, and `ztm token` runs on every API call a script
// makes. If a crafted image slips through, SQLite reports "malformed" on the
// first query that reaches the damage, which the vault turns into ErrCorrupt.
func (m *memDB) load(image []byte) error {
	if !bytes.HasPrefix(image, sqliteHeader) {
		return fmt.Errorf("%w: the decrypted content is not a database", ErrNotVault)
	}
	// Bytes 18 and 19 are the write and read format versions; 2 means WAL,
	// which an in-memory database cannot use.
	if len(image) < 100 || image[18] != 1 || image[19] != 1 {
		return fmt.Errorf("%w: unsupported database format", ErrCorrupt)
	}
	err := m.conn.Raw(func(dc any) error {
		s, ok := dc.(serializer)
		if !ok {
			return errors.New("the SQLite driver cannot deserialize")
		}
		return s.Deserialize(image)
	})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err := m.setPragmas(); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return nil
}
