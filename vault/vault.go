package vault

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"time"
)

// Options tune a [Vault]; the zero value is ready to use.
type Options struct {
	// Now is the clock; defaults to time.Now.
	Now func() time.Time
	// LockTimeout bounds the wait for another process's change; default
	// 60 s, longer than one refresh call to Zoho may take.
	LockTimeout time.Duration
	// Lazy opens the vault read-only and decrypts only the parts SQLite
	// reads (lazy.go); the first change loads it fully. For short-lived
	// readers such as ztm token.
	Lazy bool
	// CacheDir is where a lazily opened vault in PostgreSQL keeps a copy
	// of the ciphertext it last read (pgcache.go), so that the next
	// short-lived reader is not sent it again; empty keeps none. See
	// [CacheDir].
	CacheDir string
}

// Vault is an unlocked vault held in memory. It is safe for concurrent use.
type Vault struct {
	paths Paths
	key   *Keyring
	now   func() time.Time
	lockT time.Duration
	lazy  bool // reads load lazily (Options.Lazy)

	// pg is the vault's PostgreSQL, when it lives there (store_pg.go).
	pg *pgStore
	// cache is the local copy of pg's ciphertext a lazy vault reads
	// when it is current (pgcache.go); empty when there is none.
	cache string

	mu  sync.Mutex
	mem *memDB
	// pgq, set under mu by a locked section, is the connection holding
	// its locks: what it reads and saves goes through that connection.
	pgq      pgQuerier
	loaded   stamp
	warnings []string

	// fault, when set by tests, is called before each step of a save and
	// fails it by returning an error.
	fault func(step string) error
	// link, when set by tests, replaces os.Link (a file system without
	// hard links).
	link func(oldname, newname string) error
}

// Open unlocks the vault at p with key and loads it into memory.
func Open(p Paths, key *Keyring, o Options) (*Vault, error) {
	if p.URL != "" {
		return openPG(p, key, o)
	}
	p, err := resolveLink(p)
	if err != nil {
		return nil, err
	}
	if err := checkDir(p.Dir); err != nil {
		return nil, err
	}
	v := newVault(p, key, o)
	if err := v.reload(); err != nil {
		return nil, err
	}
	v.warnings = permissionWarnings(p)
	return v, nil
}

func newVault(p Paths, key *Keyring, o Options) *Vault {
	v := &Vault{paths: p, key: key, now: o.Now, lockT: o.LockTimeout, lazy: o.Lazy}
	if v.now == nil {
		v.now = time.Now
	}
	if v.lockT <= 0 {
		v.lockT = 60 * time.Second
	}
	return v
}

// Paths returns where this vault lives.
func (v *Vault) Paths() Paths { return v.paths }

// Key returns the key the vault was unlocked with.
func (v *Vault) Key() *Keyring { return v.key }

// Warnings lists problems found at open that do not stop ztm, such as a
// vault file other users can read, each with the command that fixes it.
func (v *Vault) Warnings() []string { return append([]string(nil), v.warnings...) }

// Close releases the in-memory database.
func (v *Vault) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	err := v.mem.close()
	v.mem = nil
	if v.pg != nil {
		v.pg.close()
	}
	return err
}

// Changed reports whether another process saved the vault since this one
// loaded it. It costs one stat, so a long-lived reader can poll it; on a
// vault in PostgreSQL it costs nothing (a listener hears of saves).
func (v *Vault) Changed() bool {
	if v.pg != nil {
		return v.changedPG()
	}
	fi, err := os.Stat(v.paths.Vault)
	v.mu.Lock()
	defer v.mu.Unlock()
	return err != nil || !v.loaded.matches(fi)
}

