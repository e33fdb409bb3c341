// Package e2e drives the real ztm binary in tmux, as a person would: keys
// go in with send-keys, the screen comes back with capture-pane, and a fake
// Zoho (oauth/fakezoho) runs in the test process behind a ZTM_DATACENTERS
// file. Each test has its own tmux server, home, config directory and vault.
//
// Without tmux on PATH every test skips and says so, unless ZTM_REQUIRE_TMUX=1
// (CI), which makes that a failure.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/vault"
)

// Environment variables of the test binary's own roles.
const (
	// roleEnv, set to "browser", makes the test binary act as the browser
	// ztm opens (it is what BROWSER names): see runBrowser.
	roleEnv = "ZTM_E2E_ROLE"
	// browserLogEnv is the file where the browser role records each visit.
	browserLogEnv = "ZTM_E2E_BROWSER_LOG"
)

// Window size of every test terminal.
const (
	termWidth  = 100
	termHeight = 30
)

var (
	// ztmBin is the binary under test, built once by TestMain.
	ztmBin string
	// noTmux is why every test skips, when tmux is missing.
	noTmux string
	// selfBin is this test binary, which BROWSER runs.
	selfBin string
	// servers numbers the tmux servers of this process.
	servers atomic.Int64
)

// runFlag, as the first argument, makes the test binary the program of a
// tmux pane: see runWrapped.
const runFlag = "-ztm-e2e-run"

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == runFlag {
		os.Exit(runWrapped(os.Args[2:]))
	}
	if os.Getenv(roleEnv) == "browser" {
		os.Exit(runBrowser(os.Args[1:]))
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("ZTM_REQUIRE_TMUX") == "1" {
			fmt.Fprintln(os.Stderr, "e2e: tmux is not on PATH, and ZTM_REQUIRE_TMUX=1 requires it: install tmux")
			return 1
		}
		noTmux = "tmux is not on PATH: the end-to-end tests of the real binary need it (install tmux; CI sets ZTM_REQUIRE_TMUX=1 to make this a failure)"
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "ztm-e2e-bin-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ztmBin = filepath.Join(dir, "ztm")
	build := exec.Command("go", "build", "-o", ztmBin, "ztm")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ztm: %v\n%s", err, out)
		return 1
	}
	if selfBin, err = os.Executable(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// needTmux skips the test when tmux is missing (TestMain already failed
// the run if CI requires it).
func needTmux(t *testing.T) {
	t.Helper()
	if noTmux != "" {
		t.Skip(noTmux)
	}
}

// slow scales timeouts: the race detector slows the fake Zoho in this
// process, and a loaded CI machine everything.
func slow(d time.Duration) time.Duration {
	if raceEnabled {
		d *= 2
	}
	return d
}

// ---------------------------------------------------------------- fixture

// fixture is one test's world: a fake Zoho (the shared fakezohotest
// fixture, on the wall clock: ztm runs as another process), an isolated
// home with its config directory and vault path, and the environment ztm
// runs with.
type fixture struct {
	t     *testing.T
	fx    *fakezohotest.Fixture
	zoho  *fakezoho.Cluster
	home  string
	paths vault.Paths
	// browserLog is where the BROWSER program records its visits.
	browserLog string
	env        []string
}

// newFixture starts a fake Zoho with the demo clients, whose
// ZTM_DATACENTERS file points every data center at it.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	needTmux(t)
	f := &fixture{t: t, home: t.TempDir(), fx: fakezohotest.Start(t, fakezohotest.WallClock())}
	f.zoho = f.fx.Zoho
	tmp := filepath.Join(f.home, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(f.home, ".config")
	dir := filepath.Join(config, "ztm")
	f.paths = vault.Paths{Dir: dir, Vault: filepath.Join(dir, vault.VaultFile), Lock: filepath.Join(dir, vault.VaultFile+".lock"),
		Identity: filepath.Join(dir, vault.PassphraseIdentity)}
	f.browserLog = filepath.Join(f.home, "browser.log")
	f.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + f.home,
		"XDG_CONFIG_HOME=" + config,
		"TMPDIR=" + tmp,
		"SHELL=/bin/sh",
		"TERM=xterm-256color",
		"LANG=C.UTF-8",
		vault.EnvVault + "=" + f.paths.Vault,
		"BROWSER=" + selfBin,
		roleEnv + "=browser",
		browserLogEnv + "=" + f.browserLog,
	}
	f.env = append(f.env, f.fx.Env()...)
	return f
}

