package vault

import (
	"context"
	"io"
	"os"
	"sync"
	"time"
)

// Opening and reloading a vault in PostgreSQL. A new process's open is
// mostly waiting: for the connection, the login, the read statement. So
// all of that starts first, and everything local happens meanwhile:
// loading the key, checking the local copy of the ciphertext (pgcache.go)
// and opening it, in case PostgreSQL says it is current.

// OpenKeyed is [Open] with the key that loadKey returns. For a vault in
// PostgreSQL, connecting, logging in and reading (most of an open) go on
// while the key loads; a file vault loads its key first.
func OpenKeyed(p Paths, loadKey func() (*Keyring, error), o Options) (*Vault, error) {
	if p.URL != "" {
		return openPGKeyed(p, loadKey, o)
	}
	key, err := loadKey()
	if err != nil {
		return nil, err
	}
	return Open(p, key, o)
}

// openPG is [Open] for a vault in PostgreSQL.
func openPG(p Paths, key *Keyring, o Options) (*Vault, error) {
	return openPGKeyed(p, func() (*Keyring, error) { return key, nil }, o)
}

// openPGKeyed is [OpenKeyed] for a vault in PostgreSQL. A key that took
// long to load (a person typing a passphrase) may have outlived what was
// read: it is read again.
func openPGKeyed(p Paths, loadKey func() (*Keyring, error), o Options) (*Vault, error) {
	s, err := connectPG(p.URL, os.Getenv)
	if err != nil {
		return nil, err
	}
	v := newVault(p, nil, o)
	v.pg = s
	if o.Lazy && o.CacheDir != "" {
		v.cache = cacheFile(o.CacheDir, p.URL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	local := v.localCopy(v.lazy)
	read := make(chan pgRead, 1)
	go func() { read <- v.firstRead(ctx, local) }()
	start := time.Now()
	v.key, err = loadKey()
	keyTook := time.Since(start)
	var ready *memDB // the copy, opened while PostgreSQL answers
	if local != nil {
		if c := local(); err != nil {
			c.Close()
		} else if c != nil {
			ready = v.openLazyPG(ctx, c, c.size)
		}
	}
	if err != nil {
		cancel()
	}
	r := <-read
	switch {
	case err != nil:
		r.wait()
	case r.err == nil && keyTook > time.Second:
		r.wait()
		err = v.usePG(ctx, v.lazy, v.readPG(ctx, v.lazy))
	case r.err == nil && r.hit && ready != nil:
		v.mem, v.loaded, ready = ready, stamp{ver: r.ver}, nil
	case r.hit:
		// The copy is current but does not open lazily (a schema to
		// migrate, another key): fetch it, so that what is said is said
		// of PostgreSQL's.
		err = v.usePG(ctx, v.lazy, v.readPG(ctx, false))
	default:
		// The read checks the schema too, in the same round trip.
		err = v.usePG(ctx, v.lazy, r)
	}
	ready.close()
	if err != nil {
		s.close()
		return nil, err
	}
	return v, nil
}

// firstRead is an open's read statement. A lazy open (a reader: `ztm
// token` and the like) reads on a connection of its own, which starts
// dialing at once; one that will change the vault reads through the pool,
// whose connection the change then takes. local is checked by whichever
// of the open and the read first wants it: the key and the connection
// come first.
func (v *Vault) firstRead(ctx context.Context, local func() *cachedCopy) pgRead {
	var q pgQuerier = v.pg.pool
	if v.lazy {
		pc, err := v.pg.connectWire(ctx)
		if err != nil {
			return pgRead{err: v.pg.err(err, "read")}
		}
		q = firstConn{Pool: v.pg.pool, pc: pc, done: func() { v.pg.closeWire(pc) }}
	}
	st, ver, hit, err := v.pg.read(ctx, q, local)
	return pgRead{st: st, ver: ver, hit: hit, err: err}
}

// localCopy checks the local copy of the ciphertext when a load may use
// one: it returns what checks it, once, and gives the copy (nil when
// there is none to check; the copy it gives may be nil).
func (v *Vault) localCopy(lazy bool) func() *cachedCopy {
	if !lazy || v.cache == "" {
		return nil
	}
	return sync.OnceValue(func() *cachedCopy { return openCache(v.cache) })
}

// openLazyPG opens the ciphertext in src lazily, taking src; nil when it
// does not open or its schema needs a migration (a whole load will say
// why).
func (v *Vault) openLazyPG(ctx context.Context, src readerAtCloser, size int64) *memDB {
	mem, err := lazyDB(v.paths.Vault, src, size, v.key.identities)
	if err != nil {
		src.Close()
		return nil
	}
	if sv, err := schemaVersion(ctx, mem.conn); err != nil || sv != SchemaVersion {
		mem.close()
		return nil
	}
	return mem
}

// reloadPG loads the current version, and swaps it in only when all of
// that worked. Lazy opens decrypt only the chunks SQLite reads, as for a
// file.
func (v *Vault) reloadPG() error { return v.loadPG(v.lazy) }

// loadPG is reloadPG, lazily or not: a change needs the whole database.
func (v *Vault) loadPG(lazy bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	return v.usePG(ctx, lazy, v.readPG(ctx, lazy))
}

// pgRead is what one read statement gave: the ciphertext arriving in st,
// or hit when the local copy (pgcache.go) is current, which copy then
// holds when the reader asked for it open.
type pgRead struct {
	st   *pgStream
	copy *cachedCopy
	ver  int64
	hit  bool
	err  error
}

// wait lets go of what r read, unused.
func (r pgRead) wait() {
	if r.copy != nil {
		r.copy.Close()
	}
	if r.st != nil {
		r.st.wait()
	}
}

// readPG sends the read statement, with the local copy's description
// when a lazy load may use one (checked while connecting).
func (v *Vault) readPG(ctx context.Context, lazy bool) pgRead {
	local := v.localCopy(lazy)
	if local != nil {
		go local() // while the statement is on its way
	}
	st, ver, hit, err := v.pg.read(ctx, v.pgQ(), local)
	r := pgRead{st: st, ver: ver, hit: hit, err: err}
	if local != nil {
		if c := local(); hit {
			r.copy = c
		} else if c != nil {
			c.Close()
		}
	}
	return r
}

// usePG loads what r read. The ciphertext may still be arriving as
// decryption begins; it has all arrived, or the load failed, by the time
// usePG returns. A lazy load that fetched the ciphertext leaves a copy
// for the next.
func (v *Vault) usePG(ctx context.Context, lazy bool, r pgRead) error {
	if r.err != nil {
		return r.err
	}
	if r.copy != nil {
		if mem := v.openLazyPG(ctx, r.copy, r.copy.size); mem != nil {
			v.mem.close()
			v.mem, v.loaded = mem, stamp{ver: r.ver}
			return nil
		}
		if r = v.readPG(ctx, false); r.err != nil {
			return r.err
		}
	}
	st := r.st
	size := int64(len(st.buf))
	if lazy && (v.mem == nil || v.mem.lazy != nil) {
		if mem := v.openLazyPG(ctx, st, size); mem != nil {
			if err := st.wait(); err != nil {
				mem.close()
				return v.pg.err(err, "read")
			}
			v.mem.close()
			v.mem, v.loaded = mem, stamp{ver: r.ver}
			writeCache(v.cache, r.ver, st.buf)
			return nil
		}
	}
	image, err := decryptImage(v.paths.Vault, io.NewSectionReader(st, 0, size), int(size), v.key.identities)
	// A piece that never came reads as a damaged file: say what happened.
	if werr := st.wait(); werr != nil {
		clear(image)
		return v.pg.err(werr, "read")
	}
	if err != nil {
		return err
	}
	err = v.loadImage(image, stamp{ver: r.ver})
	clear(image)
	return err
}
