package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
)

// fuzzKey is a fixed key so that the fuzzer's inputs can be encrypted to it.
func fuzzKey(t testing.TB) (*Keyring, []age.Recipient) {
	key, err := LoadKey(v1Key, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ParseRecipient(key.Recipients()[0])
	return key, []age.Recipient{r}
}

// openBytes writes data as the vault file and opens it, checking that a
// failed open leaves no vault, writes nothing and creates no file.
func openBytes(t *testing.T, key *Keyring, data []byte) {
	for _, lazy := range []bool{false, true} {
		openBytesAs(t, key, data, Options{Lazy: lazy})
	}
}

func openBytesAs(t *testing.T, key *Keyring, data []byte, o Options) {
	dir := t.TempDir()
	p := Paths{Dir: dir, Vault: filepath.Join(dir, VaultFile), Identity: key.Path, Lock: filepath.Join(dir, VaultFile+".lock")}
	if err := os.WriteFile(p.Vault, data, 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := Open(p, key, o)
	if err == nil {
		// It loaded. Open does not run the full integrity check (age
		// authenticates the file, and saves check what they write), so a
		// crafted image may fail on a later read: then with ErrCorrupt,
		// never a panic or another error.
		if _, err := v.Profiles(); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("opened, but reading fails with %v, not ErrCorrupt", err)
		}
		if err := v.Check(); err == nil {
			if _, err := v.Profiles(); err != nil {
				t.Fatalf("the integrity check passes but profiles fail: %v", err)
			}
		}
		v.Close()
	} else if v != nil {
		t.Fatal("a failed open returned a vault")
	}
	after, _ := os.ReadFile(p.Vault)
	if !bytes.Equal(after, data) {
		t.Fatal("opening changed the file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("opening created files: %d entries", len(entries))
	}
}

// FuzzOpen feeds arbitrary bytes as the vault file.
func FuzzOpen(f *testing.F) {
	key, _ := fuzzKey(f)
	f.Add(readFile(f, v1Fixture))
	f.Add([]byte("age-encryption.org/v1\n-> X25519 abc\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) { openBytes(t, key, data) })
}

// FuzzOpenImage feeds arbitrary bytes as the decrypted database image,
// encrypted to the vault's key, so that the fuzzer reaches SQLite's loader
// and ztm's checks rather than stopping at age's authentication.
func FuzzOpenImage(f *testing.F) {
	key, rs := fuzzKey(f)
	image := decryptFixture(f, key)
	f.Add(image)
	f.Add(image[:4096])
	f.Add([]byte("SQLite format 3\x00"))
	f.Fuzz(func(t *testing.T, image []byte) {
		data, err := encryptImage(image, rs)
		if err != nil {
			t.Fatal(err)
		}
		openBytes(t, key, data)
	})
}

func decryptFixture(t testing.TB, key *Keyring) []byte {
	data := readFile(t, v1Fixture)
	image, err := decryptImage(v1Fixture, bytes.NewReader(data), len(data), key.identities)
	if err != nil {
		t.Fatal(err)
	}
	return image
}
