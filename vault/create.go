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

	fault createFault
}

// Create makes a new vault at p and returns it unlocked. It refuses to
// overwrite a vault or a passphrase identity that is already there.
//
// From the user's view it is all or nothing: a key is written only under
// the lock and with a marker beside the vault (.vault.age.ztm-init) naming
// it, and the marker goes once the vault is in place. A Create killed in
// between leaves a key, the marker, and no vault; the next Create replaces
// that orphan key and says so in [Vault.Warnings]. Without the marker an
// identity with no vault beside it may belong to a vault elsewhere, and is
// never replaced.
func Create(p Paths, o CreateOptions, vo Options) (*Vault, error) {
	if p.URL != "" {
		return createPG(p, o, vo)
	}
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
	key, keyFile := o.Key, []byte(nil)
	if key == nil {
		if key, keyFile, err = newKey(p.Identity, o); err != nil {
			return nil, err
		}
		defer clear(keyFile)
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
	if keyFile != nil {
		if err := v.writeNewKey(keyFile, o.fault); err != nil {
			return nil, err
		}
	}
	if err := v.initVault(recipients); err != nil {
		v.mem.close()
		if keyFile != nil {
			os.Remove(p.Identity)
			os.Remove(initMarker(p.Vault))
		}
		return nil, err
	}
	if err := o.fault.at("vault"); err != nil {
		return nil, err
	}
	if keyFile != nil {
		os.Remove(initMarker(p.Vault))
		syncDir(p.Dir)
	}
	return v, nil
}

// createFault, set by tests, stops Create after a step as if the process
// were killed there: it returns the error at once and cleans nothing up.
type createFault func(step string) error

func (f createFault) at(step string) error {
	if f == nil {
		return nil
	}
	return f(step)
}

// initMarker names the marker of a Create in progress for the vault at path.
func initMarker(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".ztm-init")
}

// writeNewKey writes the new vault's identity file, replacing one only if
// an interrupted Create left it (see Create). Callers hold the lock.
func (v *Vault) writeNewKey(keyFile []byte, fault createFault) error {
	p, marker := v.paths, initMarker(v.paths.Vault)
	if exists(p.Identity) {
		named, err := os.ReadFile(marker)
		if err != nil || string(named) != p.Identity || exists(p.Vault+backupSuffix) {
			return fmt.Errorf("%w at %s, but no vault beside it: move it away first (it may belong to a vault elsewhere)", ErrExists, p.Identity)
		}
		v.noteWarning(fmt.Sprintf("replaced %s, the key of a vault whose creation was interrupted (it never held a vault)", p.Identity))
	}
	if err := writeFileAtomic(marker, []byte(p.Identity)); err != nil {
		return fmt.Errorf("cannot write %s: %w", marker, err)
	}
	if err := writeFileAtomic(p.Identity, keyFile); err != nil {
		os.Remove(marker)
		return fmt.Errorf("cannot write the identity: %w", err)
	}
	return fault.at("key")
}

// initVault makes the new vault's database and saves it. Callers hold the
// lock.
func (v *Vault) initVault(recipients []string) error {
	var err error
	if v.mem, err = newMemDB(); err != nil {
		return err
	}
	if err := v.mem.setPragmas(); err != nil {
		return err
	}
	ctx := context.Background()
	if err := migrate(ctx, v.mem.conn, SchemaVersion); err != nil {
		return err
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
	if err != nil {
		return err
	}
	return v.save(true)
}

// newKey generates the vault's identity and the content of its file:
// wrapped with the passphrase, or plain for key-file mode. Nothing is
// written yet.
func newKey(path string, o CreateOptions) (*Keyring, []byte, error) {
	var id age.Identity
	var text string
	if o.Classic {
		x, err := age.GenerateX25519Identity()
		if err != nil {
			return nil, nil, err
		}
		id, text = x, x.String()
	} else {
		h, err := age.GenerateHybridIdentity()
		if err != nil {
			return nil, nil, err
		}
		id, text = h, h.String()
	}
	mode := ModeIdentity
	data := []byte("# ztm vault identity: keep it secret, keep a backup.\n" + text + "\n")
	if o.Passphrase != "" {
		mode = ModePassphrase
		var err error
		if data, err = wrapIdentity(text, o.Passphrase, o.ScryptWorkFactor); err != nil {
			return nil, nil, err
		}
	}
	k, err := keyringFrom(mode, path, []age.Identity{id})
	return k, data, err
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
