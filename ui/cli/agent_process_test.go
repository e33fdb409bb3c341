package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/ui/app/service"
	"ztm/vault"
)

// newWallClockPassphraseWorld is newPassphraseWorld on the real clock, for
// tests that run the ztm binary.
func newWallClockPassphraseWorld(t testing.TB) *world {
	w := newBareWorld(t, fakezohotest.WallClock())
	w.paths.Identity = filepath.Join(w.dir, vault.PassphraseIdentity)
	v, err := vault.Create(w.paths, vault.CreateOptions{Passphrase: testPassword, ScryptWorkFactor: testWorkFactor}, vault.Options{Now: w.fx.Now})
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	return w
}

// runBinary runs the ztm binary with env, an empty stdin and no
// controlling terminal, so nothing can prompt; it fails the test if the
// process does not end within 30 seconds.
func runBinary(t testing.TB, bin string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, bin, args...)
	c.Env = env
	c.Stdin = strings.NewReader("")
	c.SysProcAttr = newSessionAttr()
	var o, e bytes.Buffer
	c.Stdout, c.Stderr = &o, &e
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatalf("ztm %s did not end", strings.Join(args, " "))
	}
	return result{stdout: o.String(), stderr: e.String(), code: code, args: args}
}

// killAgentAtCleanup stops the agent on w's socket when the test ends,
// whatever happened to it.
func killAgentAtCleanup(t testing.TB, sock string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if st, err := service.NewAgentClient(sock).Status(ctx); err == nil && st.PID != os.Getpid() {
			syscall.Kill(st.PID, syscall.SIGKILL)
		}
	})
}

// The whole story with real processes and no terminal: ztm unlock starts
// the agent and hands it the passphrase; ztm token then needs neither
// ZTM_PASSPHRASE nor a terminal; after ztm lock it does again.
func TestUnlockTokenLockWithTheBinary(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the ztm binary")
	}
	bin := ztmBinary(t)
	w := newWallClockPassphraseWorld(t)
	w.add("crm")
	sock := w.env[service.EnvAgentSock]
	killAgentAtCleanup(t, sock)
	env := w.environ() // no ZTM_PASSPHRASE
	withPass := append(w.environ(), vault.EnvPassphrase+"="+testPassword)

	if r := runBinary(t, bin, env, "token", "crm"); r.code != ExitLocked || !strings.Contains(r.stderr, "set ZTM_PASSPHRASE") {
		t.Fatalf("before unlock:\n%s", r)
	}
	// Without a passphrase to hand over, no agent is started.
	if r := runBinary(t, bin, env, "unlock"); r.code != ExitLocked || !strings.Contains(r.stderr, "set ZTM_PASSPHRASE") {
		t.Fatalf("unlock with no passphrase and no terminal:\n%s", r)
	}
	if r := runBinary(t, bin, env, "agent", "status"); r.stdout != "no agent runs\n" {
		t.Fatalf("unlock with no passphrase left an agent:\n%s", r)
	}
	r := runBinary(t, bin, withPass, "unlock", "--idle", "5m")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "unlocked until ") {
		t.Fatalf("unlock:\n%s", r)
	}
	if fi, err := os.Stat(filepath.Dir(sock)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the agent's directory: %v, mode %v; want 0700", err, fi.Mode().Perm())
	}
	st := runBinary(t, bin, env, "agent", "status", "--json")
	var status struct {
		Running, Unlocked bool
		PID               int
		ForgetAt          time.Time `json:"forget_at"`
	}
	if err := json.Unmarshal([]byte(st.stdout), &status); err != nil || !status.Running || !status.Unlocked ||
		time.Until(status.ForgetAt) > 5*time.Minute || time.Until(status.ForgetAt) < 4*time.Minute {
		t.Errorf("agent status after unlock --idle 5m: %v\n%s", err, st)
	}
	if r := runBinary(t, bin, env, "token", "crm"); r.code != 0 || r.stdout != testAccess+".crm\n" || r.stderr != "" {
		t.Errorf("token after unlock, without a passphrase:\n%s", r)
	}
	if r := runBinary(t, bin, env, "lock"); r.code != 0 || r.stdout != "forgotten\n" {
		t.Errorf("lock:\n%s", r)
	}
	if r := runBinary(t, bin, env, "token", "crm"); r.code != ExitLocked || !strings.Contains(r.stderr, "set ZTM_PASSPHRASE") {
		t.Errorf("token after lock:\n%s", r)
	}
	// A second agent on the same socket is refused.
	if r := runBinary(t, bin, env, "agent"); r.code != ExitUsage || !strings.Contains(r.stderr, "an agent already runs") {
		t.Errorf("a second agent:\n%s", r)
	}
	if r := runBinary(t, bin, env, "agent", "stop"); r.code != 0 || r.stdout != "stopped (pid "+strconv.Itoa(status.PID)+")\n" {
		t.Errorf("agent stop:\n%s", r)
	}
	if r := runBinary(t, bin, env, "agent", "status"); r.code != 0 || r.stdout != "no agent runs\n" {
		t.Errorf("agent status after stop:\n%s", r)
	}
}