// withEnv returns the fixture's environment plus extra entries.
func (f *fixture) withEnv(extra ...string) []string {
	return append(append([]string(nil), f.env...), extra...)
}

// ztm runs a ztm command (not the dashboard) to completion, and returns
// its stdout and exit code; stderr goes to the log.
func (f *fixture) ztm(env []string, args ...string) (string, int) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), slow(30*time.Second))
	defer cancel()
	cmd := exec.CommandContext(ctx, ztmBin, args...)
	cmd.Env = env
	cmd.Dir = f.home
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		exit, ok := err.(*exec.ExitError)
		if !ok {
			f.t.Fatalf("ztm %s: %v", strings.Join(args, " "), err)
		}
		code = exit.ExitCode()
	}
	if stderr.Len() > 0 {
		f.t.Logf("ztm %s (exit %d) stderr:\n%s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.String(), code
}

// openVault opens the test's vault in this process, to check what ztm
// stored. pass is needed for a passphrase vault only.
func (f *fixture) openVault(identity, pass string) *vault.Vault {
	f.t.Helper()
	p := f.paths
	p.Identity = identity
	key, err := vault.LoadKey(p.Identity, func() (string, error) { return pass, nil })
	if err != nil {
		f.t.Fatalf("load the vault's key: %v", err)
	}
	v, err := vault.Open(p, key, vault.Options{})
	if err != nil {
		f.t.Fatalf("open the vault: %v", err)
	}
	f.t.Cleanup(func() { v.Close() })
	return v
}

// visit is one page the browser role loaded.
type visit struct {
	Start  string `json:"start"`
	Final  string `json:"final"`
	Status int    `json:"status"`
	Body   string `json:"body"`
	Err    string `json:"error,omitempty"`
}

// visits reads the browser log.
func (f *fixture) visits() []visit {
	f.t.Helper()
	data, err := os.ReadFile(f.browserLog)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	var out []visit
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var v visit
		if err := json.Unmarshal(line, &v); err != nil {
			f.t.Fatalf("browser log: %v: %s", err, line)
		}
		out = append(out, v)
	}
	return out
}

// waitVisits waits until the browser has recorded n visits.
func (f *fixture) waitVisits(n int, timeout time.Duration) []visit {
	f.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v := f.visits()
		if len(v) >= n {
			return v
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("the browser recorded %d visits, want %d: %+v", len(v), n, v)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runBrowser is the browser ztm opens (BROWSER names this test binary):
// it loads the URL, following redirects as a browser does (to the loopback
// receiver, after a consent), and appends what it saw to the log.
func runBrowser(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "e2e browser: want one URL, got", args)
		return 2
	}
	v := visit{Start: args[0]}
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Get(args[0])
	if err != nil {
		v.Err = err.Error()
	} else {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		v.Final, v.Status, v.Body = resp.Request.URL.String(), resp.StatusCode, string(body)
	}
	line, _ := json.Marshal(v)
	if path := os.Getenv(browserLogEnv); path != "" {
		// One write of one line with O_APPEND: visits never interleave.
		if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			f.Write(append(line, '\n'))
			f.Close()
		}
	}
	if v.Err != "" {
		return 1
	}
	return 0
}

// ---------------------------------------------------------------- terminal

// term is a tmux server with one window running ztm.
type term struct {
	t      *testing.T
	socket string
	env    []string
	// pidFile and statusFile are where runWrapped records ztm's pid and
	// exit status.
	pidFile, statusFile string
	socketPath          string
	last                string
}

