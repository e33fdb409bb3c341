package vault

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"filippo.io/age"
)

// A key file's recipients are worked out when first asked for (token
// never asks): they must still be the public keys of the file's
// identities, post-quantum and classic alike, and the same on every call.
func TestKeyFileRecipientsAreItsPublicKeys(t *testing.T) {
	t.Parallel()
	pq, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	classic, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "identity.txt")
	if err := os.WriteFile(path, []byte(pq.String()+"\n"+classic.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := LoadKey(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{pq.Recipient().String(), classic.Recipient().String()}
	for range 2 {
		if got := k.Recipients(); !slices.Equal(got, want) {
			t.Fatalf("Recipients() = %q, want %q", got, want)
		}
	}
}
