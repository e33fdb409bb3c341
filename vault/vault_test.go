package vault

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"golang.org/x/crypto/ssh"
)

func writeSSHKey(t *testing.T, dir string, key any, passphrase string) string {
	t.Helper()
	var block *pem.Block
	var err error
	if passphrase != "" {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(key, "test", []byte(passphrase))
	} else {
		block, err = ssh.MarshalPrivateKey(key, "test")
	}
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "id_test")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRoundTripEveryUnlockMode creates a vault with each kind of key, saves
// a profile, and reads it back in a fresh "process" that unlocks from disk.
func TestRoundTripEveryUnlockMode(t *testing.T) {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	x25519, _ := age.GenerateX25519Identity()
	hybrid, _ := age.GenerateHybridIdentity()

	cases := []struct {
		name     string
		setup    func(t *testing.T, p *Paths) CreateOptions
		pass     string
		wantMode Mode
		wantType string
	}{
		{"passphrase post-quantum", func(t *testing.T, p *Paths) CreateOptions {
			return CreateOptions{Passphrase: "correct horse", ScryptWorkFactor: testWorkFactor}
		}, "correct horse", ModePassphrase, "post-quantum (ML-KEM-768 + X25519)"},
		{"passphrase classic", func(t *testing.T, p *Paths) CreateOptions {
			return CreateOptions{Passphrase: "correct horse", Classic: true, ScryptWorkFactor: testWorkFactor}
		}, "correct horse", ModePassphrase, "X25519"},
		{"generated key file", func(t *testing.T, p *Paths) CreateOptions {
			p.Identity = filepath.Join(p.Dir, KeyFileIdentity)
			return CreateOptions{GenerateKeyFile: true}
		}, "", ModeIdentity, "post-quantum (ML-KEM-768 + X25519)"},
		{"age X25519 identity file", func(t *testing.T, p *Paths) CreateOptions {
			return CreateOptions{Key: loadKeyFile(t, p, x25519.String())}
		}, "", ModeIdentity, "X25519"},
		{"age hybrid identity file", func(t *testing.T, p *Paths) CreateOptions {
			return CreateOptions{Key: loadKeyFile(t, p, hybrid.String())}
		}, "", ModeIdentity, "post-quantum (ML-KEM-768 + X25519)"},
		{"ssh ed25519", func(t *testing.T, p *Paths) CreateOptions {
			p.Identity = writeSSHKey(t, t.TempDir(), edKey, "")
			return CreateOptions{Key: mustLoad(t, p.Identity, "")}
		}, "", ModeSSH, "ssh-ed25519"},
		{"ssh rsa", func(t *testing.T, p *Paths) CreateOptions {
			p.Identity = writeSSHKey(t, t.TempDir(), rsaKey, "")
			return CreateOptions{Key: mustLoad(t, p.Identity, "")}
		}, "", ModeSSH, "ssh-rsa"},
		{"ssh ed25519 with passphrase", func(t *testing.T, p *Paths) CreateOptions {
			p.Identity = writeSSHKey(t, t.TempDir(), edKey, "ssh pass")
			return CreateOptions{Key: mustLoad(t, p.Identity, "ssh pass")}
		}, "ssh pass", ModeSSH, "ssh-ed25519"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testPaths(t, "")
			opts := c.setup(t, &p)
			v, err := Create(p, opts, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := sampleProfile(1, time.Now().Truncate(time.Millisecond))
			if err := v.Update(context.Background(), func(tx *Tx) error { return tx.CreateProfile(&want) }); err != nil {
				t.Fatal(err)
			}
			v.Close()

			got := reopen(t, p, c.pass)
			if got.Key().Mode != c.wantMode || got.Key().KeyType != c.wantType {
				t.Errorf("unlocked as %s %q, want %s %q", got.Key().Mode, got.Key().KeyType, c.wantMode, c.wantType)
			}
			p1, err := got.Profile(want.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p1, want) {
				t.Errorf("profile after reopen:\n got %+v\nwant %+v", p1, want)
			}
			assertPrivate(t, p)
		})
	}
}

