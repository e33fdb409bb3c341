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
	"sync"
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
	name, fsys, err := vfs.New(lazyFS{r: newChunkCache(plain, plainSize), size: plainSize})
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
	m := &memDB{db: db, conn: conn, lazy: &lazyFiles{fsys: fsys, file: f}, touched: map[string]bool{}}
	if _, err := conn.ExecContext(context.Background(), "PRAGMA temp_store = MEMORY; PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON"); err != nil {
		m.close()
		return nil, fmt.Errorf("%s: %w: %v", path, ErrCorrupt, err)
	}
	return m, nil
}

// lazyFiles are what a lazily loaded database holds open.
type lazyFiles struct {
	fsys *vfs.FS
	file io.Closer
}

// readerAtCloser is what a lazy load reads the ciphertext from: the vault
// file, or the bytes PostgreSQL sent.
type readerAtCloser interface {
	io.ReaderAt
	io.Closer
}

func (l *lazyFiles) close() {
	l.fsys.Close()
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

// ageChunk is the size of age's payload chunks: the unit of decryption.
const ageChunk = 64 << 10

// maxCachedChunks bounds chunkCache to 4 MiB of plaintext.
const maxCachedChunks = 64

// chunkCache keeps the age chunks already decrypted. age's ReaderAt keeps
// only the last one, and SQLite's reads jump between the schema, an index
// and two tables, which made it decrypt the same chunks again and again.
type chunkCache struct {
	mu     sync.Mutex
	r      io.ReaderAt
	size   int64
	chunks map[int64][]byte
	order  []int64
}

func newChunkCache(r io.ReaderAt, size int64) *chunkCache {
	return &chunkCache{r: r, size: size, chunks: map[int64][]byte{}}
}

func (c *chunkCache) ReadAt(p []byte, off int64) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		if pos >= c.size {
			return n, io.EOF
		}
		chunk, err := c.chunk(pos / ageChunk)
		if err != nil {
			return n, err
		}
		n += copy(p[n:], chunk[pos%ageChunk:])
	}
	return n, nil
}

func (c *chunkCache) chunk(i int64) ([]byte, error) {
	if b, ok := c.chunks[i]; ok {
		return b, nil
	}
	// A full cache gives its oldest chunk's buffer to the new one: a scan
	// of 100,000 profiles misses thousands of times, and a fresh 64 KiB
	// each time was most of its garbage.
	var b []byte
	if len(c.order) == maxCachedChunks {
		b = c.chunks[c.order[0]]
		delete(c.chunks, c.order[0])
		c.order = c.order[1:]
	}
	if n := min(ageChunk, c.size-i*ageChunk); int64(cap(b)) >= n {
		b = b[:n]
	} else {
		b = make([]byte, n)
	}
	if _, err := c.r.ReadAt(b, i*ageChunk); err != nil && !(err == io.EOF && len(b) > 0) {
		return nil, err
	}
	c.chunks[i] = b
	c.order = append(c.order, i)
	return b, nil
}
