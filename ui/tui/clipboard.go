package tui

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"time"

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

// clipboardTimeout bounds one use of the system clipboard: its helpers
// (xclip, wl-copy, pbcopy) are other programs, and one that hangs must not
// hold a command, and the message it owes the screen, forever.
const clipboardTimeout = 5 * time.Second

// within runs fn, giving up when ctx ends first. fn keeps running in the
// background then: a clipboard call cannot be interrupted.
func within(ctx context.Context, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// clipWrite writes s to the clipboard within clipboardTimeout.
func clipWrite(c *Common, clip Clipboard, s string) error {
	ctx, cancel := c.withTimeout(clipboardTimeout)
	defer cancel()
	return within(ctx, func() error { return clip.Write(s) })
}

// clipRead reads the clipboard within clipboardTimeout.
func clipRead(c *Common, clip Clipboard) (string, error) {
	ctx, cancel := c.withTimeout(clipboardTimeout)
	defer cancel()
	var cur string
	err := within(ctx, func() error {
		var err error
		cur, err = clip.Read()
		return err
	})
	return cur, err
}
