package cli

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
	"ztm/ui/app"
	"ztm/ui/app/service"
	"ztm/vault"
)

// agentSockPath is a socket path for one test: short, since a Unix
// socket's path is limited to about 100 bytes and t.TempDir's can be
// longer.
func agentSockPath(t testing.TB) string {
	t.Helper()
	d, err := os.MkdirTemp("", "ztma")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return filepath.Join(d, "ztm", "agent.sock")
}

// syncBuffer is a log sink safe for a service's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.WriteString(string(p))
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// startAgent runs an agent for w's vault in this process, on the world's
// socket and clock, as `ztm agent` would (without touching this process's
// core-dump settings). It starts locked.
func (w *world) startAgent() *service.Service {
	return w.startAgentFor(w.paths)
}

func (w *world) startAgentFor(p vault.Paths) *service.Service {
	w.t.Helper()
	env := app.Env{Now: w.fx.Now, Getenv: w.getenv}
	svc := service.New(service.Options{Env: env, Paths: p, Idle: service.DefaultIdle, Max: service.DefaultMax,
		Log: slog.New(slog.NewJSONHandler(&syncBuffer{}, nil)), Tick: make(chan time.Time)})
	ln, err := service.ListenAgent(w.env[service.EnvAgentSock], os.Getuid(), nil)
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { service.Serve(ctx, ln, svc.Handler(true)); close(done) }()
	w.t.Cleanup(func() { cancel(); <-done; svc.Lock() })
	return svc
}

// A passphrase vault, no ZTM_PASSPHRASE, no terminal: after ztm unlock
// (typed once), token and the other commands work without asking; after
// ztm lock they ask again.
func TestUnlockOnceThenCommandsNeedNoPassphrase(t *testing.T) {
	t.Parallel()
	w := newPassphraseWorld(t)
	w.add("crm")
	delete(w.env, vault.EnvPassphrase)
	w.startAgent()

	w.run("token", "crm").wantErr(t, ExitLocked, "set ZTM_PASSPHRASE")
	term := &prompter{answers: []string{testPassword}}
	w.prompt = term
	r := w.run("unlock").want(t, 0)
	if r.stdout != "unlocked until 09:45\n" {
		t.Errorf("unlock printed %q, want the time the agent forgets (15 minutes idle)", r.stdout)
	}
	if len(term.asked) != 1 || !strings.Contains(term.asked[0], "Passphrase") {
		t.Errorf("unlock asked %q, want the passphrase once", term.asked)
	}
	w.prompt = nil // no terminal from here on
	if r := w.run("token", "crm").want(t, 0); r.stdout != testAccess+".crm\n" {
		t.Errorf("token through the agent printed %q", r.stdout)
	}
	if r := w.run("header", "crm").want(t, 0); r.stdout != "Authorization: Zoho-oauthtoken "+testAccess+".crm\n" {
		t.Errorf("header through the agent printed %q", r.stdout)
	}
	// Other commands open the vault through the agent, changes included.
	w.run("keep-alive", "crm", "on").want(t, 0)
	if !w.stored()["crm"].KeepAlive {
		t.Error("keep-alive through the agent did not reach the vault file")
	}
	if r := w.run("list", "--names").want(t, 0); r.stdout != "crm\n" {
		t.Errorf("list through the agent printed %q", r.stdout)
	}
	if r := w.run("unlock").want(t, 0); r.stdout != "already unlocked until 09:45\n" {
		t.Errorf("a second unlock printed %q", r.stdout)
	}

	if r := w.run("lock").want(t, 0); r.stdout != "forgotten\n" {
		t.Errorf("lock printed %q", r.stdout)
	}
	w.run("token", "crm").wantErr(t, ExitLocked, "set ZTM_PASSPHRASE")
	w.run("list").wantErr(t, ExitLocked, "set ZTM_PASSPHRASE")
}

