package vault

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cachedWorld is a vault in PostgreSQL with profiles, and what a lazy
// reader with a local copy of its ciphertext opens it with.
type cachedWorld struct {
	v    *Vault // a writer, as on another machine: it keeps no copy
	p    Paths
	key  *Keyring
	dir  string
	copy string
}

func newCachedWorld(t *testing.T, n int) *cachedWorld {
	t.Helper()
	v, p := newPGVault(t)
	addProfiles(t, v, 0, n)
	key, err := LoadKey(p.Identity, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "cache", "ztm")
	return &cachedWorld{v: v, p: p, key: key, dir: dir, copy: cacheFile(dir, p.URL)}
}

// read opens the vault as `ztm token` does and returns the account of
// the profile named, and what the copy is after.
func (w *cachedWorld) read(t *testing.T, name string) (string, os.FileInfo) {
	t.Helper()
	r, err := OpenKeyed(w.p, func() (*Keyring, error) { return w.key, nil }, Options{Lazy: true, CacheDir: w.dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	prof, err := r.Profile(name)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(w.copy)
	if err != nil {
		t.Fatalf("no copy after a lazy open: %v", err)
	}
	return prof.Account, fi
}

func (w *cachedWorld) setAccount(t *testing.T, name, account string) {
	t.Helper()
	err := w.v.Update(context.Background(), func(tx *Tx) error {
		prof, err := tx.Profile(name)
		if err != nil {
			return err
		}
		prof.Account = account
		return tx.UpdateProfile(&prof)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A second reader is answered from the copy the first left (the copy is
// not rewritten), and a change saved elsewhere is seen at once (the copy
// is replaced by the new ciphertext).
func TestPGLazyReaderKeepsACopyAndSeesChanges(t *testing.T) {
	w := newCachedWorld(t, 3)
	acct, first := w.read(t, "crm-0001")
	if acct != "user1@example.com" {
		t.Fatalf("account = %q", acct)
	}
	if first.Mode().Perm() != 0o600 {
		t.Errorf("copy mode = %v, want 0600", first.Mode().Perm())
	}
	if di, err := os.Stat(w.dir); err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("copy directory: %v, %v; want mode 0700", di.Mode().Perm(), err)
	}
	if _, again := w.read(t, "crm-0002"); !os.SameFile(first, again) {
		t.Error("a second reader of an unchanged vault fetched it again instead of using the copy")
	}
	w.setAccount(t, "crm-0001", "new@example.com")
	acct, after := w.read(t, "crm-0001")
	if acct != "new@example.com" {
		t.Errorf("after a change elsewhere the reader saw %q, want the new account", acct)
	}
	if os.SameFile(first, after) {
		t.Error("the copy was not replaced after the vault changed")
	}
	if _, again := w.read(t, "crm-0001"); !os.SameFile(after, again) {
		t.Error("the replaced copy was not used by the next reader")
	}
}

// A damaged copy, or one that is not this ciphertext (same version and
// length, other bytes), is never used: the reader fetches the vault and
// replaces the copy.
func TestPGLazyReaderRefusesABadCopy(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(b []byte) []byte
	}{
		{"a flipped byte", func(b []byte) []byte { b[len(b)/2] ^= 1; return b }},
		{"cut short", func(b []byte) []byte { return b[:len(b)-100] }},
		{"another ciphertext's start", func(b []byte) []byte {
			// Rewritten whole with a checksum that matches: only the
			// comparison with PostgreSQL's first bytes can tell.
			c := bytes.Clone(b[cacheHeaderLen:])
			c[100] ^= 1
			ver := int64(0)
			for _, x := range b[len(cacheMagic) : len(cacheMagic)+8] {
				ver = ver<<8 | int64(x)
			}
			return cacheBytes(ver, c)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newCachedWorld(t, 3)
			w.read(t, "crm-0001")
			if err := os.WriteFile(w.copy, c.spoil(readFile(t, w.copy)), 0o600); err != nil {
				t.Fatal(err)
			}
			spoilt, _ := os.Stat(w.copy)
			if acct, after := w.read(t, "crm-0001"); acct != "user1@example.com" || os.SameFile(spoilt, after) {
				t.Errorf("with %s: account %q, copy replaced: %v; want the vault's account and a new copy", c.name, acct, !os.SameFile(spoilt, after))
			}
		})
	}
}

// The copy is ciphertext: no secret of the vault is in it.
func TestPGCopyHoldsNoSecret(t *testing.T) {
	w := newCachedWorld(t, 2)
	w.read(t, "crm-0000")
	b := readFile(t, w.copy)
	prof := sampleProfile(1, time.Now())
	for _, secret := range []string{prof.ClientSecret, prof.Token.RefreshToken, prof.Token.AccessToken, prof.Account} {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the copy holds %q in the clear", secret)
		}
	}
}

// A lazy reader that saves leaves the copy of what it saved: the next
// reader needs nothing from PostgreSQL but the check.
func TestPGSaveLeavesTheCopy(t *testing.T) {
	w := newCachedWorld(t, 2)
	r, err := OpenKeyed(w.p, func() (*Keyring, error) { return w.key, nil }, Options{Lazy: true, CacheDir: w.dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.v = r
	w.setAccount(t, "crm-0000", "saved@example.com")
	saved, err := os.Stat(w.copy)
	if err != nil {
		t.Fatal(err)
	}
	if acct, after := w.read(t, "crm-0000"); acct != "saved@example.com" || !os.SameFile(saved, after) {
		t.Errorf("account %q, copy kept: %v; want the saved account from the copy the save left", acct, os.SameFile(saved, after))
	}
}

// A key that fails to load fails the open with its own error, whatever
// PostgreSQL answered meanwhile.
func TestPGOpenKeyedSaysWhyTheKeyFailed(t *testing.T) {
	w := newCachedWorld(t, 1)
	w.read(t, "crm-0000")
	bad := errors.New("wrong passphrase: try again")
	_, err := OpenKeyed(w.p, func() (*Keyring, error) { return nil, bad }, Options{Lazy: true, CacheDir: w.dir})
	if !errors.Is(err, bad) {
		t.Fatalf("OpenKeyed = %v, want the key's error", err)
	}
}

// cacheBytes is what writeCache writes, for tests that forge a copy.
func cacheBytes(ver int64, cipher []byte) []byte {
	dir, err := os.MkdirTemp("", "copy")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "c")
	writeCache(path, ver, cipher)
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return b
}

// A vault made by the ztm before the head described its ciphertext
// (schema 1) is refused until `ztm vault init` migrates it, which says
// so; then readers check their copy against the head.
func TestPGSchemaOneMigratesToTheHeadThatDescribesTheCiphertext(t *testing.T) {
	w := newCachedWorld(t, 2)
	execPG(t, w.p, `ALTER TABLE ztm_head DROP COLUMN cipher_size, DROP COLUMN cipher_start; UPDATE ztm_schema SET version = 1`)
	_, err := Open(w.p, w.key, Options{Lazy: true, CacheDir: w.dir})
	if !errors.Is(err, ErrNotVault) || !strings.Contains(err.Error(), "ztm vault init") {
		t.Fatalf("Open of a schema-1 vault = %v; want it refused, saying to run ztm vault init", err)
	}
	_, err = Create(w.p, CreateOptions{Key: w.key}, Options{})
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "now version 2 (it was 1)") {
		t.Fatalf("Create on a schema-1 vault = %v; want ErrExists saying the schema was migrated", err)
	}
	acct, first := w.read(t, "crm-0001")
	if acct != "user1@example.com" {
		t.Fatalf("account after the migration = %q", acct)
	}
	if _, again := w.read(t, "crm-0001"); !os.SameFile(first, again) {
		t.Error("after the migration a reader fetched the vault again instead of using its copy")
	}
}

// A key that takes long to load (a person typing a passphrase) must not
// leave the reader with what PostgreSQL said before: a change saved
// meanwhile is seen.
func TestPGOpenKeyedReadsAgainAfterASlowKey(t *testing.T) {
	w := newCachedWorld(t, 2)
	w.read(t, "crm-0001")
	slowKey := func() (*Keyring, error) {
		time.Sleep(300 * time.Millisecond) // the first read is in by now
		w.setAccount(t, "crm-0001", "typed@example.com")
		time.Sleep(time.Second)
		return w.key, nil
	}
	r, err := OpenKeyed(w.p, slowKey, Options{Lazy: true, CacheDir: w.dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if prof, err := r.Profile("crm-0001"); err != nil || prof.Account != "typed@example.com" {
		t.Errorf("after a slow key the reader saw %q (%v); want the change saved while the key loaded", prof.Account, err)
	}
}
