package service_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
	"ztm/ui/app"
	"ztm/ui/app/service"
	"ztm/vault"
)

// TestMain doubles as a client process for the tests that need one
// (another user's, or one killed mid-request).
func TestMain(m *testing.M) {
	if sock := os.Getenv("ZTM_SERVICE_HELPER_SOCK"); sock != "" {
		_, err := service.NewAgentClient(sock).Token(context.Background(), "crm-eu", 0)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println(helperAnswered)
		os.Exit(0)
	}
	if sock := os.Getenv("ZTM_SERVICE_AGENT_SOCK"); sock != "" {
		runHelperAgent(sock)
		return
	}
	os.Exit(m.Run())
}

// runHelperAgent is `ztm agent` for TestSpawnedAgent.
func runHelperAgent(sock string) {
	if os.Getenv(vault.EnvPassphrase) != "" {
		fmt.Fprintln(os.Stderr, "the agent's environment holds the passphrase")
		os.Exit(3)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	dir := os.Getenv("ZTM_SERVICE_AGENT_VAULT")
	paths := vault.Paths{Dir: dir, Vault: filepath.Join(dir, vault.VaultFile), Identity: filepath.Join(dir, vault.PassphraseIdentity), Lock: filepath.Join(dir, vault.VaultFile+".lock")}
	err := service.RunAgent(ctx, service.Options{Paths: paths, Env: app.Env{Getenv: os.Getenv}}, sock, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func TestUnlockOnceThenTokensWithoutAPassphrase(t *testing.T) {
	w := newWorld(t, worldOpts{passphrase: true, profiles: []string{"crm-eu"}, idle: 15 * time.Minute, max: 12 * time.Hour})
	sock := w.serveAgent()
	c := service.NewAgentClient(sock)
	ctx := context.Background()

	if _, err := c.Token(ctx, "crm-eu", 0); service.ExitCode(err) != service.ExitAuth || !strings.Contains(err.Error(), "ztm unlock") {
		t.Fatalf("a locked agent answered %v (exit %d), want a pointer to ztm unlock", err, service.ExitCode(err))
	}
	if _, err := c.Unlock(ctx, "wrong"); err == nil || !strings.Contains(err.Error(), "try again") {
		t.Fatalf("a wrong passphrase: %v", err)
	}
	st, err := c.Unlock(ctx, passphrase)
	if err != nil || !st.Unlocked || !st.ForgetAt.Equal(start.Add(15*time.Minute)) {
		t.Fatalf("unlock: %+v, %v", st, err)
	}
	t.Cleanup(w.svc.Lock)
	tok, err := c.ForVault(w.paths.Vault).Token(ctx, "crm-eu", time.Minute)
	if err != nil || tok.AccessToken != w.storedToken("crm-eu").AccessToken {
		t.Fatalf("token through the agent: %v", err)
	}
	if _, err := c.ForVault("/elsewhere/vault.age").Token(ctx, "crm-eu", 0); !errors.Is(err, service.ErrNoAgent) {
		t.Fatalf("a token of another vault: %v, want ErrNoAgent (open that vault directly)", err)
	}
	if _, err := c.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Token(ctx, "crm-eu", 0); !errors.Is(err, service.ErrLocked) {
		t.Fatalf("after ztm lock: %v, want locked", err)
	}
}

func TestAgentForgetsAfterIdleTime(t *testing.T) {
	w := newWorld(t, worldOpts{profiles: []string{"crm-eu"}, idle: 15 * time.Minute, max: 12 * time.Hour})
	c := service.NewAgentClient(w.serveAgent())
	w.unlock()
	ctx := context.Background()
	for range 3 { // each use postpones the idle expiry
		w.clk.Advance(14 * time.Minute)
		if _, err := c.Token(ctx, "crm-eu", 0); err != nil {
			t.Fatalf("used within the idle time: %v", err)
		}
	}
	st, _ := c.Status(ctx)
	if !st.ForgetAt.Equal(w.clk.Now().Add(15 * time.Minute)) {
		t.Fatalf("forget at %v, want 15 minutes after the last use", st.ForgetAt)
	}
	w.clk.Advance(15*time.Minute + time.Second)
	if _, err := c.Token(ctx, "crm-eu", 0); !errors.Is(err, service.ErrLocked) {
		t.Fatalf("after 15 idle minutes: %v, want locked", err)
	}
}

func TestAgentForgetsAtItsMaximumHoweverBusy(t *testing.T) {
	w := newWorld(t, worldOpts{profiles: []string{"crm-eu"}, idle: 15 * time.Minute, max: time.Hour})
	c := service.NewAgentClient(w.serveAgent())
	w.unlock()
	ctx := context.Background()
	for i := range 5 {
		w.clk.Advance(10 * time.Minute)
		if _, err := c.Token(ctx, "crm-eu", 0); err != nil {
			t.Fatalf("use %d, within the hour: %v", i, err)
		}
	}
	st, _ := c.Status(ctx)
	if !st.ForgetAt.Equal(start.Add(time.Hour)) {
		t.Fatalf("forget at %v, want the maximum %v", st.ForgetAt, start.Add(time.Hour))
	}
	w.clk.Advance(10 * time.Minute)
	if _, err := c.Token(ctx, "crm-eu", 0); !errors.Is(err, service.ErrLocked) {
		t.Fatalf("at the maximum: %v, want locked", err)
	}
}

func TestTheTickerForgetsWithoutAnyRequest(t *testing.T) {
	w := newWorld(t, worldOpts{profiles: []string{"crm-eu"}, idle: 15 * time.Minute})
	w.unlock()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.svc.Run(ctx) }()
	w.clk.Advance(16 * time.Minute)
	w.tick <- w.clk.Now()
	w.tick <- w.clk.Now() // the first tick's work is done once the second is taken
	if !strings.Contains(w.log.String(), "forgetting the key") {
		t.Fatalf("a tick after the idle time did not forget the key; log:\n%s", w.log.String())
	}
	cancel()
	<-done
}

func TestSocketAndDirectoryModes(t *testing.T) {
	dir := filepath.Join(shortTempDir(t), "ztm")
	os.Mkdir(dir, 0o755) // left open by someone: the agent closes it
	sock := filepath.Join(dir, "agent.sock")
	ln, err := service.ListenAgent(sock, os.Getuid(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, sock: 0o600} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != want {
			t.Fatalf("%s: mode %v, %v; want %04o", path, fi.Mode().Perm(), err, want)
		}
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	if _, err := service.ListenAgent(sock, os.Getuid(), nil); !errors.Is(err, service.ErrAgentRunning) {
		t.Fatalf("a second agent: %v, want ErrAgentRunning", err)
	}
}

func TestAStaleSocketIsTakenOver(t *testing.T) {
	sock := filepath.Join(shortTempDir(t), "ztm", "agent.sock")
	os.MkdirAll(filepath.Dir(sock), 0o700)
	old, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	old.SetUnlinkOnClose(false)
	old.Close() // an agent that died: its socket file stays
	ln, err := service.ListenAgent(sock, os.Getuid(), nil)
	if err != nil {
		t.Fatalf("over a dead agent's socket: %v", err)
	}
	ln.Close()
}

func TestADirectoryOfAnotherUserIsRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to give a directory to another user; run as root to include it")
	}
	dir := filepath.Join(shortTempDir(t), "ztm")
	os.Mkdir(dir, 0o700)
	os.Chown(dir, 65534, 65534)
	if _, err := service.ListenAgent(filepath.Join(dir, "agent.sock"), 0, nil); err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
		t.Fatalf("a directory owned by nobody: %v", err)
	}
}