func TestUnlockWithAWrongPassphraseSaysTryAgain(t *testing.T) {
	t.Parallel()
	w := newPassphraseWorld(t)
	delete(w.env, vault.EnvPassphrase)
	w.startAgent()
	w.prompt = &prompter{answers: []string{"not the passphrase"}}
	w.run("unlock").wantErr(t, ExitLocked, "wrong passphrase", "try again")
	w.prompt = nil
	w.run("unlock").wantErr(t, ExitLocked, "set ZTM_PASSPHRASE")
	if r := w.run("agent", "status").want(t, 0); !strings.HasSuffix(r.stdout, ", locked\n") {
		t.Errorf("after a wrong passphrase the agent says %q, want locked", r.stdout)
	}
	// ZTM_PASSPHRASE works as for any command.
	w.env[vault.EnvPassphrase] = testPassword
	w.run("unlock").want(t, 0)
}

func TestUnlockAKeyFileVaultAsksNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm")
	w.startAgent()
	term := &prompter{}
	w.prompt = term
	w.run("unlock").want(t, 0)
	if len(term.asked) != 0 {
		t.Errorf("unlocking a key-file vault asked %q", term.asked)
	}
	w.run("lock").want(t, 0)
	if r := w.run("unlock", "--idle", "1h").want(t, 0); !strings.Contains(r.stderr, "keeps its own --idle and --max") || r.stdout != "unlocked until 09:45\n" {
		t.Errorf("unlock --idle with an agent running:\n%s", r)
	}
	r := w.run("agent", "status").want(t, 0)
	if want := "running since 09:30 (pid "; !strings.HasPrefix(r.stdout, want) ||
		!strings.HasSuffix(r.stdout, " for "+w.paths.Vault+", unlocked, forgets the key at 09:45\n") {
		t.Errorf("agent status: %q", r.stdout)
	}
	var st map[string]any
	r = w.run("agent", "status", "--json").want(t, 0)
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || st["running"] != true || st["unlocked"] != true ||
		st["vault"] != w.paths.Vault || st["forget_at"] != "2026-03-02T09:45:00Z" {
		t.Errorf("agent status --json: %v %q", err, r.stdout)
	}
}

func TestNoAgentIsNotAnError(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm")
	for _, args := range [][]string{{"lock"}, {"agent", "status"}, {"agent", "stop"}} {
		if r := w.run(args...).want(t, 0); r.stdout != "no agent runs\n" || r.stderr != "" {
			t.Errorf("%s with no agent: %s", strings.Join(args, " "), r)
		}
	}
	if r := w.run("agent", "status", "--json").want(t, 0); !strings.Contains(r.stdout, `"running": false`) {
		t.Errorf("agent status --json with no agent: %q", r.stdout)
	}
	// Every command works as before.
	w.run("token", "crm").want(t, 0)
}

// An agent serving another vault is not this vault's: commands open their
// own, and unlock says what to do.
func TestAgentOfAnotherVaultIsLeftAlone(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm", expiresIn(-time.Minute))
	other := newWorld(t)
	other.add("crm")
	w.env[service.EnvAgentSock] = other.env[service.EnvAgentSock]
	svc := other.startAgent()
	if err := svc.Unlock(nil); err != nil {
		t.Fatal(err)
	}
	r := w.run("token", "crm").want(t, 0)
	if !w.zoho.ValidAccessToken(strings.TrimSpace(r.stdout)) || w.stored()["crm"].Token.AccessToken != strings.TrimSpace(r.stdout) {
		t.Errorf("token with another vault's agent printed %q, not this vault's refreshed token", r.stdout)
	}
	w.run("list", "--names").want(t, 0)
	w.run("unlock").wantErr(t, ExitUsage, "serves "+other.paths.Vault, "ztm agent stop", service.EnvAgentSock)
}

// Through the agent, an expired token is refreshed once, by the agent, and
// the vault file gets it.
func TestTokenThroughTheAgentRefreshes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	old := w.add("crm", expiresIn(-time.Minute))
	w.startAgent()
	w.run("unlock").want(t, 0)
	first := strings.TrimSpace(w.run("token", "crm").want(t, 0).stdout)
	if first == old.Token.AccessToken || !w.zoho.ValidAccessToken(first) {
		t.Fatalf("token through the agent printed %q, want a fresh token", first)
	}
	second := strings.TrimSpace(w.run("token", "crm", "--json").want(t, 0).stdout)
	if !strings.Contains(second, `"access_token": "`+first+`"`) || !strings.Contains(second, `"dc": "EU"`) {
		t.Errorf("token --json through the agent: %s", second)
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refresh calls, want 1", n)
	}
	if got := w.stored()["crm"].Token.AccessToken; got != first {
		t.Errorf("the vault file holds %q, the agent served %q", got, first)
	}
	w.run("token", "nope").wantErr(t, ExitNoProfile, "no such profile")
}

