package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
)

// TestTwentyProcessesOneRefresh is issue 6's promise, with the real binary:
// twenty `ztm token` processes started at once on an expired token make
// exactly one refresh call, and all print the same new token.
func TestTwentyProcessesOneRefresh(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the ztm binary")
	}
	bin := ztmBinary(t)
	w := newWallClockWorld(t)
	old := w.add("crm", expiresIn(-time.Minute))
	// Zoho takes a moment to answer, so the others surely arrive while the
	// first refresh is in flight and must wait for its result.
	w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Delay: 300 * time.Millisecond})

	const n = 20
	args := []string{"token", "crm"}
	type out struct {
		stdout, stderr string
		err            error
	}
	outs := make([]out, n)
	cmds := make([]*exec.Cmd, n)
	bufs := make([][2]bytes.Buffer, n)
	env := w.environ()
	for i := range cmds {
		cmds[i] = exec.Command(bin, args...)
		cmds[i].Env = env
		cmds[i].Stdout, cmds[i].Stderr = &bufs[i][0], &bufs[i][1]
	}
	// Start them all, then wait for them all.
	for i, c := range cmds {
		if err := c.Start(); err != nil {
			t.Fatalf("process %d: %v", i, err)
		}
	}
	var wg sync.WaitGroup
	for i, c := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.Wait()
			outs[i] = out{bufs[i][0].String(), bufs[i][1].String(), err}
		}()
	}
	wg.Wait()

	if got := w.zoho.Requests(fakezoho.EndpointRefresh); got != 1 {
		t.Errorf("%d processes made %d refresh calls, want 1", n, got)
	}
	first := outs[0].stdout
	tok := strings.TrimSuffix(first, "\n")
	if tok == old.Token.AccessToken || !w.zoho.ValidAccessToken(tok) || strings.Count(first, "\n") != 1 {
		t.Fatalf("process 0 printed %q, want one line with the new token\nstderr: %s", first, outs[0].stderr)
	}
	for i, o := range outs {
		if o.err != nil || o.stdout != first || o.stderr != "" {
			t.Errorf("process %d: %v, stdout %q, stderr %q; want exit 0 and %q", i, o.err, o.stdout, o.stderr, first)
		}
	}
	if stored := w.stored()["crm"].Token.AccessToken; stored != tok {
		t.Errorf("the vault holds %q, the processes printed %q", stored, tok)
	}
	noSecrets(t, "the processes' arguments", strings.Join(args, " "), testSecret, old.Token.RefreshToken, tok)
}

// TestBinaryEndToEnd checks what only a real process shows: exit codes
// reach the shell and SystemEnv finds no terminal in a pipe.
func TestBinaryEndToEnd(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the ztm binary")
	}
	bin := ztmBinary(t)
	w := newWallClockWorld(t)
	w.add("crm")
	run := func(args ...string) (string, string, int) {
		c := exec.Command(bin, args...)
		c.Env = w.environ()
		var o, e bytes.Buffer
		c.Stdout, c.Stderr = &o, &e
		err := c.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return o.String(), e.String(), code
	}
	if o, e, code := run("token", "crm"); code != 0 || o != testAccess+".crm\n" || e != "" {
		t.Errorf("token: exit %d, %q, %q", code, o, e)
	}
	if _, e, code := run("token", "nope"); code != 2 || !strings.HasPrefix(e, "ztm: no such profile") {
		t.Errorf("token nope: exit %d, %q", code, e)
	}
	if o, _, code := run("exec", "crm", "--", "sh", "-c", `test "$ZOHO_DC" = EU && exit 7`); code != 7 || o != "" {
		t.Errorf("exec: exit %d, want 7", code)
	}
	// A passphrase vault with no terminal (no /dev/tty in a test, usually):
	// the process must not hang waiting for one.
	pw := newPassphraseWorld(t)
	pw.add("crm")
	delete(pw.env, "ZTM_PASSPHRASE")
	c := exec.Command(bin, "token", "crm")
	c.Env = pw.environ()
	c.Stdin = strings.NewReader("")
	c.SysProcAttr = newSessionAttr() // no controlling terminal
	var e bytes.Buffer
	c.Stderr = &e
	done := make(chan error, 1)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 3 || !strings.Contains(e.String(), "set ZTM_PASSPHRASE") {
			t.Errorf("locked vault without a terminal: %v, stderr %q; want exit 3 saying to set ZTM_PASSPHRASE", err, e.String())
		}
	case <-time.After(20 * time.Second):
		c.Process.Kill()
		t.Fatal("ztm token waited for a passphrase with no terminal to ask on")
	}
}

// TestSweepRemovesWhatKilledRunsBuilt: the binaries a test run builds are
// removed by the next run when the one that built them was killed.
func TestSweepRemovesWhatKilledRunsBuilt(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	dead := filepath.Join(tmp, testDirPrefix+"999999999-1")
	mine := filepath.Join(tmp, testDirPrefix+strconv.Itoa(os.Getpid())+"-2")
	other := filepath.Join(tmp, "ztm-demo-3")
	for _, d := range []string{dead, mine, other} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "ztm"), make([]byte, 1024), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	sweepTestDirs(tmp)
	for d, want := range map[string]bool{dead: false, mine: true, other: true} {
		if _, err := os.Stat(d); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(d), err == nil, want)
		}
	}
	// This run's own directory is under a name the sweep recognizes.
	if !strings.HasPrefix(filepath.Base(binDir), testDirPrefix+strconv.Itoa(os.Getpid())+"-") {
		t.Errorf("the binaries go to %s, which the next run's sweep would not recognize", binDir)
	}
}