// helper runs this test binary as a client of sock, as uid (or as
// ourselves when uid < 0).
func helper(t *testing.T, sock string, uid int) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var cmd *exec.Cmd
	if uid < 0 {
		cmd = exec.Command(exe)
	} else {
		// A copy nobody can read and run.
		dir, err := os.MkdirTemp("", "zsh")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		os.Chmod(dir, 0o755)
		bin := filepath.Join(dir, "client")
		data, err := os.ReadFile(exe)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(bin, data, 0o755)
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			t.Skip("setpriv is not installed: cannot run a client as another user")
		}
		cmd = exec.Command(setpriv, fmt.Sprintf("--reuid=%d", uid), fmt.Sprintf("--regid=%d", uid), "--clear-groups", bin)
	}
	cmd.Env = []string{"ZTM_SERVICE_HELPER_SOCK=" + sock}
	return cmd
}

// helperAnswered is what the helper client prints when the agent gave it a
// token: a word no error message contains ("ok" is in "broken pipe").
const helperAnswered = "TOKEN-ANSWERED"

func TestAClientOfAnotherUserIsRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client as another user (nobody); run as root to include it")
	}
	w := newWorld(t, worldOpts{profiles: []string{"crm-eu"}})
	w.unlock()
	sock := w.serveAgent()

	out, err := helper(t, sock, 65534).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "permission denied") {
		t.Fatalf("nobody reached the agent through its 0700 directory: %s (%v)", out, err)
	}
	// Even with the modes opened, the peer's uid is checked.
	for d := filepath.Dir(sock); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	os.Chmod(sock, 0o666)
	out, err = helper(t, sock, 65534).CombinedOutput()
	if err == nil || strings.Contains(string(out), helperAnswered) {
		t.Fatalf("nobody got an answer from the agent: %s", out)
	}
	if !strings.Contains(w.log.String(), `"reason":"another user","uid":65534`) {
		t.Fatalf("the refusal was not logged (client said %s):\n%s", out, w.log.String())
	}
	if out, err := helper(t, sock, -1).CombinedOutput(); err != nil {
		t.Fatalf("the owner was refused after nobody's attempt: %s", out)
	}
}

