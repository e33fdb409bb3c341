package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"

	"ztm/vault"
)

// Seal encrypts a bundle's plaintext to recipients, as text when armored.
func Seal(plain []byte, recipients []age.Recipient, arm bool) ([]byte, error) {
	var buf bytes.Buffer
	var dst io.Writer = &buf
	var aw io.WriteCloser
	if arm {
		aw = armor.NewWriter(&buf)
		dst = aw
	}
	w, err := age.Encrypt(dst, recipients...)
	if err != nil {
		return nil, fmt.Errorf("cannot encrypt to these recipients: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if aw != nil {
		if err := aw.Close(); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// BundleKeyError is an error about the key a bundle needs. It unwraps to
// the vault's matching error, so it exits like one (code 3), without
// speaking of the vault.
type BundleKeyError struct {
	msg  string
	kind error
}

func (e BundleKeyError) Error() string { return e.msg }
func (e BundleKeyError) Unwrap() error { return e.kind }

// maxBundle bounds what an import reads: ten thousand profiles fit many
// times over, and a hostile file cannot make ztm allocate without end.
const maxBundle = 256 << 20

// OpenBundle decrypts a bundle with ids (the vault's own key and any the
// user named), or with a passphrase from pass when it was made for one.
// A plaintext export is returned as is.
func OpenBundle(data []byte, ids []age.Identity, pass func() (string, error)) ([]byte, error) {
	if len(data) > maxBundle {
		return nil, fmt.Errorf("%w: it is larger than %d MiB", ErrNotBundle, maxBundle>>20)
	}
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("{")) {
		return data, nil // --plaintext export
	}
	var src io.Reader = bytes.NewReader(data)
	switch {
	case bytes.HasPrefix(trimmed, []byte(armor.Header)):
		src = armor.NewReader(bytes.NewReader(trimmed))
	case !bytes.HasPrefix(data, []byte("age-encryption.org/")):
		return nil, fmt.Errorf("%w: it is neither an age file nor JSON", ErrNotBundle)
	}
	scrypt := IsPassphraseBundle(data)
	if scrypt {
		p, err := pass()
		if err != nil {
			return nil, err
		}
		id, err := age.NewScryptIdentity(p)
		if err != nil {
			return nil, err
		}
		ids = []age.Identity{id}
	}
	r, err := age.Decrypt(src, ids...)
	var noMatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &noMatch) && scrypt:
		return nil, fmt.Errorf("%w for the bundle: nothing was imported", vault.ErrWrongPassphrase)
	case errors.As(err, &noMatch):
		return nil, BundleKeyError{"the bundle is encrypted to other keys than this vault's: give the one it was made for with --key; nothing was imported", vault.ErrWrongIdentity}
	case err != nil:
		return nil, fmt.Errorf("%w: the bundle is damaged (%v)", ErrNotBundle, err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%w: the bundle is truncated or was modified (%v)", ErrNotBundle, err)
	}
	return plain, nil
}

// IsPassphraseBundle reports whether an age file (binary or armored) is
// encrypted to a passphrase.
func IsPassphraseBundle(data []byte) bool {
	hdr, trimmed := data, bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte(armor.Header)) {
		if dec, err := io.ReadAll(io.LimitReader(armor.NewReader(bytes.NewReader(trimmed)), 4096)); err == nil {
			hdr = dec
		}
	}
	return bytes.Contains(hdr[:min(len(hdr), 4096)], []byte("\n-> scrypt "))
}

// NewKeyError reports a --key file that cannot be read, without the
// vault's wording.
func NewKeyError(path string, err error) error {
	return BundleKeyError{fmt.Sprintf("cannot read the key --key %s: %v", path, err), vault.ErrNoIdentity}
}