// startTerm starts ztm with args in a new tmux server of its own, in a
// termWidth x termHeight window. The server, ztm and whatever ztm started
// in the pane are stopped when the test ends, pass or fail; a failed test
// logs the last screen.
func startTerm(t *testing.T, env []string, args ...string) *term {
	t.Helper()
	needTmux(t)
	dir := t.TempDir()
	tm := &term{t: t, env: env,
		socket:     fmt.Sprintf("ztm-e2e-%d-%d", os.Getpid(), servers.Add(1)),
		pidFile:    filepath.Join(dir, "ztm.pid"),
		statusFile: filepath.Join(dir, "ztm.status")}
	conf := filepath.Join(dir, "tmux.conf")
	// remain-on-exit keeps the pane after ztm exits, to read the terminal
	// modes it left behind.
	err := os.WriteFile(conf, []byte("set -g remain-on-exit on\nset -g status off\n"+
		"set -g default-terminal xterm-256color\nset -g history-limit 100\n"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	command := "exec"
	for _, a := range append([]string{selfBin, runFlag, tm.statusFile, tm.pidFile, ztmBin}, args...) {
		command += " " + shellQuote(a)
	}
	cmd := exec.Command("tmux", "-L", tm.socket, "-f", conf, "new-session", "-d", "-s", "ztm",
		"-x", strconv.Itoa(termWidth), "-y", strconv.Itoa(termHeight), command)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(tm.stop)
	tm.socketPath = tm.format("#{socket_path}")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the screen when the test failed:\n%s", frame(tm.capture()))
		}
	})
	return tm
}

// runWrapped runs a program in a tmux pane and records, in files, its pid
// once started and its exit status once it ends. tmux's own pane_dead_status
// is not enough: tmux 3.3 now and then leaves a dead pane's process
// unreaped, without a status.
func runWrapped(args []string) int {
	if len(args) < 3 {
		fmt.Fprintln(os.Stderr, "e2e run: want STATUS-FILE PID-FILE PROGRAM [ARGS...]")
		return 2
	}
	statusFile, pidFile, prog := args[0], args[1], args[2:]
	// Outlive the program to record its end. The terminal's SIGINT and
	// SIGQUIT reach it directly; SIGHUP (the terminal is gone) reaches only
	// this session leader, which passes it on as a shell does, and SIGTERM
	// too. Caught signals are not inherited; ignored ones would be.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)
	cmd := exec.Command(prog[0], prog[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	record := func(path, text string) {
		if os.WriteFile(path+".tmp", []byte(text), 0o600) == nil {
			os.Rename(path+".tmp", path)
		}
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e run:", err)
		record(statusFile, "start: "+err.Error())
		return 127
	}
	record(pidFile, strconv.Itoa(cmd.Process.Pid))
	go func() {
		for sig := range sigs {
			if sig == syscall.SIGHUP || sig == syscall.SIGTERM {
				cmd.Process.Signal(sig)
			}
		}
	}()
	cmd.Wait()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		record(statusFile, "signal: "+ws.Signal().String())
		return 128 + int(ws.Signal())
	}
	record(statusFile, strconv.Itoa(ws.ExitStatus()))
	return ws.ExitStatus()
}

// stop kills the tmux server (ztm gets SIGHUP), then waits for ztm to be
// gone and its end recorded, so that nothing still writes to the test's
// temporary directories.
func (tm *term) stop() {
	exec.Command("tmux", "-L", tm.socket, "kill-server").Run()
	if tm.socketPath != "" {
		os.Remove(tm.socketPath) // tmux leaves it behind
	}
	data, err := os.ReadFile(tm.pidFile)
	if err != nil {
		return // ztm never started
	}
	pid, _ := strconv.Atoi(string(data))
	deadline := time.Now().Add(5 * time.Second)
	for pid > 0 && syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			deadline = time.Now().Add(5 * time.Second)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(tm.statusFile); err == nil {
			return
		}
	}
}