func TestAClientKilledMidRequestLeavesTheAgentServing(t *testing.T) {
	w := newWorld(t, worldOpts{profiles: []string{"crm-eu"}})
	w.unlock()
	sock := w.serveAgent()
	w.clk.Advance(2 * time.Hour)
	w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Delay: 700 * time.Millisecond})
	before := w.zoho.Requests(fakezoho.EndpointRefresh)

	cmd := helper(t, sock, -1)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.zoho.Requests(fakezoho.EndpointRefresh) == before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()

	tok, err := service.NewAgentClient(sock).Token(context.Background(), "crm-eu", time.Minute)
	if err != nil {
		t.Fatalf("after a client was killed mid-request: %v", err)
	}
	if got := w.zoho.Requests(fakezoho.EndpointRefresh) - before; got != 1 {
		t.Fatalf("%d refreshes, want 1: the killed client's refresh is the one served next", got)
	}
	if !w.zoho.ValidAccessToken(tok.AccessToken) || tok.AccessToken != w.storedToken("crm-eu").AccessToken {
		t.Fatal("the token served is not the refreshed one in the vault")
	}
}

func TestAVaultOpensThroughTheAgentWithoutThePassphrase(t *testing.T) {
	w := newWorld(t, worldOpts{passphrase: true, profiles: []string{"crm-eu"}})
	c := service.NewAgentClient(w.serveAgent())
	ctx := context.Background()
	if _, err := service.OpenWithAgent(ctx, w.env, c, w.paths, app.OpenOptions{}); !errors.Is(err, service.ErrLocked) {
		t.Fatalf("through a locked agent: %v, want ErrLocked", err)
	}
	if _, err := c.Unlock(ctx, passphrase); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.svc.Lock)
	for _, lazy := range []bool{true, false} {
		sess, err := service.OpenWithAgent(ctx, w.env, c, w.paths, app.OpenOptions{Lazy: lazy})
		if err != nil {
			t.Fatalf("lazy %v: %v", lazy, err)
		}
		if sess.Vault.Key().Mode != "agent" {
			t.Fatalf("opened with a %s key", sess.Vault.Key().Mode)
		}
		// A change saves, which re-encrypts and reads back through the agent.
		if err := sess.SetKeepAlive(ctx, "crm-eu", lazy); err != nil {
			t.Fatalf("lazy %v: a change through the agent: %v", lazy, err)
		}
		sess.Close()
		p, err := w.openVault().Profile("crm-eu")
		if err != nil || p.KeepAlive != lazy {
			t.Fatalf("the change is not in the file opened with the passphrase: %v", err)
		}
	}
	if other := filepath.Join(t.TempDir(), "vault.age"); true {
		p := w.paths
		p.Vault = other
		if _, err := service.OpenWithAgent(ctx, w.env, c, p, app.OpenOptions{}); !errors.Is(err, service.ErrLocked) {
			t.Fatalf("another vault through this agent: %v, want refused", err)
		}
	}
}

