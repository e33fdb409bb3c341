package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"filippo.io/age"
	"filippo.io/age/armor"

	"ztm/model"
	"ztm/vault"
)

func runImport(ctx context.Context, e Env, g *globals, c *command, args []string) error {
	fs := newFlags(e, c, g)
	keyFile := fs.String("key", "", "an age identity file or SSH key that opens the bundle")
	replace := fs.Bool("replace", false, "replace profiles that have the same name")
	args, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return usagef("import needs the bundle: ztm import FILE (or - for stdin)")
	}
	var data []byte
	if args[0] == "-" {
		data, err = io.ReadAll(e.Stdin)
	} else {
		data, err = os.ReadFile(args[0])
	}
	if err != nil {
		return fmt.Errorf("cannot read the bundle: %w", err)
	}
	s, err := openSession(e, g)
	if err != nil {
		return err
	}
	defer s.close()
	plain, err := openBundle(e, data, s.v.Key(), *keyFile)
	if err != nil {
		return err
	}
	defer clear(plain)
	var b bundle
	if err := json.Unmarshal(plain, &b); err != nil || b.Format != bundleFormat {
		return fmt.Errorf("%w: the content is not what ztm export writes", errNotBundle)
	}
	var added, replaced, skipped []string
	err = s.v.Update(ctx, func(tx *vault.Tx) error {
		added, replaced, skipped = nil, nil, nil
		for _, bp := range b.Profiles {
			p := bp.profile()
			if old, err := tx.Profile(p.Name); err == nil {
				if !*replace {
					skipped = append(skipped, p.Name)
					continue
				}
				p.ID = old.ID
				if err := tx.UpdateProfile(&p); err != nil {
					return fmt.Errorf("%s: %w", p.Name, err)
				}
				if p.Token != nil {
					if err := tx.SetToken(p.Name, *p.Token); err != nil {
						return err
					}
				} else if err := tx.ClearToken(p.Name); err != nil {
					return err
				}
				replaced = append(replaced, p.Name)
			} else {
				if err := tx.CreateProfile(&p); err != nil {
					return fmt.Errorf("%s: %w", p.Name, err)
				}
				added = append(added, p.Name)
			}
			if err := tx.AddEvent(model.Event{Profile: p.Name, Kind: model.EventImport, Detail: "from a bundle exported " + b.ExportedAt.Format("2006-01-02 15:04")}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "imported %d, replaced %d, skipped %d\n", len(added), len(replaced), len(skipped))
	if len(skipped) > 0 {
		fmt.Fprintf(e.Stderr, "skipped (name taken; --replace overwrites): %v\n", skipped)
	}
	return nil
}

// openBundle decrypts a bundle with the vault's own key, an extra key
// file, or a passphrase, whichever it was made for.
func openBundle(e Env, data []byte, own *vault.Keyring, keyFile string) ([]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("{")) {
		return data, nil // --plaintext export
	}
	var src io.Reader = bytes.NewReader(data)
	switch {
	case bytes.HasPrefix(trimmed, []byte(armor.Header)):
		src = armor.NewReader(bytes.NewReader(trimmed))
	case !bytes.HasPrefix(data, []byte("age-encryption.org/")):
		return nil, fmt.Errorf("%w: it is neither an age file nor JSON", errNotBundle)
	}
	ids := own.Identities()
	if keyFile != "" {
		// vault's own message would speak of the vault's identity.
		if _, err := os.Stat(keyFile); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, bundleErr{fmt.Sprintf("cannot read the key --key %s: %v", keyFile, err), vault.ErrNoIdentity}
		}
		k, err := vault.LoadKey(keyFile, passphraseSource(e, vault.Paths{Identity: keyFile}))
		if err != nil {
			return nil, err
		}
		ids = append(k.Identities(), ids...)
	}
	if isScrypt(data, trimmed) {
		pass := e.Getenv("ZTM_BUNDLE_PASSPHRASE")
		if pass == "" {
			if e.Prompt == nil {
				return nil, usagef("the bundle needs its passphrase and there is no terminal: set ZTM_BUNDLE_PASSPHRASE")
			}
			var err error
			if pass, err = e.Prompt.Secret("Passphrase for the bundle: "); err != nil {
				return nil, err
			}
		}
		id, err := age.NewScryptIdentity(pass)
		if err != nil {
			return nil, err
		}
		ids = []age.Identity{id}
	}
	r, err := age.Decrypt(src, ids...)
	var noMatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &noMatch) && isScrypt(data, trimmed):
		return nil, fmt.Errorf("%w for the bundle: nothing was imported", vault.ErrWrongPassphrase)
	case errors.As(err, &noMatch):
		return nil, bundleErr{"the bundle is encrypted to other keys than this vault's: give the one it was made for with --key; nothing was imported", vault.ErrWrongIdentity}
	case err != nil:
		return nil, fmt.Errorf("%w: the bundle is damaged (%v)", errNotBundle, err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%w: the bundle is truncated or was modified (%v)", errNotBundle, err)
	}
	return plain, nil
}

// bundleErr is an error about the bundle's key that exits like the vault's
// (code 3) without speaking of the vault.
type bundleErr struct {
	msg  string
	kind error
}

func (e bundleErr) Error() string { return e.msg }
func (e bundleErr) Unwrap() error { return e.kind }

// isScrypt reports whether an age file is encrypted to a passphrase.
func isScrypt(data, trimmed []byte) bool {
	hdr := data
	if bytes.HasPrefix(trimmed, []byte(armor.Header)) {
		if dec, err := io.ReadAll(io.LimitReader(armor.NewReader(bytes.NewReader(trimmed)), 4096)); err == nil {
			hdr = dec
		}
	}
	return bytes.Contains(hdr[:min(len(hdr), 4096)], []byte("\n-> scrypt "))
}
