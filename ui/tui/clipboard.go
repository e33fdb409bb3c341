package tui

import (
	"errors"
	"os"
	"os/exec"
	"runtime"

	"github.com/atotto/clipboard"
)

// Clipboard is where copied tokens go. The dashboard falls back to OSC 52
// (the terminal's own clipboard, which works over SSH) when Write fails.
type Clipboard interface {
	// Write puts s on the clipboard.
	Write(s string) error
	// Read returns what the clipboard holds, so that ztm clears it only if
	// it still holds what ztm put there.
	Read() (string, error)
}

// ErrNoClipboard means there is no system clipboard (no display, SSH).
var ErrNoClipboard = errors.New("no system clipboard")

// SystemClipboard is the desktop clipboard through github.com/atotto/clipboard
// (pbcopy, xclip, xsel, wl-copy, or the Windows API).
type SystemClipboard struct{}

// Write implements Clipboard.
func (SystemClipboard) Write(s string) error {
	if !systemClipboardUsable() {
		return ErrNoClipboard
	}
	return clipboard.WriteAll(s)
}

// Read implements Clipboard.
func (SystemClipboard) Read() (string, error) {
	if !systemClipboardUsable() {
		return "", ErrNoClipboard
	}
	return clipboard.ReadAll()
}

// systemClipboardUsable reports whether a desktop clipboard can be reached:
// on Linux and BSD the helpers need a display, and over SSH the clipboard
// they would fill is the remote machine's, not the user's.
func systemClipboardUsable() bool {
	if clipboard.Unsupported {
		return false
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return os.Getenv("SSH_CONNECTION") == ""
	}
	return os.Getenv("SSH_CONNECTION") == "" && (os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "")
}

// OpenBrowser opens url in the user's browser, or fails when there is none
// to open (no display, SSH), so the caller shows the URL instead.
func OpenBrowser(url string) error {
	if b := os.Getenv("BROWSER"); b != "" {
		return exec.Command(b, url).Start()
	}
	switch runtime.GOOS {
	case "darwin":
		if os.Getenv("SSH_CONNECTION") != "" {
			return errors.New("no browser over SSH")
		}
		return exec.Command("open", url).Start()
	case "windows":
		return exec.Command("rundll32", "url.dll,FileProtocolHandler", url).Start()
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display to open a browser on")
	}
	return exec.Command("xdg-open", url).Start()
}