func TestSpawnedAgentUnlocksServesAndForgetsWhenItStops(t *testing.T) {
	w := newWorld(t, worldOpts{passphrase: true, profiles: []string{"crm-eu"}})
	sock := filepath.Join(shortTempDir(t), "ztm", "agent.sock")
	c := service.NewAgentClient(sock)
	ctx := context.Background()
	if _, err := c.Status(ctx); !errors.Is(err, service.ErrNoAgent) || service.ExitCode(err) != service.ExitNetwork {
		t.Fatalf("before any agent: %v, want ErrNoAgent", err)
	}
	exe, _ := os.Executable()
	t.Setenv("ZTM_SERVICE_AGENT_SOCK", sock)
	t.Setenv("ZTM_SERVICE_AGENT_VAULT", w.paths.Dir)
	if err := service.SpawnAgent(ctx, exe, nil, sock, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	st, err := c.Unlock(ctx, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(st.PID, syscall.SIGKILL) })
	if st.PID == os.Getpid() || st.ForgetAt.Sub(st.UnlockedAt) != service.DefaultIdle {
		t.Fatalf("status %+v: want another process forgetting after the default idle time", st)
	}
	if tok, err := c.Token(ctx, "crm-eu", time.Minute); err != nil || tok.AccessToken == "" {
		t.Fatalf("token from the spawned agent: %v", err)
	}
	if limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", st.PID)); err == nil {
		if !strings.Contains(string(limits), "Max core file size        0                    0") {
			t.Fatalf("the agent can dump core:\n%s", limits)
		}
	}
	syscall.Kill(st.PID, syscall.SIGTERM)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := c.Status(ctx); errors.Is(err, service.ErrNoAgent) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the agent still answers after SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLockDuringASlowRefreshNeitherHangsNorServesAfterwards(t *testing.T) {
	w := newWorld(t, worldOpts{profiles: []string{"crm-eu"}})
	w.unlock()
	c := service.NewAgentClient(w.serveAgent())
	w.clk.Advance(2 * time.Hour)
	w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Delay: 500 * time.Millisecond})
	before := w.zoho.Requests(fakezoho.EndpointRefresh)
	// The reader gives up while the refresh is under way.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for w.zoho.Requests(fakezoho.EndpointRefresh) == before {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	if _, err := c.Token(ctx, "crm-eu", 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("a reader that gave up: %v", err)
	}
	locked := make(chan struct{})
	go func() { c.Lock(context.Background()); close(locked) }()
	select {
	case <-locked:
	case <-time.After(10 * time.Second):
		t.Fatal("ztm lock hangs while a refresh is under way")
	}
	if _, err := c.Token(context.Background(), "crm-eu", 0); !errors.Is(err, service.ErrLocked) {
		t.Fatalf("after the lock: %v, want locked", err)
	}
}
