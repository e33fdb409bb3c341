package vault

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
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

// TestRemovedRecipientLosesTheBackupToo: after `ztm vault recipients rm K`
// neither the vault nor vault.age.bak opens with K; the backup still holds
// the previous version for the remaining keys. A backup this key cannot
// open is deleted instead, and the caller is told which happened.
func TestRemovedRecipientLosesTheBackupToo(t *testing.T) {
	v, p := newKeyFileVault(t)
	other, _ := age.GenerateHybridIdentity()
	otherPath := filepath.Join(t.TempDir(), "other.txt")
	os.WriteFile(otherPath, []byte(other.String()+"\n"), 0o600)
	otherKey := mustLoad(t, otherPath, "")
	ctx := context.Background()
	if err := v.AddRecipient(ctx, other.Recipient().String()); err != nil {
		t.Fatal(err)
	}
	addProfiles(t, v, 0, 1)
	if got := profilesIn(t, p.Vault+backupSuffix, otherKey); len(got) != 0 {
		t.Fatalf("before: the other key opens a .bak with %v; want the empty version", got)
	}
	addProfiles(t, v, 1, 1) // .bak: one profile, encrypted to both keys

	fate, err := v.RemoveRecipientWithBackup(ctx, other.Recipient().String())
	if err != nil || fate != BackupReencrypted {
		t.Fatalf("got %q, %v; want the backup re-encrypted", fate, err)
	}
	if _, err := openFileWith(t, p.Vault+backupSuffix, otherKey); !errorsIs(err, ErrWrongIdentity) {
		t.Errorf("the removed key opening .bak: %v, want ErrWrongIdentity", err)
	}
	if got := profilesIn(t, p.Vault+backupSuffix, v.Key()); len(got) != 2 {
		t.Errorf(".bak holds %v for the vault's own key, want the version before the removal", got)
	}

	// A .bak this key cannot re-encrypt is deleted. (The save keeps the
	// previous version as .bak, which this key opens; here the disk lets it
	// keep none, so an older, damaged .bak stays.)
	third, _ := age.GenerateHybridIdentity()
	if err := v.AddRecipient(ctx, third.Recipient().String()); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p.Vault+backupSuffix, []byte("age-encryption.org/v1\ndamaged"), 0o600)
	v.link = func(_, prev string) error { os.Mkdir(prev, 0o700); return errors.New("no hard links, no copy") }
	fate, err = v.RemoveRecipientWithBackup(ctx, third.Recipient().String())
	if err != nil || fate != BackupRemoved || exists(p.Vault+backupSuffix) {
		t.Errorf("got %q, %v, .bak there: %v; want it removed", fate, err, exists(p.Vault+backupSuffix))
	}
	assertNoTemps(t, p.Dir)
}

// openFileWith opens a copy of the vault file at path with key.
func openFileWith(t *testing.T, path string, key *Keyring) (*Vault, error) {
	dir := t.TempDir()
	q := Paths{Dir: dir, Vault: filepath.Join(dir, VaultFile), Lock: filepath.Join(dir, VaultFile+".lock")}
	os.WriteFile(q.Vault, readFile(t, path), 0o600)
	v, err := Open(q, key, Options{})
	if err == nil {
		t.Cleanup(func() { v.Close() })
	}
	return v, err
}
