// Package cli is ztm's command line: the second user interface, for scripts
// and for people who want one answer without the dashboard. Every command
// reads and writes only through [Env], so tests run them without a
// terminal, a network or a real clock.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"ztm/ui/tui"
)

// Env is everything a command touches outside the process.
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
	// RunTUI starts the dashboard; the default is tui.Run.
	RunTUI func(ctx context.Context, cfg tui.Config) error
	// ScryptWorkFactor, when set, lowers the cost of new passphrases (tests).
	ScryptWorkFactor int
}

// Prompter reads from the person at the terminal.
type Prompter interface {
	// Secret reads a line without echoing it.
	Secret(prompt string) (string, error)
	// Line reads a line with echo.
	Line(prompt string) (string, error)
}

// SystemEnv is the real process environment. Prompts go to the controlling
// terminal (/dev/tty), not stdout, so `ztm token` in $(...) can still ask
// for a passphrase.
func SystemEnv() Env {
	e := Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv: os.Getenv, Now: time.Now,
		StdinIsTerminal: term.IsTerminal(int(os.Stdin.Fd())),
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil {
		e.Prompt = ttyPrompter{tty}
	} else if e.StdinIsTerminal {
		e.Prompt = ttyPrompter{os.Stdin}
	}
	return e
}

type ttyPrompter struct{ f *os.File }

func (p ttyPrompter) Secret(prompt string) (string, error) {
	fmt.Fprint(p.f, prompt)
	b, err := term.ReadPassword(int(p.f.Fd()))
	fmt.Fprintln(p.f)
	if err != nil {
		return "", fmt.Errorf("cannot read from the terminal: %w", err)
	}
	return string(b), nil
}

func (p ttyPrompter) Line(prompt string) (string, error) {
	fmt.Fprint(p.f, prompt)
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := p.f.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			b.WriteByte(buf[0])
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return "", err
		}
	}
	return strings.TrimRight(b.String(), "\r"), nil
}

// confirm asks a yes/no question; without a terminal the answer is no.
func (e Env) confirm(question string) bool {
	if e.Prompt == nil {
		return false
	}
	ans, err := e.Prompt.Line(question + " [y/N] ")
	return err == nil && strings.EqualFold(strings.TrimSpace(ans), "y") ||
		err == nil && strings.EqualFold(strings.TrimSpace(ans), "yes")
}
