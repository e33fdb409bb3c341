package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"filippo.io/age"
)

// CreateOptions says how to protect a new vault. Exactly one of Passphrase,
// Key and GenerateKeyFile is set.
type CreateOptions struct {
	// Passphrase creates a vault in passphrase mode: a new identity is
	// generated and written to Paths.Identity (identity.age) wrapped with it.
	Passphrase string
	// Key uses an identity the caller already loaded (an age identity file
	// or an SSH key, see [LoadKey]): key-file mode.
	Key *Keyring
	// GenerateKeyFile writes a new identity, unwrapped, to Paths.Identity
	// (identity.txt, mode 0600): key-file mode for CI and headless use.
	GenerateKeyFile bool
	// Classic generates an X25519 identity instead of a post-quantum one.
	// age cannot mix the two kinds of recipient, so a vault that must also
	// be encrypted to SSH or X25519 keys needs a classic identity.
	Classic bool
	// Recipients are more public keys the vault is encrypted to.
	Recipients []string
	// ScryptWorkFactor is log2 of scrypt's cost for passphrase mode; zero
	// means age's default. Only tests lower it.
	ScryptWorkFactor int
}

// Create makes a new vault at p and returns it unlocked. It refuses to
// overwrite a vault or a passphrase identity that is already there.
func Create(p Paths, o CreateOptions, vo Options) (*Vault, error) {
	p, err := resolveLink(p)
	if err != nil {
		return nil, err
	}
	if p.Exists() {
		return nil, fmt.Errorf("%w at %s", ErrExists, p.Vault)
	}
	if n := boolInt(o.Passphrase != "") + boolInt(o.Key != nil) + boolInt(o.GenerateKeyFile); n != 1 {
		return nil, errors.New("vault: give exactly one of a passphrase, a key or GenerateKeyFile")
	}
	if err := makeDir(p.Dir); err != nil {
		return nil, err
	}
	key := o.Key
	if key == nil {
		if exists(p.Identity) {
			return nil, fmt.Errorf("%w at %s, but no vault beside it: move it away first (it may belong to a vault elsewhere)", ErrExists, p.Identity)
		}
		var err error
		if key, err = newKey(p.Identity, o); err != nil {
			return nil, err
		}
	}
	recipients := append(key.Recipients(), o.Recipients...)
	if _, err := checkRecipients(recipients); err != nil {
		return nil, err
	}

	v := newVault(p, key, vo)
	lock, err := acquireLock(context.Background(), p.Lock, v.lockT)
	if err != nil {
		return nil, err
	}
	defer lock.release()
	if p.Exists() {
		return nil, fmt.Errorf("%w at %s (created meanwhile by another ztm)", ErrExists, p.Vault)
	}
	if v.mem, err = newMemDB(); err != nil {
		return nil, err
	}
	if err := v.mem.setPragmas(); err != nil {
		v.mem.close()
		return nil, err
	}
	ctx := context.Background()
	if err := migrate(ctx, v.mem.conn, SchemaVersion); err != nil {
		v.mem.close()
		return nil, err
	}
	_, err = v.apply(ctx, func(tx *Tx) error {
		for k, val := range map[string]string{
			"vault_id":   newVaultID(),
			"created_at": strconv.FormatInt(tx.now.UnixMilli(), 10),
			"recipients": strings.Join(recipients, "\n"),
		} {
			if err := tx.setMeta(k, val); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = v.save(true)
	}
	if err != nil {
		v.mem.close()
		if o.Key == nil {
			os.Remove(p.Identity)
		}
		return nil, err
	}
	return v, nil
}

// newKey generates the vault's identity and writes it to path: wrapped
// with the passphrase, or plain for key-file mode.
func newKey(path string, o CreateOptions) (*Keyring, error) {
	var id age.Identity
	var text string
	if o.Classic {
		x, err := age.GenerateX25519Identity()
		if err != nil {
			return nil, err
		}
		id, text = x, x.String()
	} else {
		h, err := age.GenerateHybridIdentity()
		if err != nil {
			return nil, err
		}
		id, text = h, h.String()
	}
	mode := ModeIdentity
	data := []byte("# ztm vault identity: keep it secret, keep a backup.\n" + text + "\n")
	if o.Passphrase != "" {
		mode = ModePassphrase
		var err error
		if data, err = wrapIdentity(text, o.Passphrase, o.ScryptWorkFactor); err != nil {
			return nil, err
		}
	}
	if err := writeFileAtomic(path, data); err != nil {
		return nil, fmt.Errorf("cannot write the identity: %w", err)
	}
	return keyringFrom(mode, path, []age.Identity{id})
}

// wrapIdentity encrypts an identity with a passphrase. The result is an
// ordinary age file: `age -d identity.age` recovers the key.
func wrapIdentity(identity, passphrase string, workFactor int) ([]byte, error) {
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, err
	}
	if workFactor > 0 {
		r.SetWorkFactor(workFactor)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write([]byte(identity + "\n")); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// checkRecipients parses recipients and makes sure age will encrypt to all
// of them together (it refuses to mix post-quantum and classic keys).
func checkRecipients(list []string) ([]age.Recipient, error) {
	var rs []age.Recipient
	for _, s := range list {
		r, err := ParseRecipient(s)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	if _, err := encryptImage(nil, rs); err != nil {
		return nil, fmt.Errorf("%w: age cannot encrypt to these keys together (post-quantum age1pq1... keys cannot be mixed with X25519 or SSH keys)", ErrRecipient)
	}
	return rs, nil
}

// makeDir creates the vault's directory, private to the user.
func makeDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return checkDir(dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create the vault directory: %w", err)
	}
	return os.Chmod(dir, 0o700)
}

// writeFileAtomic writes data to path (mode 0600) through a synced temp
// file and a rename, so path holds either the old or the new content.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	return err
}
