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
	// checked says the whole database passed the full integrity check
	// since it was loaded; touched lists the tables changed since then
	// (see checkChanges).
	checked bool
	touched map[string]bool
	// stmts are the statements reads have prepared on conn, kept for the
	// life of the database: compiling a statement was most of the cost of
	// FreshToken on a valid token, which the agent and token server make
	// many times.
	stmts map[string]*sql.Stmt
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
	return &memDB{db: db, conn: conn, touched: map[string]bool{}}, nil
}

// setPragmas applies the settings that keep plaintext off the disk; load
// calls it after every deserialize, which resets some of them, and a new
// vault calls it before its first table.
func (m *memDB) setPragmas() error {
	_, err := m.conn.ExecContext(context.Background(), pragmas)
	return err
}

// stmt returns query prepared on the connection, preparing it once.
func (m *memDB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := m.stmts[query]; ok {
		return st, nil
	}
	st, err := m.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if m.stmts == nil {
		m.stmts = map[string]*sql.Stmt{}
	}
	m.stmts[query] = st
	return st, nil
}

func (m *memDB) close() error {
	if m == nil {
		return nil
	}
	for _, st := range m.stmts {
		st.Close()
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
// against their tables).
func (m *memDB) check() error {
	if err := m.pragmaCheck("PRAGMA integrity_check"); err != nil {
		return err
	}
	m.checked, m.touched = true, map[string]bool{}
	return nil
}

// checkChanges is the check every save runs, so that nothing damaged is
// ever written over a good vault (and rotated into .bak).
//
// Damage can enter the database in memory two ways: in the image it was
// loaded from (a crafted file encrypted to a recipient's public key, or a
// bug in an old ztm), or from SQLite's own writes going wrong. The first
// is caught by the full integrity check, which runs at the first save after
// every load. After that, the database changes only through SQLite's
// statements on a connection in defensive mode (no writable_schema, no
// writes to sqlite_dbpage), so an untouched table is byte-for-byte what was
// checked, and a touched one can only be damaged at the page level, which
// quick_check on that table finds (b-tree structure, cell and record
// formats, NOT NULL and STRICT types). What quick_check leaves out,
// matching every index entry against its row, guards against damage from
// outside SQLite, already ruled out. What reaches the disk is then checked
// by decrypting it back and comparing it with the image (verifyFile). At
// 10,000 profiles this is about a tenth of the full check.
func (m *memDB) checkChanges() error {
	if !m.checked || m.touched["*"] {
		return m.check()
	}
	for table := range m.touched {
		if !isIdent(table) {
			return m.check()
		}
		if err := m.pragmaCheck("PRAGMA quick_check(" + table + ")"); err != nil {
			return err
		}
	}
	m.touched = map[string]bool{}
	return nil
}

func (m *memDB) pragmaCheck(pragma string) error {
	var result string
	if err := m.conn.QueryRowContext(context.Background(), pragma).Scan(&result); err != nil {
		return fmt.Errorf("%w: integrity check: %v", ErrCorrupt, err)
	}
	if result != "ok" {
		return fmt.Errorf("%w: the integrity check failed (%s)", ErrCorrupt, result)
	}
	return nil
}

// isIdent reports whether s is a plain SQL identifier, safe to put in a
// pragma's parentheses.
func isIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
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

// supportedHeader checks the header of a database image for what ztm
// writes: bytes 18 and 19 are the write and read format versions, where 2
// means WAL, which an in-memory database cannot use; bytes 56 to 59 are
// the text encoding, 1 for UTF-8 (0 before any table exists). Profiles are
// read packed with their lengths in UTF-8 bytes (profilerows.go).
func supportedHeader(h []byte) bool {
	if len(h) < 100 || h[18] != 1 || h[19] != 1 {
		return false
	}
	enc := uint32(h[56])<<24 | uint32(h[57])<<16 | uint32(h[58])<<8 | uint32(h[59])
	return enc == 0 || enc == 1
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
	if !supportedHeader(image) {
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
