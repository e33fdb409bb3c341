package vault

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// siblingVault creates a second vault, named name, in p's directory with
// p's key, as `ztm --vault DIR/b.age` would.
func siblingVault(t *testing.T, p Paths, key *Keyring, name string) (*Vault, Paths) {
	t.Helper()
	q := Paths{Dir: p.Dir, Vault: filepath.Join(p.Dir, name), Identity: p.Identity, Lock: filepath.Join(p.Dir, name+".lock")}
	v, err := Create(q, CreateOptions{Key: key}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v, q
}

// profilesIn opens the vault file at path (a .bak, say) with key and lists
// its profiles.
func profilesIn(t *testing.T, path string, key *Keyring) []string {
	t.Helper()
	dir := t.TempDir()
	q := Paths{Dir: dir, Vault: filepath.Join(dir, VaultFile), Lock: filepath.Join(dir, VaultFile+".lock")}
	if err := os.WriteFile(q.Vault, readFile(t, path), 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := Open(q, key, Options{})
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	defer v.Close()
	return profileNames(t, v)
}

// TestTwoVaultsInOneDirectoryKeepTheirOwnBackups: a save of vault b in
// the middle of a save of vault a (two processes, two locks) does not take
// a's previous version; each .bak holds its own vault.
func TestTwoVaultsInOneDirectoryKeepTheirOwnBackups(t *testing.T) {
	a, p := newKeyFileVault(t)
	b, q := siblingVault(t, p, a.Key(), "b.age")
	addProfiles(t, a, 0, 1) // a: crm-0000
	addProfiles(t, b, 5, 1) // b: crm-0005

	// b saves in the middle of a's save. Vaults in one directory now also
	// share a directory lock, so b's save is made without its lock, as an
	// older ztm (which locks only b.age.lock) would.
	ctx := context.Background()
	a.fault = func(step string) error {
		if step != "rename" {
			return nil
		}
		a.fault = nil
		b.mu.Lock()
		defer b.mu.Unlock()
		_, err := b.apply(ctx, func(tx *Tx) error { p := sampleProfile(6, tx.Now()); return tx.CreateProfile(&p) })
		if err == nil {
			err = b.save(true)
		}
		return err
	}
	if err := a.Update(ctx, func(tx *Tx) error { p := sampleProfile(1, tx.Now()); return tx.CreateProfile(&p) }); err != nil {
		t.Fatal(err)
	}
	if got := profilesIn(t, p.Vault+backupSuffix, a.Key()); len(got) != 1 || got[0] != "crm-0000" {
		t.Errorf("a's .bak holds %v, want a's previous version [crm-0000]", got)
	}
	if got := profilesIn(t, q.Vault+backupSuffix, a.Key()); len(got) != 1 || got[0] != "crm-0005" {
		t.Errorf("b's .bak holds %v, want b's previous version [crm-0005]", got)
	}
}

// TestSweepTakesOnlyItsOwnTemps: a change sweeps the temp files its own
// vault's dead saves left, never another vault's in the same directory.
func TestSweepTakesOnlyItsOwnTemps(t *testing.T) {
	a, p := newKeyFileVault(t)
	b, _ := siblingVault(t, p, a.Key(), "b.age")
	orphan := filepath.Join(p.Dir, tempPrefix(p.Vault)+"123")
	if err := os.WriteFile(orphan, []byte("half a save"), 0o600); err != nil {
		t.Fatal(err)
	}
	addProfiles(t, b, 0, 1)
	if !exists(orphan) {
		t.Fatal("a change to b.age swept a temp file of vault.age")
	}
	addProfiles(t, a, 0, 1)
	if exists(orphan) {
		t.Error("a change to vault.age left its own orphan temp file")
	}
}

// TestSymlinkedVaultStaysALink: a vault.age that is a symbolic link keeps
// being one; saves replace the file it points to, whose directory gets the
// .bak and the temp files.
func TestSymlinkedVaultStaysALink(t *testing.T) {
	v, real := newKeyFileVault(t)
	v.Close()
	linkDir := filepath.Join(t.TempDir(), "elsewhere")
	os.Mkdir(linkDir, 0o700)
	link := filepath.Join(linkDir, VaultFile)
	if err := os.Symlink(real.Vault, link); err != nil {
		t.Fatal(err)
	}
	p := Paths{Dir: linkDir, Vault: link, Identity: real.Identity, Lock: link + ".lock"}
	lv := reopen(t, p, "")
	addProfiles(t, lv, 0, 1)
	addProfiles(t, lv, 1, 1)

	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("after two saves %s is no longer a symbolic link", link)
	}
	if got := profileNames(t, reopen(t, real, "")); len(got) != 2 {
		t.Errorf("the link's target holds %v, want both profiles", got)
	}
	if got := profilesIn(t, real.Vault+backupSuffix, lv.Key()); len(got) != 1 {
		t.Errorf("the .bak beside the target holds %v, want the version with one profile", got)
	}
	if entries, _ := os.ReadDir(linkDir); len(entries) != 1 {
		t.Errorf("the link's directory got side files: %d entries", len(entries))
	}
}

// TestBackupWithoutHardLinks: on a file system that refuses hard links the
// previous version is copied, so .bak keeps following the vault.
func TestBackupWithoutHardLinks(t *testing.T) {
	v, p := newKeyFileVault(t)
	v.link = func(string, string) error { return errors.New("operation not permitted") }
	addProfiles(t, v, 0, 1)
	addProfiles(t, v, 1, 1)
	addProfiles(t, v, 2, 1)
	if got := profilesIn(t, p.Vault+backupSuffix, v.Key()); len(got) != 2 {
		t.Errorf(".bak holds %v, want the version before the last change (2 profiles)", got)
	}
	if w := v.Warnings(); len(w) != 0 {
		t.Errorf("copying worked, yet: %v", w)
	}
	assertNoTemps(t, p.Dir)
}