// ReloadIfChanged reloads the vault when another process saved it, and
// reports whether it did.
func (v *Vault) ReloadIfChanged() (bool, error) {
	if v.pg != nil {
		v.pg.listen()
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.reloadIfChanged()
}

func (v *Vault) reloadIfChanged() (bool, error) {
	if v.pg != nil {
		return v.reloadIfChangedPG()
	}
	fi, err := os.Stat(v.paths.Vault)
	if err == nil && v.loaded.matches(fi) && v.mem != nil {
		return false, nil
	}
	return true, v.reload()
}

// reload reads, decrypts and loads the file into a new database, and swaps
// it in only when all of that worked: a failed load leaves the vault as it
// was.
func (v *Vault) reload() error {
	if v.pg != nil {
		return v.reloadPG()
	}
	if v.lazy {
		return v.reloadLazy()
	}
	return v.reloadFull()
}

// reloadLazy opens the file for reading on demand; a schema that needs a
// migration cannot be migrated read-only, so it loads fully instead.
func (v *Vault) reloadLazy() error {
	mem, st, err := openLazy(v.paths.Vault, v.key.identities)
	if err != nil {
		return err
	}
	// No schema check: it costs as much as the lookup ztm token makes. A
	// file whose tables are not ours fails its first query, which damaged
	// reports as ErrCorrupt; a change loads fully and checks everything.
	ver, err := schemaVersion(context.Background(), mem.conn)
	if err != nil || ver != SchemaVersion {
		mem.close()
		return v.reloadFull()
	}
	v.mem.close()
	v.mem, v.loaded = mem, st
	return nil
}

// reloadFull decrypts the whole file into an in-memory database.
func (v *Vault) reloadFull() error {
	image, st, err := readVault(v.paths.Vault, v.key.identities)
	if err != nil {
		return err
	}
	err = v.loadImage(image, st)
	clear(image)
	if cap(image) >= bigImage {
		// The database now lives in SQLite's memory, outside Go's heap:
		// hand the plaintext's pages back to the system now rather than at
		// some later collection, or a save of a large vault (which needs
		// as much again) holds both and doubles the peak.
		image = nil
		debug.FreeOSMemory()
	}
	return err
}

// bigImage is the image size past which a load returns its buffer to the
// system at once.
const bigImage = 16 << 20

// loadImage loads a decrypted image into a new database and swaps it in.
func (v *Vault) loadImage(image []byte, st stamp) error {
	mem, err := newMemDB()
	if err != nil {
		return err
	}
	if err := mem.load(image); err != nil {
		mem.close()
		if errors.Is(err, ErrNotVault) {
			return fmt.Errorf("%w: %s decrypts, but not to a ztm vault", ErrNotVault, v.paths.Vault)
		}
		return fmt.Errorf("%s: %w; %s", v.paths.Vault, err, restoreHint(v.paths.Vault))
	}
	if err := checkVault(mem); err != nil {
		mem.close()
		if errors.Is(err, ErrCorrupt) {
			return fmt.Errorf("%s: %w; %s", v.paths.Vault, err, restoreHint(v.paths.Vault))
		}
		return fmt.Errorf("%s: %w", v.paths.Vault, err)
	}
	v.mem.close()
	v.mem, v.loaded = mem, st
	return nil
}

// checkVault confirms a loaded database is a ztm vault and migrates it in
// memory (it is written back with the next change). The recipients are
// parsed only by a save: post-quantum keys cost real work to parse, and
// most opens (ztm token) never write.
func checkVault(mem *memDB) error {
	ctx := context.Background()
	ver, err := schemaVersion(ctx, mem.conn)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if ver == 0 {
		return fmt.Errorf("%w: the database inside has no ztm schema", ErrNotVault)
	}
	if err := migrate(ctx, mem.conn, SchemaVersion); err != nil {
		return err
	}
	return checkSchema(ctx, mem.conn)
}

// View runs fn on the vault as loaded in memory. fn must not keep tx.
func (v *Vault) View(fn func(tx *Tx) error) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.view(fn)
}

func (v *Vault) view(fn func(tx *Tx) error) error {
	if v.mem == nil {
		return errors.New("the vault is closed")
	}
	ctx := context.Background()
	return v.damaged(fn(&Tx{tx: v.mem.conn, ctx: ctx, now: v.clock(), readOnly: true, mem: v.mem}))
}

