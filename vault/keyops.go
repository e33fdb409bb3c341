package vault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"filippo.io/age"
)

// AddRecipient encrypts the vault to one more public key from the next
// save on (which this call makes).
func (v *Vault) AddRecipient(ctx context.Context, recipient string) error {
	recipient = strings.TrimSpace(recipient)
	return v.Update(ctx, func(tx *Tx) error {
		list := tx.Recipients()
		if slices.Contains(list, recipient) {
			return fmt.Errorf("%w: the vault is already encrypted to that key", ErrRecipient)
		}
		list = append(list, recipient)
		if _, err := checkRecipients(list); err != nil {
			return err
		}
		return tx.setMeta("recipients", strings.Join(list, "\n"))
	})
}

// RemoveRecipient stops encrypting the vault to a public key. The vault's
// own key cannot be removed: the vault would no longer open with it. It is
// [Vault.RemoveRecipientWithBackup] for callers that need not say what
// became of the backup.
func (v *Vault) RemoveRecipient(ctx context.Context, recipient string) error {
	_, err := v.RemoveRecipientWithBackup(ctx, recipient)
	return err
}

// BackupFate says what removing a recipient did to vault.age.bak.
type BackupFate string

// What can become of the backup when a recipient is removed.
const (
	// BackupNone: there was no backup.
	BackupNone BackupFate = "none"
	// BackupReencrypted: the backup is now encrypted to the remaining
	// recipients only.
	BackupReencrypted BackupFate = "re-encrypted"
	// BackupRemoved: the backup could not be re-encrypted (this key does
	// not open it, or it is damaged) and was deleted.
	BackupRemoved BackupFate = "removed"
)

// RemoveRecipientWithBackup is [Vault.RemoveRecipient], and then takes the
// removed key's access to vault.age.bak too: the backup, the version before
// this change, was encrypted to that key. It is re-encrypted to the
// remaining recipients, or deleted when that cannot be done; the result
// says which, so the caller can tell the user.
func (v *Vault) RemoveRecipientWithBackup(ctx context.Context, recipient string) (BackupFate, error) {
	recipient = strings.TrimSpace(recipient)
	lock, err := v.lock(ctx)
	if err != nil {
		return BackupNone, err
	}
	defer lock.release()
	v.mu.Lock()
	defer v.mu.Unlock()
	defer v.use(lock)()
	if err := v.sync(); err != nil {
		return BackupNone, err
	}
	err = v.updateLocked(ctx, func(tx *Tx) error {
		list := tx.Recipients()
		i := slices.Index(list, recipient)
		if i < 0 {
			return fmt.Errorf("%w: the vault is not encrypted to that key; ztm vault recipients lists them", ErrRecipient)
		}
		list = slices.Delete(list, i, i+1)
		if !slices.ContainsFunc(list, func(r string) bool { return slices.Contains(v.key.recipientList(), r) }) {
			return fmt.Errorf("%w: that is the key this vault is unlocked with; add another recipient and unlock with it first", ErrRecipient)
		}
		return tx.setMeta("recipients", strings.Join(list, "\n"))
	}, true)
	if err != nil {
		return BackupNone, err
	}
	return v.rewrapBackup()
}

// rewrapBackup re-encrypts vault.age.bak to the vault's current recipients
// through a verified temp file, or deletes it. Callers hold the lock and mu.
func (v *Vault) rewrapBackup() (BackupFate, error) {
	if v.pg != nil {
		return v.dropOldPG()
	}
	bak := v.paths.Vault + backupSuffix
	if !exists(bak) {
		return BackupNone, nil
	}
	if err := v.reencrypt(bak); err != nil {
		if rerr := os.Remove(bak); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			return BackupNone, fmt.Errorf("the removed key can still open %s, which could be neither re-encrypted (%v) nor deleted (%v): delete it yourself", bak, err, rerr)
		}
		syncDir(v.paths.Dir)
		return BackupRemoved, nil
	}
	return BackupReencrypted, nil
}

func (v *Vault) reencrypt(path string) error {
	image, _, err := readVault(path, v.key.identities)
	if err != nil {
		return err
	}
	defer clear(image)
	recipients, err := v.mem.recipients()
	if err != nil {
		return err
	}
	cipher, err := encryptImage(image, recipients)
	if err != nil {
		return err
	}
	tmp, err := v.writeTemp(v.writeCipher(cipher))
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := verifyFile(tmp, image, v.key.identities); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(v.paths.Dir)
}

// ChangePassphrase rewraps the vault's identity with a new passphrase. The
// vault itself is not rewritten: its key does not change. Only a vault in
// passphrase mode has a passphrase.
func (v *Vault) ChangePassphrase(ctx context.Context, passphrase string, workFactor int) error {
	if v.key.Mode != ModePassphrase {
		return fmt.Errorf("this vault is unlocked with %s %s, which has no ztm passphrase", v.key.Mode, v.key.Path)
	}
	if passphrase == "" {
		return fmt.Errorf("the new passphrase is empty")
	}
	var lines []string
	for _, id := range v.key.identities {
		switch id := id.(type) {
		case *age.HybridIdentity:
			lines = append(lines, id.String())
		case *age.X25519Identity:
			lines = append(lines, id.String())
		}
	}
	data, err := wrapIdentity(strings.Join(lines, "\n"), passphrase, workFactor)
	if err != nil {
		return err
	}
	lock, err := acquireLock(ctx, v.paths.Lock, v.lockT)
	if err != nil {
		return err
	}
	defer lock.release()
	if err := writeFileAtomic(v.key.Path, data); err != nil {
		return fmt.Errorf("cannot write the new identity file; the old passphrase still works: %w", err)
	}
	return nil
}

// recipients parses the public keys the vault is encrypted to.
func (m *memDB) recipients() ([]age.Recipient, error) {
	var list string
	err := m.conn.QueryRowContext(context.Background(), "SELECT value FROM meta WHERE key = 'recipients'").Scan(&list)
	if err != nil {
		return nil, fmt.Errorf("%w: the vault names no recipients", ErrCorrupt)
	}
	return parseRecipients(list)
}

func parseRecipients(list string) ([]age.Recipient, error) {
	var out []age.Recipient
	for _, line := range strings.Split(list, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		r, err := ParseRecipient(line)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: the vault names no recipients", ErrCorrupt)
	}
	return out, nil
}
