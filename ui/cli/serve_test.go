package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ztm/ui/tui"
	"ztm/vault"
)

// serve runs `ztm serve ARGS` in this process until the test ends, and
// returns its URL (from its first log line) and its log.
func (w *world) serve(args ...string) (string, *syncBuffer) {
	w.t.Helper()
	logs := &syncBuffer{}
	f := &Factory{Env: Env{
		Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: logs,
		Getenv: w.getenv, Now: w.fx.Now, Prompt: w.prompt,
		RunTUI: func(context.Context, tui.Config) error { return errors.New("no TUI in tests") },
	}}
	root := NewCmdRoot(f)
	root.SetArgs(append([]string{"serve", "--listen", "127.0.0.1:0"}, args...))
	root.SetOut(io.Discard)
	root.SetErr(logs)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	w.t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for {
		line, _, _ := strings.Cut(logs.String(), "\n")
		var rec struct{ Msg, URL string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
			return rec.URL, logs
		}
		select {
		case err := <-done:
			w.t.Fatalf("ztm serve stopped: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("ztm serve did not start:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// grant runs ztm serve grant and returns the credential it printed.
func (w *world) grant(name, globs string, more ...string) string {
	w.t.Helper()
	r := w.run(append([]string{"serve", "grant", name, "--profiles", globs}, more...)...).want(w.t, 0)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestServeGrantShowsTheCredentialOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm-eu")
	r := w.run("serve", "grant", "ci", "--profiles", "crm-*,books-eu", "--expires", "30d").want(t, 0)
	cred := strings.TrimSuffix(r.stdout, "\n")
	if !strings.HasPrefix(cred, "ztmr_") || strings.Contains(cred, "\n") || len(cred) < 40 {
		t.Fatalf("grant printed %q, want the credential alone on stdout", r.stdout)
	}
	if !strings.Contains(r.stderr, "shown only this once") || !strings.Contains(r.stderr, "ci may read crm-*,books-eu until 2026-04-01 09:30") {
		t.Errorf("grant's note on stderr: %q", r.stderr)
	}
	list := w.run("serve", "grants").want(t, 0)
	want := "NAME  PROFILES        CREATED           EXPIRES\n" +
		"ci    crm-*,books-eu  2026-03-02 09:30  2026-04-01 09:30 (in 30d 00h)\n"
	if list.stdout != want {
		t.Errorf("serve grants:\n%s\nwant:\n%s", list.stdout, want)
	}
	noSecrets(t, "serve grants", list.stdout+list.stderr, cred, strings.TrimPrefix(cred, "ztmr_"))
	// A second grant of the name replaces the credential; the old one is
	// never shown again, anywhere.
	again := w.grant("ci", "crm-*")
	if again == cred {
		t.Error("granting the same name twice printed the same credential")
	}
	w.clock.Advance(31 * 24 * time.Hour)
	w.grant("old", "x", "--expires", "1h")
	w.clock.Advance(2 * time.Hour)
	if r := w.run("serve", "grants").want(t, 0); !strings.Contains(r.stdout, "expired 2026-04-02 10:30") || !strings.Contains(r.stdout, "ci    crm-*     2026-03-02 09:30  never") {
		t.Errorf("serve grants after a month:\n%s", r.stdout)
	}
	w.run("serve", "revoke", "ci").want(t, 0)
	w.run("serve", "revoke", "ci").wantErr(t, ExitNoProfile, "no such reader credential", "ztm serve grants lists them")
	if r := w.run("serve", "grants").want(t, 0); strings.Contains(r.stdout, "ci ") {
		t.Errorf("ci is still listed after revoke:\n%s", r.stdout)
	}
}

func TestServeGrantMistakes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	before := w.vaultBytes()
	w.run("serve", "grant", "ci").wantErr(t, ExitUsage, "--profiles")
	w.run("serve", "grant", "ci", "--profiles", " , ").wantErr(t, ExitUsage, "--profiles is empty")
	w.run("serve", "grant", "ci", "--profiles", "crm-[").wantErr(t, ExitUsage, "not a profile pattern")
	w.run("serve", "grant", "ci", "--profiles", "crm-*", "--expires", "soon").wantErr(t, ExitUsage, "give days (30d) or hours (12h)")
	w.run("serve", "grant", "c i", "--profiles", "crm-*").wantErr(t, ExitUsage, "not a reader name")
	w.run("serve", "grant").wantErr(t, ExitUsage, "needs a name")
	if r := w.run("serve", "grants").want(t, 0); r.stdout != "" || !strings.Contains(r.stderr, "ztm serve grant NAME --profiles") {
		t.Errorf("serve grants with none:\n%s", r)
	}
	if string(w.vaultBytes()) != string(before) {
		t.Error("a refused grant changed the vault")
	}
	w.run("serve", "--listen", "0.0.0.0:0").wantErr(t, ExitUsage, "TLS is required", "--tls-cert")
	w.run("serve", "--listen", "nonsense").wantErr(t, ExitUsage, "give host:port")
	w.run("serve", "bogus").wantErr(t, ExitUsage, `unknown serve subcommand "bogus"`)
}

// A machine with no vault at all gets tokens from a running ztm serve:
// token, header and exec, with --server or ZTM_SERVER.
func TestTokenFromAServerWithNoVault(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm-eu", expiresIn(-time.Minute))
	w.add("books-eu")
	cred := w.grant("ci", "crm-*")
	url, logs := w.serve()

	ci := newBareWorld(t) // no vault, no key, no passphrase
	ci.clock = w.clock
	ci.env["ZTM_SERVER_TOKEN"] = cred
	r := ci.run("token", "crm-eu", "--server", url).want(t, 0)
	tok := strings.TrimSuffix(r.stdout, "\n")
	if !w.zoho.ValidAccessToken(tok) {
		t.Fatalf("token from the server: %q is not a token Zoho issued\n%s", tok, r)
	}
	ci.env["ZTM_SERVER"] = url
	if r := ci.run("header", "crm-eu").want(t, 0); r.stdout != "Authorization: Zoho-oauthtoken "+tok+"\n" {
		t.Errorf("header from ZTM_SERVER: %q", r.stdout)
	}
	script := `test "$ZOHO_ACCESS_TOKEN" = "` + tok + `" && test "$ZOHO_DC" = EU && test -n "$ZOHO_API_DOMAIN" && exit 9`
	if r := ci.run("exec", "crm-eu", "--", "sh", "-c", script); r.code != 9 || r.stderr != "" {
		t.Errorf("exec from the server: the command did not get the token:\n%s", r)
	}
	if r := ci.run("token", "crm-eu", "--json").want(t, 0); !strings.Contains(r.stdout, `"expires_in": 3600`) {
		t.Errorf("token --json from the server: %s", r.stdout)
	}
	if _, err := os.Stat(ci.paths.Vault); !os.IsNotExist(err) {
		t.Errorf("asking a server made a vault: %v", err)
	}
	// What the credential does not cover, and what does not exist.
	ci.run("token", "books-eu").wantErr(t, ExitNoProfile, "the token server says", "matches none of")
	ci.run("token", "crm-nope").wantErr(t, ExitNoProfile, "the token server says")
	// A revoke, from another process, reaches the running server.
	w.run("serve", "revoke", "ci").want(t, 0)
	ci.run("token", "crm-eu").wantErr(t, ExitLocked, "the token server says", "revoked, or mistyped")
	ci.env["ZTM_SERVER_TOKEN"] = ""
	ci.run("token", "crm-eu").wantErr(t, ExitUsage, "ZTM_SERVER_TOKEN")
	ci.env["ZTM_SERVER"] = closedPortURL(t)
	ci.env["ZTM_SERVER_TOKEN"] = cred
	ci.run("token", "crm-eu").wantErr(t, ExitNetwork, "cannot reach the token server")
	noSecrets(t, "the server's log", logs.String(), cred, tok, testSecret, w.refreshTokens["crm-eu"])
	if !strings.Contains(logs.String(), `"reader":"ci","profile":"crm-eu","result":"ok"`) {
		t.Errorf("the server's log has no line for the token it served:\n%s", logs.String())
	}
}

// The server unlocks the vault itself, not through the agent: it keeps
// serving after the agent forgets.
func TestServeOpensThePassphraseVaultItself(t *testing.T) {
	t.Parallel()
	w := newPassphraseWorld(t)
	w.add("crm")
	cred := w.grant("ci", "*")
	svc := w.startAgent()
	w.run("unlock").want(t, 0)
	url, _ := w.serve()
	svc.Lock()
	ci := newBareWorld(t)
	ci.env["ZTM_SERVER"], ci.env["ZTM_SERVER_TOKEN"] = url, cred
	ci.run("token", "crm").want(t, 0)

	delete(w.env, vault.EnvPassphrase)
	w.run("serve", "--listen", "127.0.0.1:0").wantErr(t, ExitLocked, "set ZTM_PASSPHRASE")
	bare := newBareWorld(t)
	bare.run("serve").wantErr(t, ExitLocked, "no vault", filepath.Base(bare.paths.Vault))
}
