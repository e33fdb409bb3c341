//go:build unix

package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"ztm/oauth/fakezoho/fakezohotest"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// terminal is the real ztm binary on a pseudo-terminal of its own, as
// the controlling terminal of a new session: its /dev/tty is the pty.
type terminal struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File
	tty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	done chan error
}

func startOnTerminal(t *testing.T, env []string, args ...string) *terminal {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 100})
	term := &terminal{t: t, ptmx: ptmx, tty: tty, done: make(chan error, 1)}
	term.cmd = exec.Command(ztmBinary(t), args...)
	term.cmd.Env = env
	term.cmd.Stdin, term.cmd.Stdout, term.cmd.Stderr = tty, tty, tty
	term.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := term.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() { term.done <- term.cmd.Wait() }()
	t.Cleanup(func() {
		term.cmd.Process.Kill()
		ptmx.Close()
		tty.Close()
	})
	return term
}

func (term *terminal) output() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.out.String()
}

// waitFor waits until the screen shows s.
func (term *terminal) waitFor(s string) {
	term.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(term.output(), s) {
		if time.Now().After(deadline) {
			term.t.Fatalf("the terminal never showed %q; it shows:\n%s", s, term.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exit waits for the process and returns its exit code.
func (term *terminal) exit() int {
	term.t.Helper()
	select {
	case err := <-term.done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			term.t.Fatal(err)
		}
		return 0
	case <-time.After(10 * time.Second):
		term.t.Fatalf("ztm did not end; the terminal shows:\n%s", term.output())
		return -1
	}
}

// echoOn says the terminal is back in its normal mode: echo and line
// editing on.
func (term *terminal) echoOn() bool {
	tio, err := unix.IoctlGetTermios(int(term.tty.Fd()), ioctlGetTermios)
	if err != nil {
		term.t.Fatal(err)
	}
	return tio.Lflag&unix.ECHO != 0 && tio.Lflag&unix.ICANON != 0
}

// Item 20: Ctrl+C at any prompt ends ztm at once with 130, restores the
// terminal and changes nothing.
func TestCtrlCAtEveryPrompt(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the ztm binary")
	}
	tests := []struct {
		name   string
		world  func(t *testing.T) *world
		args   []string
		prompt string
	}{
		{"passphrase for a new vault", func(t *testing.T) *world { return newBareWorld(t, fakezohotest.WallClock()) },
			[]string{"vault", "init"}, "New passphrase: "},
		{"passphrase to unlock", func(t *testing.T) *world {
			w := newPassphraseWorld(t)
			delete(w.env, "ZTM_PASSPHRASE")
			return w
		}, []string{"list"}, "Passphrase for "},
		{"client secret", func(t *testing.T) *world { return newWallClockWorld(t) }, addArgs("crm-eu", "--code"), "Client secret: "},
		{"confirmation", func(t *testing.T) *world { w := newWallClockWorld(t); w.add("crm"); return w },
			[]string{"rm", "crm"}, "Delete profile crm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := tt.world(t)
			var before []byte
			if w.paths.Exists() {
				before = w.vaultBytes()
			}
			term := startOnTerminal(t, w.environ(), tt.args...)
			term.waitFor(tt.prompt)
			term.ptmx.Write([]byte{3})
			if code := term.exit(); code != 130 {
				t.Errorf("exit %d after Ctrl+C, want 130; the terminal shows:\n%s", code, term.output())
			}
			if !term.echoOn() {
				t.Error("the terminal was left without echo")
			}
			if before == nil && w.paths.Exists() {
				t.Error("a vault was created after Ctrl+C")
			}
			if before != nil && !bytes.Equal(before, w.vaultBytes()) {
				t.Error("the vault changed after Ctrl+C")
			}
		})
	}
}

// Item 23: the demo's throwaway vault and key go away when its terminal
// closes (SIGHUP) or it is killed (SIGTERM).
func TestDemoCleansUpOnHangupAndTerm(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the ztm binary")
	}
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			env := append(newBareWorld(t).environ(), "TMPDIR="+tmp, "TERM=xterm-256color")
			term := startOnTerminal(t, env, "demo")
			term.waitFor("ztm demo: fake Zoho at")
			if left, _ := filepath.Glob(filepath.Join(tmp, "ztm-demo-*")); len(left) == 0 {
				t.Fatalf("the demo made no directory in TMPDIR; the terminal shows:\n%s", term.output())
			}
			time.Sleep(200 * time.Millisecond) // let the dashboard start
			term.cmd.Process.Signal(sig)
			term.exit()
			if left, _ := filepath.Glob(filepath.Join(tmp, "ztm-demo-*")); len(left) != 0 {
				t.Errorf("after %v the demo left %v", sig, left)
			}
		})
	}
}
