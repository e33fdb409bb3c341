package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
)

// tempMark is in the name of every temp file a save writes beside the
// vault; a crash can leave one behind, which the next change sweeps.
const tempMark = ".ztm-save-"

// tempPrefix starts the names of the temp files of the vault (or identity)
// at path. It is derived from the file's own name, so two vaults in one
// directory never take, or sweep, each other's temp files.
func tempPrefix(path string) string { return "." + filepath.Base(path) + tempMark }

// prevName is the second name a save gives the current vault file while
// it writes the next one (see save).
func prevName(path string) string {
	return filepath.Join(filepath.Dir(path), tempPrefix(path)+"prev")
}

// backupSuffix names the previous version of the vault: vault.age.bak.
const backupSuffix = ".bak"

// stamp identifies one version of the vault file cheaply: a save renames a
// new file over the old one, so the inode changes, and so do size and mtime.
// A vault in PostgreSQL is identified by its version instead.
type stamp struct {
	fi  os.FileInfo
	ver int64
}

func (s stamp) matches(fi os.FileInfo) bool {
	return s.fi != nil && fi != nil && os.SameFile(s.fi, fi) &&
		s.fi.Size() == fi.Size() && s.fi.ModTime().Equal(fi.ModTime())
}

// readVault reads and decrypts the vault file, returning the plaintext
// image (which the caller clears) and the file's stamp. The ciphertext is
// streamed through age into a buffer sized once from the file's size: no
// copy of the ciphertext is held, and nothing grows by doubling (ztm token
// pays for every byte touched here).
func readVault(path string, ids []age.Identity) ([]byte, stamp, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, stamp{}, fmt.Errorf("%w at %s: run ztm to create one, or point %s or --vault at yours", ErrNoVault, path, EnvVault)
	}
	if err != nil {
		return nil, stamp{}, fmt.Errorf("cannot open the vault: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, stamp{}, fmt.Errorf("cannot read the vault: %w", err)
	}
	image, err := decryptImageAt(path, f, fi.Size(), ids)
	return image, stamp{fi: fi}, err
}

// decryptImageAt decrypts the vault file in one read through age's
// random-access reader, which decrypts every chunk (authenticating each)
// through one 64 KiB buffer. age's streaming reader allocates a new buffer
// for every chunk: at 100,000 profiles that was 62 MB of garbage beside
// the 62 MB image, which raised the peak of every change by half as much
// again before the collector caught up.
func decryptImageAt(path string, f io.ReaderAt, size int64, ids []age.Identity) ([]byte, error) {
	head := make([]byte, len(ageMagic))
	n, _ := f.ReadAt(head, 0)
	if err := checkMagic(path, head[:n]); err != nil {
		return nil, err
	}
	plain, plainSize, err := age.DecryptReaderAt(f, size, ids...)
	if err != nil {
		// The random-access reader authenticates the last chunk up front.
		if strings.Contains(err.Error(), "chunk") {
			return nil, payloadErr(path, err)
		}
		return nil, headerErr(path, err)
	}
	image := make([]byte, plainSize)
	n, err = plain.ReadAt(image, 0)
	if int64(n) != plainSize || err != nil && err != io.EOF {
		clear(image)
		return nil, payloadErr(path, err)
	}
	return image, nil
}

// payloadErr says the encrypted content failed its authentication.
func payloadErr(path string, err error) error {
	return fmt.Errorf("%w: %s is truncated or was modified after it was written (%v); %s", ErrCorrupt, path, err, restoreHint(path))
}

// ageMagic starts every binary age file.
var ageMagic = []byte("age-encryption.org/v1\n")

// decryptImage turns size bytes of ciphertext from src into the database
// image, telling apart a file that is not age, a wrong key, and a damaged
// file.
func decryptImage(path string, src io.Reader, size int, ids []age.Identity) ([]byte, error) {
	head := make([]byte, len(ageMagic))
	n, _ := io.ReadFull(src, head)
	if err := checkMagic(path, head[:n]); err != nil {
		return nil, err
	}
	r, err := age.Decrypt(io.MultiReader(bytes.NewReader(head), src), ids...)
	if err != nil {
		return nil, headerErr(path, err)
	}
	// The plaintext is smaller than the file: one allocation, no growth.
	image := make([]byte, 0, size)
	for {
		if len(image) == cap(image) {
			image = append(image, 0)[:len(image)] // a plaintext larger than its file: grow once
		}
		n, err := r.Read(image[len(image):cap(image)])
		image = image[:len(image)+n]
		if err == io.EOF {
			return image, nil
		}
		if err != nil {
			clear(image)
			return nil, fmt.Errorf("%w: %s is truncated or was modified after it was written (%v); %s", ErrCorrupt, path, err, restoreHint(path))
		}
	}
}

// checkMagic tells a file that is not age from one cut short.
func checkMagic(path string, head []byte) error {
	switch {
	case bytes.Equal(head, ageMagic):
		return nil
	case len(head) == 0 || bytes.HasPrefix(ageMagic, head):
		return fmt.Errorf("%w: %s is empty or cut short; %s", ErrCorrupt, path, restoreHint(path))
	}
	return fmt.Errorf("%w: %s is not an age-encrypted file; check %s or --vault", ErrNotVault, path, EnvVault)
}

// headerErr tells a wrong key from a damaged header.
func headerErr(path string, err error) error {
	var noMatch *age.NoIdentityMatchError
	if errors.As(err, &noMatch) {
		return fmt.Errorf("%w: %s is encrypted to other keys (%s); unlock with the identity it was created with",
			ErrWrongIdentity, path, strings.Join(noMatch.StanzaTypes, ", "))
	}
	what := "is damaged or cut short"
	if strings.Contains(err.Error(), "header") {
		what = "has a damaged header"
	}
	return fmt.Errorf("%w: %s %s (%v); %s", ErrCorrupt, path, what, err, restoreHint(path))
}

// restoreHint tells how to get the previous version back, when there is one.
func restoreHint(path string) string {
	if exists(path + backupSuffix) {
		return fmt.Sprintf("the previous version is kept: mv %s %s", path+backupSuffix, path)
	}
	return "restore it from a backup"
}

// encryptImage encrypts image to recipients in memory, so that a failed
// encryption never touches the disk.
func encryptImage(image []byte, recipients []age.Recipient) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(image) + 1024)
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(image); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// verifyFile decrypts the file at path and checks it holds exactly image.
func verifyFile(path string, image []byte, ids []age.Identity) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := age.Decrypt(f, ids...)
	if err != nil {
		return fmt.Errorf("the new file does not decrypt with this vault's key: %w", err)
	}
	chunk := make([]byte, 64<<10)
	defer clear(chunk)
	rest := image
	for {
		n, err := io.ReadFull(r, chunk)
		if n > len(rest) || !bytes.Equal(chunk[:n], rest[:n]) {
			return errors.New("the new file does not read back as written")
		}
		rest = rest[n:]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return fmt.Errorf("the new file does not read back: %w", err)
		}
	}
	if len(rest) != 0 {
		return errors.New("the new file reads back short")
	}
	return nil
}

// sweepTemps removes the temp files of path left by a save that died.
// Callers hold the lock, so no live save owns them; other vaults' temp
// files in the same directory are left alone.
func sweepTemps(path string) {
	dir, prefix := filepath.Dir(path), tempPrefix(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return syncDirHandle(d)
}
