package vault

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"

	"filippo.io/age"
)

// A save streams the database to the encrypted temp file page by page,
// reading the pages through SQLite's sqlite_dbpage table, instead of
// serializing it: serializing made two copies of the whole image (one in
// SQLite's memory, one in Go's) and encrypting in memory a third, which at
// 100,000 profiles (a 50 MB image) put a save past 400 MB. The read-back
// check compares the decrypted file with the SHA-256 of what was written.

// imageSum is what a save knows of the image it wrote.
type imageSum struct {
	size int64
	sum  [sha256.Size]byte
}

// writeImage writes the database image to w, page by page, clearing each
// page after use, and returns its size and hash. half, if not nil, is
// called once about half way (a fault point for tests).
func (m *memDB) writeImage(w io.Writer, half func() error) (imageSum, error) {
	ctx := context.Background()
	var pages int64
	if err := m.conn.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		return imageSum{}, err
	}
	rows, err := m.conn.QueryContext(ctx, "SELECT data FROM sqlite_dbpage ORDER BY pgno")
	if err != nil {
		return imageSum{}, err
	}
	defer rows.Close()
	h := sha256.New()
	var s imageSum
	var n int64
	for rows.Next() {
		var page sql.RawBytes
		if err := rows.Scan(&page); err != nil {
			return imageSum{}, err
		}
		h.Write(page)
		_, err := w.Write(page)
		s.size += int64(len(page))
		clear(page)
		if err != nil {
			return imageSum{}, err
		}
		if n++; n == pages/2 && half != nil {
			if err := half(); err != nil {
				return imageSum{}, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return imageSum{}, err
	}
	if n != pages {
		return imageSum{}, fmt.Errorf("read %d of the database's %d pages", n, pages)
	}
	h.Sum(s.sum[:0])
	return s, nil
}

// writeTempImage encrypts the database to recipients into a new 0600 temp
// file beside the vault and fsyncs it. On error the temp file is gone.
func (v *Vault) writeTempImage(recipients []age.Recipient) (string, imageSum, error) {
	var s imageSum
	tmp, err := v.writeTemp(func(f *os.File) error {
		w, err := age.Encrypt(f, recipients...)
		if err != nil {
			return saveErr("encrypt", err)
		}
		if s, err = v.mem.writeImage(w, func() error { return v.step("write") }); err != nil {
			return saveErr("write", err)
		}
		if err := w.Close(); err != nil {
			return saveErr("write", err)
		}
		return nil
	})
	return tmp, s, err
}

// verifySum decrypts the file at path and checks it holds exactly the
// image summed in s.
//
// It reads through age's random-access reader, which authenticates every
// chunk as the streaming one does (and the last as the last), in reads of
// a megabyte with one buffer: the streaming reader allocated a new 64 KiB
// buffer for every chunk, 62 MB of garbage at 100,000 profiles.
func verifySum(path string, s imageSum, ids []age.Identity) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	plain, size, err := age.DecryptReaderAt(f, fi.Size(), ids...)
	if err != nil {
		return fmt.Errorf("the new file does not decrypt with this vault's key: %w", err)
	}
	if size != s.size {
		return errors.New("the new file does not read back as written")
	}
	h := sha256.New()
	buf := make([]byte, 1<<20)
	defer clear(buf)
	for off := int64(0); off < size; {
		n, err := plain.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		h.Write(buf[:n])
		off += int64(n)
		if err != nil && !(err == io.EOF && off == size) {
			return fmt.Errorf("the new file does not read back: %w", err)
		}
	}
	if !bytes.Equal(h.Sum(nil), s.sum[:]) {
		return errors.New("the new file does not read back as written")
	}
	return nil
}

// verifyStream decrypts the ciphertext read from src and checks it holds
// exactly the image summed in s.
func verifyStream(src io.Reader, s imageSum, ids []age.Identity) error {
	r, err := age.Decrypt(src, ids...)
	if err != nil {
		return fmt.Errorf("the new file does not decrypt with this vault's key: %w", err)
	}
	h := sha256.New()
	buf := make([]byte, 64<<10)
	defer clear(buf)
	n, err := io.CopyBuffer(h, r, buf)
	if err != nil {
		return fmt.Errorf("the new file does not read back: %w", err)
	}
	if n != s.size || !bytes.Equal(h.Sum(nil), s.sum[:]) {
		return errors.New("the new file does not read back as written")
	}
	return nil
}
