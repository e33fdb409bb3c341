//go:build unix

package vault

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestLoadKeyRefusesWhatIsNotAKeyFile: a device, a directory, a FIFO or a
// huge file given as the identity is refused at once, before reading it,
// with a message that says what an identity is.
func TestLoadKeyRefusesWhatIsNotAKeyFile(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.txt")
	if err := os.WriteFile(big, make([]byte, maxKeyFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, says := range map[string]string{
		"/dev/zero": "not a regular file (it is a character device)",
		dir:         "not a regular file (it is a directory)",
		fifo:        "not a regular file (it is a named pipe)",
		big:         "more than the 64 KiB",
	} {
		done := make(chan error, 1)
		go func() {
			_, err := LoadKey(path, nil)
			done <- err
		}()
		select {
		case err := <-done:
			if !errorsIs(err, ErrBadIdentity) || !contains(err, says) || !contains(err, "SSH private key") {
				t.Errorf("%s: got %v; want ErrBadIdentity saying %q and what a key is", path, err, says)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: LoadKey is still reading", path)
		}
	}
}
