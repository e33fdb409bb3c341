package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"ztm/model"
)

// maxSecret caps one line of input (a secret, a code, a pasted redirect
// URL, an answer): the longest of them is a few hundred bytes, and a
// bounded read means a stray pipe cannot make ztm hold megabytes of it.
const maxSecret = 8 << 10

// errInterrupted is Ctrl+C at a prompt; it is context.Canceled, so the
// command stops where it is and ztm exits 130.
var errInterrupted = fmt.Errorf("%w at the prompt", context.Canceled)

// errTooLong is a line past maxSecret.
var errTooLong = fmt.Errorf("the line is longer than %d KiB", maxSecret>>10)

// ttyPrompter asks on the terminal. It reads in raw mode, byte by byte,
// rather than with the terminal's line editing: with line editing Ctrl+C
// only sends a signal, the read goes on, and the next thing the person
// types (a shell command) is swallowed as the answer.
type ttyPrompter struct{ f *os.File }

// Secret reads a line without echo.
func (p ttyPrompter) Secret(prompt string) (string, error) { return p.read(prompt, false) }

// Line reads a line with echo.
func (p ttyPrompter) Line(prompt string) (string, error) { return p.read(prompt, true) }

func (p ttyPrompter) read(prompt string, echo bool) (string, error) {
	fd := int(p.f.Fd())
	// Raw mode first, then the prompt: a Ctrl+C typed as soon as the
	// prompt shows must reach readRaw, not the line discipline.
	state, err := term.MakeRaw(fd)
	if err != nil {
		return "", fmt.Errorf("cannot read from the terminal: %w", err)
	}
	fmt.Fprint(p.f, prompt)
	line, err := readRaw(p.f, p.f, echo)
	term.Restore(fd, state)
	fmt.Fprint(p.f, "\r\n")
	return line, err
}

// readRaw reads one line typed on a terminal in raw mode: Enter ends it,
// Ctrl+C abandons it, Ctrl+D on an empty line is end of input, backspace
// deletes. Echoed characters go to out.
func readRaw(in io.Reader, out io.Writer, echo bool) (string, error) {
	var b []byte
	buf := make([]byte, 1)
	defer func() { clear(b) }()
	for {
		n, err := in.Read(buf)
		if n == 0 {
			if err == nil {
				continue
			}
			if errors.Is(err, io.EOF) && len(b) > 0 {
				return string(b), nil
			}
			return "", fmt.Errorf("cannot read from the terminal: %w", err)
		}
		switch c := buf[0]; c {
		case 3: // Ctrl+C
			return "", errInterrupted
		case 4: // Ctrl+D
			if len(b) == 0 {
				return "", io.EOF
			}
		case '\r', '\n':
			return string(b), nil
		case 127, 8: // backspace
			if len(b) > 0 {
				// Drop a whole UTF-8 character, not one byte of it.
				i := len(b) - 1
				for i > 0 && b[i]&0xC0 == 0x80 {
					i--
				}
				b = b[:i]
				if echo {
					fmt.Fprint(out, "\b \b")
				}
			}
		case 21: // Ctrl+U
			if echo {
				fmt.Fprint(out, strings.Repeat("\b \b", len([]rune(string(b)))))
			}
			b = b[:0]
		default:
			if c < 32 {
				continue
			}
			if len(b) >= maxSecret {
				return "", errTooLong
			}
			b = append(b, c)
			if echo {
				out.Write(buf)
			}
		}
	}
}

// secretReader returns a function that reads the next secret: a line of
// stdin when it is a pipe, else a prompt on the terminal without echo.
// Lines are read through a bounded reader.
func secretReader(e Env) func(prompt string) (string, error) {
	lines := bufio.NewReaderSize(e.Stdin, 512)
	return func(prompt string) (string, error) {
		what := strings.TrimSuffix(prompt, ": ")
		if !e.StdinIsTerminal {
			line, err := readLine(lines)
			if errors.Is(err, errTooLong) {
				return "", usagef("the line on stdin for %q is longer than %d KiB", what, maxSecret>>10)
			}
			if err != nil {
				return "", usagef("expected a line on stdin for %q", what)
			}
			return model.CleanPasted(line), nil
		}
		if e.Prompt == nil {
			return "", usagef("no terminal to ask for %q: pipe it on stdin", what)
		}
		s, err := e.Prompt.Secret(prompt)
		return model.CleanPasted(s), err
	}
}

// readLine reads up to a newline, at most maxSecret bytes. A last line
// without a newline counts; an empty input is io.EOF.
func readLine(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		frag, err := r.ReadSlice('\n')
		if len(b)+len(frag) > maxSecret+2 {
			clear(b)
			return "", errTooLong
		}
		b = append(b, frag...)
		switch {
		case err == nil:
			return string(b), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(b) > 0:
			return string(b), nil
		default:
			return "", err
		}
	}
}
