package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

// A short-lived command on a vault in PostgreSQL (`ztm token` in a script)
// would otherwise fetch the whole ciphertext, every time, to read one
// profile: for 1,000 profiles, 700 KB through PostgreSQL's TOAST table and
// the network, then decrypted. So a lazily opened vault keeps a local copy
// of the ciphertext it last read. A reader first asks what the current
// ciphertext is (version, length and first bytes, all in the head row)
// and fetches it only when the copy is not that one. The copy is age
// ciphertext, like a vault file: it holds no secret in the clear, and it
// lives in a 0700 directory as a 0600 file all the same.
//
// Why the first bytes: an age header begins with the first recipient's
// stanza, whose ephemeral share (or salt) is fresh randomness for every
// encryption, so two ciphertexts of one length and version with the same
// first cachePrefix bytes are the same encryption. A copy that does not
// match is never used; one forged to match could not be decrypted, since
// the header's MAC is keyed with the file key. The checksum over the whole
// copy catches a damaged file before it is used: it is fetched again.

// cacheMagic starts every copy; the number is the copy's format.
const cacheMagic = "ztm vault copy 1"

// cachePrefix is how many of the ciphertext's first bytes identify it.
// The PostgreSQL schema's second migration says 512 too, and it never
// changes: a new figure needs a new migration.
const cachePrefix = 512

// cacheHeaderLen is the magic, the version, the length and the checksum.
const cacheHeaderLen = len(cacheMagic) + 8 + 8 + 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// cacheFile is where the copy of the vault at url (its password removed)
// is kept in dir.
func cacheFile(dir, url string) string {
	sum := sha256.Sum256([]byte(Redact(url)))
	return filepath.Join(dir, "pg-"+hex.EncodeToString(sum[:12])+".age")
}

// cachedCopy is a local copy found whole: the ciphertext of version ver,
// size bytes long, starting with prefix, read from f at cacheHeaderLen.
type cachedCopy struct {
	f      *os.File
	ver    int64
	size   int64
	prefix []byte
}

// openCache returns the copy at path, or nil when there is none that
// reads back whole (missing, short, another format, a failed checksum).
func openCache(path string) *cachedCopy {
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	c, err := checkCache(f)
	if err != nil {
		f.Close()
		return nil
	}
	return c
}

// checkCache reads f's header and checks its checksum, reading it once.
func checkCache(f *os.File) (*cachedCopy, error) {
	hdr := make([]byte, cacheHeaderLen+cachePrefix)
	n, err := io.ReadFull(f, hdr)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) || n < cacheHeaderLen || string(hdr[:len(cacheMagic)]) != cacheMagic {
		return nil, errors.New("not a vault copy")
	}
	b := hdr[len(cacheMagic):]
	c := &cachedCopy{f: f, ver: int64(binary.BigEndian.Uint64(b)), size: int64(binary.BigEndian.Uint64(b[8:]))}
	want := binary.BigEndian.Uint32(b[16:])
	if c.size <= 0 || int64(n-cacheHeaderLen) != min(c.size, cachePrefix) {
		return nil, errors.New("short vault copy")
	}
	c.prefix = hdr[cacheHeaderLen:n]
	sum := crc32.Update(0, castagnoli, c.prefix)
	buf := make([]byte, 64<<10)
	rest := c.size - int64(len(c.prefix))
	for rest > 0 {
		m, err := f.Read(buf[:min(int64(len(buf)), rest)])
		if m == 0 && err != nil {
			return nil, errors.New("short vault copy")
		}
		sum = crc32.Update(sum, castagnoli, buf[:m])
		rest -= int64(m)
	}
	if sum != want {
		return nil, errors.New("damaged vault copy")
	}
	if m, _ := f.Read(buf[:1]); m != 0 {
		return nil, errors.New("vault copy longer than it says")
	}
	return c, nil
}

// ReadAt and Close make the copy what a lazy load reads.
func (c *cachedCopy) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 || off > c.size {
		return 0, errors.New("read outside the ciphertext")
	}
	if int64(len(b)) > c.size-off {
		n, err := c.f.ReadAt(b[:c.size-off], off+int64(cacheHeaderLen))
		if err == nil {
			err = io.EOF
		}
		return n, err
	}
	return c.f.ReadAt(b, off+int64(cacheHeaderLen))
}

func (c *cachedCopy) Close() error {
	if c == nil {
		return nil
	}
	return c.f.Close()
}

// matches reports whether the copy is the ciphertext PostgreSQL described.
func (c *cachedCopy) matches(ver, size int64, prefix []byte) bool {
	return c != nil && c.ver == ver && c.size == size && bytes.Equal(c.prefix, prefix)
}

// writeCache replaces the copy at path with cipher, version ver, through
// a temporary file renamed into place: a reader sees the old copy or the
// new one. It is a cache: a failure leaves no copy, and the next read
// fetches the ciphertext again, so failures are not reported.
func writeCache(path string, ver int64, cipher []byte) {
	if path == "" || len(cipher) == 0 {
		return
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm()&0o077 != 0 {
		// A directory others can enter is no place for it.
		return
	}
	f, err := os.CreateTemp(dir, ".pg-*.tmp")
	if err != nil {
		return
	}
	tmp := f.Name()
	hdr := make([]byte, cacheHeaderLen)
	copy(hdr, cacheMagic)
	b := hdr[len(cacheMagic):]
	binary.BigEndian.PutUint64(b, uint64(ver))
	binary.BigEndian.PutUint64(b[8:], uint64(len(cipher)))
	binary.BigEndian.PutUint32(b[16:], crc32.Checksum(cipher, castagnoli))
	_, err = f.Write(hdr)
	if err == nil {
		_, err = f.Write(cipher)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
}