func loadKeyFile(t *testing.T, p *Paths, identity string) *Keyring {
	t.Helper()
	p.Identity = filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(p.Identity, []byte("# test key\n"+identity+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return mustLoad(t, p.Identity, "")
}

func mustLoad(t *testing.T, path, pass string) *Keyring {
	t.Helper()
	k, err := LoadKey(path, func() (string, error) { return pass, nil })
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// assertPrivate checks the vault's files are 0600 and its directory 0700.
func assertPrivate(t *testing.T, p Paths) {
	t.Helper()
	for path, want := range map[string]os.FileMode{p.Dir: 0o700, p.Vault: 0o600, p.Lock: 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %04o, want %04o", path, fi.Mode().Perm(), want)
		}
	}
	if filepath.Dir(p.Identity) == p.Dir {
		if fi, err := os.Stat(p.Identity); err == nil && fi.Mode().Perm() != 0o600 {
			t.Errorf("identity has mode %04o, want 0600", fi.Mode().Perm())
		}
	}
}

// TestSeveralRecipients: a vault encrypted to a second key opens with it.
func TestSeveralRecipients(t *testing.T) {
	v, p := newKeyFileVault(t)
	second, _ := age.GenerateHybridIdentity()
	if err := v.AddRecipient(context.Background(), second.Recipient().String()); err != nil {
		t.Fatal(err)
	}
	addProfiles(t, v, 0, 1)

	keyPath := filepath.Join(t.TempDir(), "second.txt")
	os.WriteFile(keyPath, []byte(second.String()+"\n"), 0o600)
	q := p
	q.Identity = keyPath
	other := reopen(t, q, "")
	if names := profileNames(t, other); len(names) != 1 {
		t.Fatalf("second key sees %v, want one profile", names)
	}

	// A classic X25519 key cannot join a post-quantum vault: age refuses.
	classic, _ := age.GenerateX25519Identity()
	err := v.AddRecipient(context.Background(), classic.Recipient().String())
	if !errorsIs(err, ErrRecipient) || !contains(err, "cannot be mixed") {
		t.Errorf("mixing key kinds: got %v, want an ErrRecipient that explains the mix", err)
	}
	// Nobody can remove the key they are unlocked with.
	if err := other.RemoveRecipient(context.Background(), second.Recipient().String()); !errorsIs(err, ErrRecipient) {
		t.Errorf("removing one's own key: got %v, want ErrRecipient", err)
	}
	// The second key holder removes the first key: the first no longer opens it.
	if err := other.RemoveRecipient(context.Background(), v.Key().Recipients()[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := v.ReloadIfChanged(); !errorsIs(err, ErrWrongIdentity) {
		t.Errorf("removed key reloading: got %v, want ErrWrongIdentity", err)
	}
}

// TestPassphraseChange rewraps the identity: the new passphrase opens the
// vault, the old one no longer does, and the vault file is untouched.
func TestPassphraseChange(t *testing.T) {
	p := testPaths(t, "")
	v, err := Create(p, CreateOptions{Passphrase: "old pass", ScryptWorkFactor: testWorkFactor}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	before := readFile(t, p.Vault)
	if err := v.ChangePassphrase(context.Background(), "new pass", testWorkFactor); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(p.Identity, func() (string, error) { return "old pass", nil }); !errorsIs(err, ErrWrongPassphrase) {
		t.Errorf("old passphrase: got %v, want ErrWrongPassphrase", err)
	}
	reopen(t, p, "new pass")
	if string(readFile(t, p.Vault)) != string(before) {
		t.Error("changing the passphrase rewrote the vault file")
	}
}

// TestCreateRefusesToOverwrite keeps an existing vault and identity.
func TestCreateRefusesToOverwrite(t *testing.T) {
	_, p := newKeyFileVault(t)
	before := readFile(t, p.Vault)
	_, err := Create(p, CreateOptions{GenerateKeyFile: true}, Options{})
	if !errorsIs(err, ErrExists) {
		t.Fatalf("got %v, want ErrExists", err)
	}
	if string(readFile(t, p.Vault)) != string(before) {
		t.Error("the existing vault changed")
	}
	// An identity without its vault is not overwritten either.
	os.Remove(p.Vault)
	keyBefore := readFile(t, p.Identity)
	if _, err := Create(p, CreateOptions{GenerateKeyFile: true}, Options{}); !errorsIs(err, ErrExists) {
		t.Fatalf("got %v, want ErrExists for a lone identity", err)
	}
	if string(readFile(t, p.Identity)) != string(keyBefore) {
		t.Error("the lone identity was overwritten")
	}
}

// TestChangedAndReload: a second process's change is noticed by a cheap
// check and picked up by a reload.
func TestChangedAndReload(t *testing.T) {
	a, p := newKeyFileVault(t)
	b := reopen(t, p, "")
	if a.Changed() {
		t.Fatal("Changed before any change")
	}
	addProfiles(t, b, 0, 1)
	if !a.Changed() {
		t.Fatal("Changed missed another process's save")
	}
	if reloaded, err := a.ReloadIfChanged(); err != nil || !reloaded {
		t.Fatalf("ReloadIfChanged = %v, %v", reloaded, err)
	}
	if len(profileNames(t, a)) != 1 || a.Changed() {
		t.Error("after reload, the change is not visible or still flagged")
	}
	// A change by b is not lost when a changes next: a reloads first.
	addProfiles(t, b, 1, 1)
	addProfiles(t, a, 2, 1)
	if got := profileNames(t, reopen(t, p, "")); len(got) != 3 {
		t.Errorf("after interleaved changes the vault holds %v, want 3 profiles", got)
	}
}

// TestNoOpUpdateDoesNotWrite: a change that changes nothing leaves the file.
func TestNoOpUpdateDoesNotWrite(t *testing.T) {
	v, p := newKeyFileVault(t)
	addProfiles(t, v, 0, 1)
	fi1, _ := os.Stat(p.Vault)
	if err := v.Update(context.Background(), func(tx *Tx) error { _, err := tx.Profiles(); return err }); err != nil {
		t.Fatal(err)
	}
	fi2, _ := os.Stat(p.Vault)
	if !os.SameFile(fi1, fi2) {
		t.Error("a read-only Update rewrote the vault")
	}
}

// TestInitKilledHalfway: a `ztm vault init` killed after writing the key
// but before the vault leaves nothing that blocks the next init, which
// says it replaced the orphan key; one killed after the vault is in place
// left a working vault, which the next init refuses to touch.
func TestInitKilledHalfway(t *testing.T) {
	killed := errors.New("killed")
	killAt := func(step string) createFault {
		return func(s string) error {
			if s == step {
				return killed
			}
			return nil
		}
	}
	t.Run("after the key", func(t *testing.T) {
		p := testPaths(t, "")
		_, err := Create(p, CreateOptions{Passphrase: "pw", ScryptWorkFactor: testWorkFactor, fault: killAt("key")}, Options{})
		if !errors.Is(err, killed) || !exists(p.Identity) || p.Exists() {
			t.Fatalf("the kill left: err %v, key %v, vault %v; want a lone key", err, exists(p.Identity), p.Exists())
		}
		v, err := Create(p, CreateOptions{Passphrase: "new pw", ScryptWorkFactor: testWorkFactor}, Options{})
		if err != nil {
			t.Fatalf("init after the kill: %v", err)
		}
		v.Close()
		if w := strings.Join(v.Warnings(), "\n"); !strings.Contains(w, "replaced "+p.Identity) {
			t.Errorf("init did not say it replaced the orphan key: %q", w)
		}
		reopen(t, p, "new pw")
		if entries, _ := os.ReadDir(p.Dir); len(entries) != 3 { // vault, identity, lock
			t.Errorf("%d files in the vault directory, want 3", len(entries))
		}
	})
	t.Run("after the vault", func(t *testing.T) {
		p := testPaths(t, "")
		if _, err := Create(p, CreateOptions{Passphrase: "pw", ScryptWorkFactor: testWorkFactor, fault: killAt("vault")}, Options{}); !errors.Is(err, killed) {
			t.Fatal(err)
		}
		if _, err := Create(p, CreateOptions{Passphrase: "new pw", ScryptWorkFactor: testWorkFactor}, Options{}); !errorsIs(err, ErrExists) {
			t.Fatalf("init over a finished vault: %v, want ErrExists", err)
		}
		reopen(t, p, "pw")
	})
}