// tmux runs a tmux command on this test's server.
func (tm *term) tmux(args ...string) string {
	tm.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-L", tm.socket}, args...)...)
	cmd.Env = tm.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// keys presses keys by tmux name: Enter, Tab, Down, End, C-u, q...
func (tm *term) keys(keys ...string) {
	tm.t.Helper()
	tm.tmux(append([]string{"send-keys", "-t", "ztm"}, keys...)...)
}

// typeText types text literally, one key per character.
func (tm *term) typeText(text string) {
	tm.t.Helper()
	tm.tmux("send-keys", "-t", "ztm", "-l", "--", text)
}

// paste pastes text as a terminal does: bracketed, when the program asked
// for bracketed paste.
func (tm *term) paste(text string) {
	tm.t.Helper()
	tm.tmux("set-buffer", "-b", "e2e", "--", text)
	tm.tmux("paste-buffer", "-p", "-d", "-b", "e2e", "-t", "ztm")
}

// capture returns the visible screen as text; once the server is gone, the
// last screen captured.
func (tm *term) capture() string {
	cmd := exec.Command("tmux", "-L", tm.socket, "capture-pane", "-p", "-t", "ztm")
	cmd.Env = tm.env
	out, err := cmd.Output()
	if err != nil {
		return tm.last
	}
	tm.last = string(out)
	return tm.last
}

// waitFor polls the screen until it shows want, and returns that screen;
// after timeout the test fails with the screen.
func (tm *term) waitFor(want string, timeout time.Duration) string {
	tm.t.Helper()
	return tm.waitUntil("the screen to show "+strconv.Quote(want), slow(timeout), func(s string) bool { return strings.Contains(s, want) })
}

// waitGone polls until the screen no longer shows text.
func (tm *term) waitGone(text string, timeout time.Duration) string {
	tm.t.Helper()
	return tm.waitUntil("the screen to stop showing "+strconv.Quote(text), slow(timeout), func(s string) bool { return !strings.Contains(s, text) })
}

// waitUntil polls the screen until ok accepts it, for at most timeout (not
// scaled: some waits are the behaviour under test).
func (tm *term) waitUntil(what string, timeout time.Duration, ok func(screen string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := tm.capture()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("waited %s for %s; the screen:\n%s", timeout, what, frame(s))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// format reads tmux format variables of the pane, such as #{pane_dead}.
func (tm *term) format(f string) string {
	tm.t.Helper()
	return strings.TrimSpace(tm.tmux("display-message", "-p", "-t", "ztm", f))
}

// waitExit waits for ztm to exit and returns its exit status; the test
// fails if a signal killed it.
func (tm *term) waitExit(timeout time.Duration) int {
	tm.t.Helper()
	deadline := time.Now().Add(slow(timeout))
	for {
		data, err := os.ReadFile(tm.statusFile)
		if err == nil {
			n, err := strconv.Atoi(string(data))
			if err != nil {
				tm.t.Fatalf("ztm ended with %s; the screen:\n%s", data, frame(tm.capture()))
			}
			return n
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("ztm did not exit within %s; the screen:\n%s", slow(timeout), frame(tm.capture()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lineWith returns the first screen line containing s, or "".
func lineWith(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// frame draws a screen with a border, to tell it apart in a test log.
func frame(s string) string {
	var b strings.Builder
	b.WriteString("┌" + strings.Repeat("─", termWidth) + "┐\n")
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("│" + l + "\n")
	}
	b.WriteString("└" + strings.Repeat("─", termWidth) + "┘")
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// chooseInList presses Down until the screen's selected item (the line
// with marker) contains want, as a person scanning a list would.
func (tm *term) chooseInList(marker, want string, tries int) {
	tm.t.Helper()
	// The choice is the line from the marker on: what comes before it (a
	// focus bar drawn when the list takes the keys) is not a move.
	choice := func(s string) string {
		l := lineWith(s, marker)
		if i := strings.Index(l, marker); i >= 0 {
			return l[i:]
		}
		return l
	}
	for range tries {
		if strings.Contains(choice(tm.capture()), want) {
			return
		}
		before := choice(tm.capture())
		tm.keys("Down")
		tm.waitUntil("the selection to move from "+strconv.Quote(before), slow(5*time.Second), func(s string) bool { return choice(s) != before })
	}
	if !strings.Contains(choice(tm.capture()), want) {
		tm.t.Fatalf("%q is not in the list; the screen:\n%s", want, frame(tm.capture()))
	}
}