// When the agent cannot refresh a token that is still valid, ztm token
// prints it with a warning, as it does without an agent; --strict fails.
func TestTokenThroughTheAgentUsesAStillValidToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm", expiresIn(3*time.Minute))
	w.startAgent()
	w.run("unlock").want(t, 0)
	w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Body: `{"error":"invalid_client"}`, Count: -1})
	w.run("token", "crm", "--strict").wantErr(t, ExitZoho, "invalid_client")
	r := w.run("token", "crm").want(t, 0)
	if r.stdout != testAccess+".crm\n" || !strings.Contains(r.stderr, "warning: crm was not refreshed") || !strings.Contains(r.stderr, "3m") {
		t.Errorf("a failed refresh of a still-valid token:\n%s", r)
	}
}

// A revoked refresh token, through the agent: exit 4, with how to consent
// again, as without an agent.
func TestTokenThroughTheAgentRevokedSaysHowToConsent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm", expiresIn(-time.Minute))
	w.zoho.RevokeRefreshToken(w.refreshTokens["crm"])
	w.startAgent()
	w.run("unlock").want(t, 0)
	w.run("token", "crm").wantErr(t, ExitZoho, grantHint("crm"))
}

// The vault's own key is needed to list recipients (which one is ours) and
// to change the passphrase: those commands do not go through the agent.
func TestRecipientsAndPasswdUseTheVaultsOwnKey(t *testing.T) {
	t.Parallel()
	w := newPassphraseWorld(t)
	w.startAgent()
	w.run("unlock").want(t, 0)
	if r := w.run("vault", "recipients").want(t, 0); !strings.Contains(r.stdout, "(this vault's key)") {
		t.Errorf("vault recipients with the agent unlocked does not mark the vault's key:\n%s", r)
	}
	delete(w.env, vault.EnvPassphrase)
	w.run("vault", "passwd").wantErr(t, ExitLocked, "set ZTM_PASSPHRASE")
	// What the agent holds is the agent's key, and vault info says so.
	if r := w.run("vault", "info").want(t, 0); !strings.Contains(r.stdout, "Unlock mode     agent") {
		t.Errorf("vault info through the agent:\n%s", r)
	}
}

// The dashboard's way in: the key as the agent holds it.
func TestAgentKeyFuncOpensTheVault(t *testing.T) {
	t.Parallel()
	w := newPassphraseWorld(t)
	w.add("crm")
	key := AgentKeyFunc(w.getenv)
	ctx := context.Background()
	if _, err := key(ctx, w.paths); !noAgent(err) {
		t.Fatalf("with no agent: %v, want no agent", err)
	}
	svc := w.startAgent()
	if _, err := key(ctx, w.paths); !noAgent(err) {
		t.Fatalf("with a locked agent: %v, want locked", err)
	}
	if err := svc.Unlock(func() (string, error) { return testPassword, nil }); err != nil {
		t.Fatal(err)
	}
	k, err := key(ctx, w.paths)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.Open(w.paths, k, vault.Options{Now: w.fx.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if p, err := v.Profile("crm"); err != nil || p.Token == nil {
		t.Fatalf("the vault opened with the agent's key: %v", err)
	}
}

// A profile added by another process after the agent unlocked is served
// at once, not reported missing from the agent's stale copy.
func TestTokenThroughTheAgentSeesOtherProcessesChanges(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm")
	w.startAgent()
	w.run("unlock").want(t, 0)
	w.run("token", "crm").want(t, 0)
	w.add("books") // another process
	if r := w.run("token", "books").want(t, 0); r.stdout != testAccess+".books\n" {
		t.Errorf("a profile added after unlock: %q", r.stdout)
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 0 {
		t.Errorf("%d refresh calls for valid tokens", n)
	}
}