// startServe starts the ztm serve binary on a loopback port and returns
// the process and its URL.
func startServe(t testing.TB, bin string, env []string) (*exec.Cmd, string) {
	t.Helper()
	c := exec.Command(bin, "serve", "--listen", "127.0.0.1:0")
	c.Env = env
	c.SysProcAttr = newSessionAttr()
	stderr, err := c.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var rec struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "listening" {
				lines <- rec.URL
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case url := <-lines:
		return c, url
	case <-time.After(20 * time.Second):
		t.Fatal("ztm serve did not say where it listens")
	}
	return nil, ""
}

// kill -9 of the token server while Zoho is answering its refresh: the
// vault is intact (the old token, nothing half-written), and the next
// server serves. Then the CLI of a machine with no vault gets tokens from
// it, with the real binary.
func TestServeKilledDuringARefresh(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the ztm binary")
	}
	bin := ztmBinary(t)
	w := newWallClockWorld(t)
	old := w.add("crm", expiresIn(-time.Minute))
	cred := w.grant("ci", "crm")
	before := w.vaultBytes()
	srv, url := startServe(t, bin, w.environ())

	w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Delay: 3 * time.Second})
	c, err := service.NewServerClient(url, cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	asked := make(chan error, 1)
	go func() { _, err := c.Token(context.Background(), "crm", 0); asked <- err }()
	for w.zoho.Requests(fakezoho.EndpointRefresh) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	if err := <-asked; service.ExitCode(err) != ExitNetwork {
		t.Errorf("the reader of a killed server got %v, want unreachable", err)
	}
	if !bytes.Equal(w.vaultBytes(), before) || w.stored()["crm"].Token.AccessToken != old.Token.AccessToken {
		t.Fatal("a server killed during a refresh changed the vault")
	}
	if left, _ := filepath.Glob(filepath.Join(w.dir, "*.tmp*")); len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}

	_, url = startServe(t, bin, w.environ())
	ci := newBareWorld(t, fakezohotest.WallClock()) // no vault, no key
	home := t.TempDir()
	env := append(ci.environ(), "HOME="+home, "ZTM_SERVER_TOKEN="+cred)
	r := runBinary(t, bin, env, "token", "crm", "--server", url)
	tok := strings.TrimSuffix(r.stdout, "\n")
	if r.code != 0 || !w.zoho.ValidAccessToken(tok) {
		t.Fatalf("token from the restarted server:\n%s", r)
	}
	env = append(env, "ZTM_SERVER="+url)
	if r := runBinary(t, bin, env, "header", "crm"); r.code != 0 || r.stdout != "Authorization: Zoho-oauthtoken "+tok+"\n" {
		t.Errorf("header from the server:\n%s", r)
	}
	if r := runBinary(t, bin, env, "exec", "crm", "--", "sh", "-c", `test "$ZOHO_ACCESS_TOKEN" = "`+tok+`" && exit 6`); r.code != 6 {
		t.Errorf("exec from the server:\n%s", r)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("asking a server wrote to HOME: %v", entries)
	}
	if got := w.stored()["crm"].Token.AccessToken; got != tok {
		t.Errorf("the vault holds %q, the server served %q", got, tok)
	}
}

// ztm agent in the foreground: one JSON line saying where it listens,
// a line per token without a secret, and on SIGTERM it forgets the key and
// exits 0, after which nothing answers on the socket.
func TestAgentInTheForeground(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the ztm binary")
	}
	bin := ztmBinary(t)
	w := newWallClockPassphraseWorld(t)
	w.add("crm")
	sock := w.env[service.EnvAgentSock]
	killAgentAtCleanup(t, sock)
	c := exec.Command(bin, "agent", "--idle", "2m")
	c.Env = w.environ()
	var logs syncBuffer
	c.Stderr = &logs
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	cl := service.NewAgentClient(sock)
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), `"msg":"listening"`) {
		if time.Now().After(deadline) {
			t.Fatalf("ztm agent did not start:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := cl.Unlock(ctx, testPassword); err != nil {
		t.Fatal(err)
	}
	tok, err := cl.Token(ctx, "crm", 0)
	if err != nil || tok.AccessToken != testAccess+".crm" {
		t.Fatalf("token from ztm agent: %v", err)
	}
	c.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("ztm agent on SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("ztm agent did not stop on SIGTERM")
	}
	if _, err := cl.Status(ctx); !errors.Is(err, service.ErrNoAgent) {
		t.Errorf("after ztm agent stopped, the socket answers: %v", err)
	}
	out := logs.String()
	for _, want := range []string{`"socket":"` + sock + `"`, `"idle":"2m0s"`, `"profile":"crm","result":"ok"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the agent's log does not say %s:\n%s", want, out)
		}
	}
	noSecrets(t, "the agent's log", out, testPassword, testAccess, testSecret, w.refreshTokens["crm"])
}
