package vault

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
)

// The read-back of a save accepts exactly the file that holds the image it
// wrote: not one whose content, length or key differs, nor one cut short
// or extended.
func TestVerifySumAcceptsOnlyWhatWasWritten(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	image := make([]byte, 3<<20+12345) // several reads of the verifier, and a short last chunk
	rand.Read(image)
	sum := imageSum{size: int64(len(image)), sum: sha256.Sum256(image)}
	dir := t.TempDir()
	write := func(name string, plain []byte, to age.Recipient, mangle func([]byte) []byte) string {
		var buf bytes.Buffer
		w, err := age.Encrypt(&buf, to)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(plain)
		w.Close()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, mangle(buf.Bytes()), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	same := func(b []byte) []byte { return b }
	if err := verifySum(write("good", image, id.Recipient(), same), sum, []age.Identity{id}); err != nil {
		t.Fatalf("the file as written: %v", err)
	}
	changed := bytes.Clone(image)
	changed[2<<20] ^= 1
	bad := map[string]string{
		"other content": write("content", changed, id.Recipient(), same),
		"shorter image": write("short", image[:len(image)-1], id.Recipient(), same),
		"other key":     write("key", image, other.Recipient(), same),
		"cut short":     write("cut", image, id.Recipient(), func(b []byte) []byte { return b[:len(b)-70000] }),
		"extended":      write("long", image, id.Recipient(), func(b []byte) []byte { return append(b, 0) }),
		"flipped byte":  write("flip", image, id.Recipient(), func(b []byte) []byte { b[len(b)/2] ^= 1; return b }),
	}
	for what, path := range bad {
		if err := verifySum(path, sum, []age.Identity{id}); err == nil {
			t.Errorf("%s: the read-back passed", what)
		}
	}
}
