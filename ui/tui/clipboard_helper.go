//go:build !darwin && !windows

package tui

import (
	"os"
	"os/exec"
	"strings"
)

// On Linux and the BSDs the clipboard is another program's. The helper is
// looked up when the clipboard is used, not when ztm starts: the package
// that did this at start-up (atotto/clipboard) searched PATH up to eight
// times in every ztm process, `ztm token` included, which never copies.
// The helpers and their order are that package's.

// clipHelper is a pair of programs (with arguments) that write and read
// the clipboard.
type clipHelper struct {
	copy, paste []string
	// trimCRLF drops the line end Windows' clipboard adds (under WSL).
	trimCRLF bool
}

func findClipHelper() (clipHelper, bool) {
	helpers := []clipHelper{
		{copy: []string{"xclip", "-in", "-selection", "clipboard"}, paste: []string{"xclip", "-out", "-selection", "clipboard"}},
		{copy: []string{"xsel", "--input", "--clipboard"}, paste: []string{"xsel", "--output", "--clipboard"}},
		{copy: []string{"termux-clipboard-set"}, paste: []string{"termux-clipboard-get"}},
		{copy: []string{"clip.exe"}, paste: []string{"powershell.exe", "Get-Clipboard"}, trimCRLF: true},
	}
	if os.Getenv("WAYLAND_DISPLAY") != "" {
		helpers = append([]clipHelper{{copy: []string{"wl-copy"}, paste: []string{"wl-paste", "--no-newline"}}}, helpers...)
	}
	for _, h := range helpers {
		if _, err := exec.LookPath(h.copy[0]); err != nil {
			continue
		}
		if _, err := exec.LookPath(h.paste[0]); err == nil {
			return h, true
		}
	}
	return clipHelper{}, false
}

func systemClipboardExists() bool {
	_, ok := findClipHelper()
	return ok
}

func systemWrite(s string) error {
	h, ok := findClipHelper()
	if !ok {
		return ErrNoClipboard
	}
	cmd := exec.Command(h.copy[0], h.copy[1:]...)
	cmd.Stdin = strings.NewReader(s)
	return cmd.Run()
}

func systemRead() (string, error) {
	h, ok := findClipHelper()
	if !ok {
		return "", ErrNoClipboard
	}
	out, err := exec.Command(h.paste[0], h.paste[1:]...).Output()
	if err != nil {
		return "", err
	}
	if h.trimCRLF {
		return strings.TrimSuffix(string(out), "\r\n"), nil
	}
	return string(out), nil
}
