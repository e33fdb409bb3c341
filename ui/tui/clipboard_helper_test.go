//go:build !darwin && !windows

package tui

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The system clipboard finds its helper when it is used: a helper put on
// PATH after ztm started is used (the lookup used to happen once, when
// the program started, in every ztm process).
func TestSystemClipboardFindsItsHelperWhenUsed(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "clipboard")
	script := "#!/bin/sh\ncase \"$1\" in\n-in) /bin/cat > " + store + " ;;\n-out) /bin/cat " + store + " ;;\nesac\n"
	if err := os.WriteFile(filepath.Join(dir, "xclip"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	t.Setenv("DISPLAY", ":0")
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("SSH_CONNECTION", "")
	var c SystemClipboard
	if err := c.Write("1000.copied"); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := c.Read()
	if err != nil || got != "1000.copied" {
		t.Fatalf("read back %q, %v", got, err)
	}

	t.Setenv("PATH", t.TempDir())
	if err := c.Write("x"); !errors.Is(err, ErrNoClipboard) {
		t.Errorf("with no helper on PATH, write = %v, want ErrNoClipboard (so the dashboard falls back to OSC 52)", err)
	}
}
