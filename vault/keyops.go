package vault

import (
	"context"
	"fmt"
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
// own key cannot be removed: the vault would no longer open with it.
func (v *Vault) RemoveRecipient(ctx context.Context, recipient string) error {
	recipient = strings.TrimSpace(recipient)
	return v.Update(ctx, func(tx *Tx) error {
		list := tx.Recipients()
		i := slices.Index(list, recipient)
		if i < 0 {
			return fmt.Errorf("%w: the vault is not encrypted to that key; ztm vault recipients lists them", ErrRecipient)
		}
		list = slices.Delete(list, i, i+1)
		if !slices.ContainsFunc(list, func(r string) bool { return slices.Contains(v.key.recipients, r) }) {
			return fmt.Errorf("%w: that is the key this vault is unlocked with; add another recipient and unlock with it first", ErrRecipient)
		}
		return tx.setMeta("recipients", strings.Join(list, "\n"))
	})
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
