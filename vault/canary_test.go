package vault

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ztm/model"
)

const canary = "CANARY-7f3c9e1d-secret"

// TestCanaryNeverLeaks puts a recognisable secret in every secret field and
// works the vault hard (changes, a failed save, SQLite operations that want
// temp files): the secret appears in no file under the vault's directory
// or TMPDIR, only inside the ciphertext, and in no error.
func TestCanaryNeverLeaks(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	p := testPaths(t, "")
	v, err := Create(p, CreateOptions{Passphrase: "pw", ScryptWorkFactor: testWorkFactor}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	var errs []error
	err = v.Update(ctx, func(tx *Tx) error {
		for i := 0; i < 50; i++ {
			p := sampleProfile(i, tx.Now())
			p.ClientSecret = canary + "-cs"
			p.Token.AccessToken = "1000." + canary + "-at"
			p.Token.RefreshToken = "1000." + canary + "-rt"
			if err := tx.CreateProfile(&p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Sorting and vacuuming are what make SQLite reach for temp files.
	if _, err := v.mem.conn.ExecContext(ctx, "CREATE TEMP TABLE x AS SELECT * FROM profiles ORDER BY client_secret DESC; VACUUM"); err != nil {
		t.Fatal(err)
	}
	v.fault = func(step string) error {
		if step == "verify" {
			return errors.New("injected")
		}
		return nil
	}
	errs = append(errs, v.Update(ctx, func(tx *Tx) error { return tx.SetSetting("x", "y") }))
	v.fault = nil
	// A refresh that fails with Zoho's error text is recorded; its message
	// is what the OAuth side produced, which never holds a secret.
	_, err = v.FreshToken(ctx, "crm-0001", FreshOptions{Force: true}, func(context.Context, model.Profile) (model.Token, error) {
		return model.Token{}, errors.New("zoho said no")
	})
	errs = append(errs, err)
	_, err = LoadKey(p.Identity, func() (string, error) { return canary, nil })
	errs = append(errs, err)

	for _, e := range errs {
		if e != nil && strings.Contains(e.Error(), canary) {
			t.Errorf("error leaks the secret: %v", e)
		}
	}
	for _, root := range []string{p.Dir, tmp} {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if bytes.Contains(readFile(t, path), []byte(canary)) {
				t.Errorf("%s holds the secret in plaintext", path)
			}
			return nil
		})
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("TMPDIR got %d files", len(entries))
	}
}

// TestDeletedSecretsLeaveTheImage: once a profile is deleted, its secrets
// are not in the database image (secure_delete overwrites freed pages), so
// they are not in the next ciphertext either.
func TestDeletedSecretsLeaveTheImage(t *testing.T) {
	v, _ := newKeyFileVault(t)
	addProfiles(t, v, 0, 3)
	ctx := context.Background()
	err := v.Update(ctx, func(tx *Tx) error {
		p := sampleProfile(7, tx.Now())
		p.ClientSecret, p.Token.RefreshToken = canary+"-cs", canary+"-rt"
		p.Token.ExpiresAt = time.Now().Add(time.Hour)
		return tx.CreateProfile(&p)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !imageHas(t, v, canary) {
		t.Fatal("the secret is not in the image before deletion: the test proves nothing")
	}
	if err := v.Update(ctx, func(tx *Tx) error { return tx.DeleteProfile("crm-0007") }); err != nil {
		t.Fatal(err)
	}
	if imageHas(t, v, canary) {
		t.Error("the deleted profile's secret is still in the database image")
	}
}

func imageHas(t *testing.T, v *Vault, s string) bool {
	t.Helper()
	image, err := v.mem.serialize()
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(image, []byte(s))
}

// TestPlaintextStaysInMemory: after every load (deserialize resets some
// pragmas) the settings that keep plaintext off the disk are in force.
// SQLite unlinks its temp files as it creates them, so a directory scan
// alone could never catch a spill; the settings are checked directly.
func TestPlaintextStaysInMemory(t *testing.T) {
	v, p := newKeyFileVault(t)
	addProfiles(t, v, 0, 2)
	check := func(v *Vault, when string) {
		t.Helper()
		for pragma, want := range map[string]string{
			"temp_store": "2", "secure_delete": "1", "journal_mode": "memory", "trusted_schema": "0",
		} {
			var got string
			if err := v.mem.conn.QueryRowContext(context.Background(), "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s: PRAGMA %s = %s, want %s", when, pragma, got, want)
			}
		}
	}
	check(v, "after create")
	check(reopen(t, p, ""), "after open")
	other := reopen(t, p, "")
	addProfiles(t, other, 5, 1)
	if _, err := v.ReloadIfChanged(); err != nil {
		t.Fatal(err)
	}
	check(v, "after reload")
}
