// Package cli is ztm's command line: the second face, for scripts and for
// people who want one answer without the dashboard. It is built on cobra,
// one constructor per command (NewCmdToken, NewCmdList, ...) with an
// options struct and an injectable run function, after cli/cli's pattern,
// so flag parsing is tested without a vault. Every command reads and
// writes only through [Env], so tests run them without a terminal, a
// network or a real clock; what a command does with the vault and Zoho is
// a use case of ztm/ui/app.
package cli

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"ztm/ui/tui"
)

// Env is everything a command touches outside the process. main builds it
// (with [Terminal] for the person at the keyboard); tests build their own.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time
	// HTTP, when set, replaces the OAuth client's HTTP client.
	HTTP *http.Client
	// Prompt asks the person at the terminal; nil when there is none (a
	// script, CI), in which case commands never wait for input.
	Prompt Prompter
	// StdinIsTerminal says whether Stdin is a person typing rather than a
	// pipe; secrets are read from a pipe without a prompt.
	StdinIsTerminal bool
	// StdoutIsTerminal says whether Stdout is a screen, where binary output
	// (an encrypted bundle) would only make a mess.
	StdoutIsTerminal bool
	// RunTUI starts the dashboard; the default is tui.Run.
	RunTUI func(ctx context.Context, cfg tui.Config) error
	// ScryptWorkFactor, when set, lowers the cost of new passphrases (tests).
	ScryptWorkFactor int
	// OpenURL opens a consent page in a browser; nil means the system's
	// (tui.OpenBrowser: $BROWSER, else the desktop's opener where there is
	// a display). Tests replace it so no real browser starts.
	OpenURL func(url string) error
	// Getwd is the current directory, where a .ztm-profile file is looked
	// for; nil means os.Getwd.
	Getwd func() (string, error)
}

// Prompter reads from the person at the terminal. Both methods return an
// error that is [context.Canceled] when the person pressed Ctrl+C.
type Prompter interface {
	// Secret reads a line without echoing it.
	Secret(prompt string) (string, error)
	// Line reads a line with echo.
	Line(prompt string) (string, error)
}

// Terminal finds the person, if any: whether stdin and stdout are
// terminals, and where to prompt. Prompts go to the controlling terminal
// (/dev/tty), not stdout, so `ztm token` in $(...) can still ask for a
// passphrase; with no terminal at all prompt is nil and nothing waits.
func Terminal(stdin, stdout *os.File) (prompt Prompter, stdinTTY, stdoutTTY bool) {
	stdinTTY = term.IsTerminal(int(stdin.Fd()))
	stdoutTTY = term.IsTerminal(int(stdout.Fd()))
	if tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil {
		prompt = ttyPrompter{tty}
	} else if stdinTTY {
		prompt = ttyPrompter{stdin}
	}
	return prompt, stdinTTY, stdoutTTY
}

// confirm asks a yes/no question; without a terminal the answer is no.
// Ctrl+C is an error, not a no: the command must stop at once.
func (e Env) confirm(question string) (bool, error) {
	if e.Prompt == nil {
		return false, nil
	}
	ans, err := e.Prompt.Line(question + " [y/N] ")
	if err != nil {
		return false, err
	}
	ans = strings.TrimSpace(ans)
	return strings.EqualFold(ans, "y") || strings.EqualFold(ans, "yes"), nil
}
