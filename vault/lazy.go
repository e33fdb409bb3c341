package vault

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"filippo.io/age"
	"modernc.org/sqlite/vfs"
)

// A lazy load opens the vault read-only without decrypting all of it:
// SQLite reads pages through a VFS backed by age's random-access decryption,
// which decrypts (and authenticates) only the 64 KiB chunks those pages
// are in. A script's `ztm token` looks up one profile, so it decrypts a few
// chunks instead of the whole file and copies nothing into SQLite. Before
// its first change a lazily loaded vault loads fully (see Vault.sync).

// lazyName is the file name SQLite opens inside the lazy file system.
const lazyName = "vault.db"

// openLazy opens the vault file read-only through age.DecryptReaderAt.
func openLazy(path string, ids []age.Identity) (*memDB, stamp, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, stamp{}, fmt.Errorf("%w at %s: run ztm to create one, or point %s or --vault at yours", ErrNoVault, path, EnvVault)
	}
	if err != nil {
		return nil, stamp{}, fmt.Errorf("cannot open the vault: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, stamp{}, fmt.Errorf("cannot read the vault: %w", err)
	}
	m, err := lazyDB(path, f, fi.Size(), ids)
	if err != nil {
		f.Close()
		return nil, stamp{}, err
	}
	return m, stamp{fi: fi}, nil
}

func lazyDB(path string, f readerAtCloser, size int64, ids []age.Identity) (*memDB, error) {
	head := make([]byte, len(ageMagic))
	n, _ := f.ReadAt(head, 0)
	if err := checkMagic(path, head[:n]); err != nil {
		return nil, err
	}
	plain, plainSize, err := age.DecryptReaderAt(f, size, ids...)
	if err != nil {
		return nil, headerErr(path, err)
	}
	// The image must look like ours before SQLite sees it (see
	// supportedHeader).
	hdr := make([]byte, 100)
	if _, err := plain.ReadAt(hdr, 0); err != nil || !bytes.HasPrefix(hdr, sqliteHeader) {
		return nil, fmt.Errorf("%w: %s decrypts, but not to a ztm vault", ErrNotVault, path)
	}
	if !supportedHeader(hdr) {
		return nil, fmt.Errorf("%s: %w: unsupported database format", path, ErrCorrupt)
	}
	cache := newChunkCache(plain, plainSize)
	name, fsys, err := vfs.New(lazyFS{r: cache, size: plainSize})
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+lazyName+"?vfs="+name+"&mode=ro&immutable=1&_defensive=1")
	if err != nil {
		fsys.Close()
		return nil, err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		fsys.Close()
		return nil, err
	}
	m := &memDB{db: db, conn: conn, lazy: &lazyFiles{fsys: fsys, cache: cache, file: f}, touched: map[string]bool{}}
	if _, err := conn.ExecContext(context.Background(), "PRAGMA temp_store = MEMORY; PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON"); err != nil {
		m.close()
		return nil, fmt.Errorf("%s: %w: %v", path, ErrCorrupt, err)
	}
	return m, nil
}

// lazyFiles are what a lazily loaded database holds open.
type lazyFiles struct {
	fsys  *vfs.FS
	cache *chunkCache
	file  io.Closer
}

// readerAtCloser is what a lazy load reads the ciphertext from: the vault
// file, or the bytes PostgreSQL sent.
type readerAtCloser interface {
	io.ReaderAt
	io.Closer
}

func (l *lazyFiles) close() {
	l.fsys.Close()
	// The cache may be decrypting a chunk ahead from the file.
	l.cache.close()
	l.file.Close()
}

// lazyFS is a file system of one file, the decrypted vault, read at random.
type lazyFS struct {
	r    io.ReaderAt
	size int64
}

func (l lazyFS) Open(name string) (fs.File, error) {
	if name != lazyName {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &lazyFile{SectionReader: io.NewSectionReader(l.r, 0, l.size), size: l.size}, nil
}

type lazyFile struct {
	*io.SectionReader
	size int64
}

func (f *lazyFile) Stat() (fs.FileInfo, error) { return lazyInfo{f.size}, nil }
func (f *lazyFile) Close() error               { return nil }

type lazyInfo struct{ size int64 }

func (i lazyInfo) Name() string       { return lazyName }
func (i lazyInfo) Size() int64        { return i.size }
func (i lazyInfo) Mode() fs.FileMode  { return 0o400 }
func (i lazyInfo) ModTime() time.Time { return time.Time{} }
func (i lazyInfo) IsDir() bool        { return false }
func (i lazyInfo) Sys() any           { return nil }