// Update makes a change that other processes will see: it takes the lock,
// reloads if another process saved since, runs fn in a transaction and saves.
// If fn returns an error, nothing changes. If the save fails, the file on
// disk is unchanged, the vault is reloaded from it, and the error wraps
// [ErrSave] and says which step failed.
//
// Locks are always taken in the same order, the file lock before the
// in-memory mutex, so a refresh that holds the file lock during a network
// call never deadlocks with a change waiting for it.
func (v *Vault) Update(ctx context.Context, fn func(tx *Tx) error) error {
	lock, err := v.lock(ctx)
	if err != nil {
		return err
	}
	defer lock.release()
	v.mu.Lock()
	defer v.mu.Unlock()
	defer v.use(lock)()
	if err := v.sync(); err != nil {
		return err
	}
	return v.updateLocked(ctx, fn, true)
}

// sync prepares a change: callers hold the file lock and mu. It reloads if
// another process saved, and loads a lazily opened vault fully, since a
// change needs a database it can write.
func (v *Vault) sync() error {
	if v.mem != nil && v.mem.lazy != nil && v.pg != nil {
		return v.loadPG(false)
	}
	if v.mem != nil && v.mem.lazy != nil {
		return v.reloadFull()
	}
	_, err := v.reloadIfChanged()
	return err
}

// updateLocked runs fn and saves what it changed; callers hold the file
// lock and mu. rotate says the change is a real one, after which .bak holds
// the version before it (see save).
//
// A save to PostgreSQL that finds the vault saved by someone else since
// it loaded (which the lock prevents, unless a holder lost its session)
// reloads and applies fn again: no change is lost, none is applied twice.
func (v *Vault) updateLocked(ctx context.Context, fn func(tx *Tx) error, rotate bool) error {
	for attempt := 1; ; attempt++ {
		changed, err := v.apply(ctx, fn)
		if err != nil || !changed {
			return err
		}
		err = v.save(rotate)
		if err == nil {
			return nil
		}
		// The database in memory holds a change the store does not: go
		// back to what is stored, so memory never claims more than was saved.
		if rerr := v.reload(); rerr != nil {
			v.loaded = stamp{}
			return err
		}
		if !errors.Is(err, errConflict) {
			return err
		}
		if attempt == 5 {
			return fmt.Errorf("%w: other ztm processes kept changing the vault; try again", ErrSave)
		}
	}
}

// apply runs fn in a transaction and commits it, bumping the generation.
// It reports whether fn changed anything; an unchanged vault is not saved.
func (v *Vault) apply(ctx context.Context, fn func(tx *Tx) error) (bool, error) {
	conn := v.mem.conn
	before, err := totalChanges(ctx, conn)
	if err != nil {
		return false, err
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer sqlTx.Rollback()
	touched := map[string]bool{"meta": true} // the generation below
	if err := fn(&Tx{tx: sqlTx, ctx: ctx, now: v.clock(), touched: touched}); err != nil {
		return false, v.damaged(err)
	}
	after, err := totalChanges(ctx, conn)
	if err != nil || after == before {
		return false, err
	}
	if _, err := sqlTx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES('generation', '1')
		ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`); err != nil {
		return false, err
	}
	if err := sqlTx.Commit(); err != nil {
		return false, err
	}
	for table := range touched {
		v.mem.touched[table] = true
	}
	return true, nil
}

func totalChanges(ctx context.Context, conn *sql.Conn) (int64, error) {
	var n int64
	err := conn.QueryRowContext(ctx, "SELECT total_changes()").Scan(&n)
	return n, err
}

// Check runs SQLite's full integrity check on the vault as loaded, for
// `ztm vault info` (saves run it too, see memDB.checkChanges).
func (v *Vault) Check() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.mem.check()
}

// clock reads the vault's clock at the precision the vault stores times.
func (v *Vault) clock() time.Time { return v.now().Truncate(time.Millisecond) }

// newVaultID returns a random identifier for a new vault.
func newVaultID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
