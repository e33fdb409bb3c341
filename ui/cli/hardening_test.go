package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	"golang.org/x/crypto/ssh"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/ui/tui"
)

// Item 17: a refresh under --min-valid that fails while the stored token
// is still valid prints that token with a warning; --strict fails.
func TestTokenFallsBackToAStillValidToken(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"token", "header", "exec"} {
		t.Run(cmd, func(t *testing.T) {
			w := newWorld(t)
			p := w.add("crm", expiresIn(3*time.Minute))
			args := []string{cmd, "crm"}
			if cmd == "exec" {
				args = append(args, "--", "sh", "-c", `printf '%s\n' "$ZOHO_ACCESS_TOKEN"`)
			}
			w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Status: http.StatusInternalServerError, ContentType: "text/plain", Body: "down"})
			r := w.run(args...).want(t, 0)
			if !strings.Contains(r.stdout, p.Token.AccessToken) {
				t.Errorf("the stored token was not printed\n%s", r)
			}
			if !strings.HasPrefix(r.stderr, "ztm: warning: crm was not refreshed (") || strings.Count(r.stderr, "\n") != 1 ||
				!strings.Contains(r.stderr, "valid for 3m") || !strings.Contains(r.stderr, "--strict") {
				t.Errorf("want one warning line with the reason and the time left\n%s", r)
			}
			noSecrets(t, "stderr", r.stderr, p.Token.AccessToken, p.Token.RefreshToken, testSecret)

			w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Status: http.StatusInternalServerError, ContentType: "text/plain", Body: "down"})
			// A 500 without Zoho's error is a server that failed, not a
			// refusal: exit 5, so scripts retry.
			w.run(append([]string{cmd, "--strict"}, args[1:]...)...).wantErr(t, 5)
		})
	}
	// An expired token is never handed out.
	w := newWorld(t)
	w.add("old", expiresIn(-time.Second))
	w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{CloseConnection: true})
	w.run("token", "old").wantErr(t, 5, "could not reach")
}

// hintRefs finds the dashboard keys ("press K") and commands ("ztm CMD")
// a message names.
var (
	pressRe   = regexp.MustCompile(`press (\S+?)[,;.)]?(\s|$)`)
	commandRe = regexp.MustCompile(`\bztm ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)`)
)

// Items 18 and 19: every hint names a key the dashboard binds to the
// action it promises, and commands that exist.
func TestHintsNameRealKeysAndCommands(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm")
	w.add("new", noToken())
	w.zoho.RevokeRefreshToken(w.refreshTokens["crm"])
	w.clock.Advance(2 * time.Hour)
	hints := map[string]string{
		"grantHint":          grantHint("crm"),
		"token, revoked":     w.run("token", "crm").wantErr(t, 4, "consent again").stderr,
		"refresh, revoked":   w.run("refresh", "crm").wantErr(t, 4).stderr,
		"token, no token":    w.run("token", "new").wantErr(t, 4, "no token yet").stderr,
		"add without --code": w.runStdin(testSecret+"\n", addArgs("later")...).want(t, 0).stdout,
		"show, no tokens":    w.run("show", "new").want(t, 0).stdout,
		"vault ssh":          w.run("vault", "recipients", "add", sshPublicKey(t)).wantErr(t, 1).stderr,
	}
	grant := tui.DefaultKeyMap().Grant.Help().Key
	for where, text := range hints {
		presses := pressRe.FindAllStringSubmatch(text, -1)
		if where != "vault ssh" && len(presses) == 0 {
			t.Errorf("%s names no dashboard key:\n%s", where, text)
		}
		for _, m := range presses {
			if m[1] != grant {
				t.Errorf("%s says press %q, but the dashboard's new-consent key is %q:\n%s", where, m[1], grant, text)
			}
		}
		for _, m := range commandRe.FindAllStringSubmatch(text, -1) {
			if _, ok := command(m[1]); !ok {
				if _, ok := command(strings.Fields(m[1])[0]); !ok {
					t.Errorf("%s names ztm %s, which is no command:\n%s", where, m[1], text)
				}
			}
		}
	}
	// The key named is bound to the action, not to something else.
	if !bindingHasKey(tui.DefaultKeyMap().Grant, grant) || bindingHasKey(tui.DefaultKeyMap().Top, grant) {
		t.Errorf("key %q is not the new-consent binding's", grant)
	}
	// The revoked hint says how, from both faces.
	if h := hints["token, revoked"]; !strings.Contains(h, "press "+grant) || !strings.Contains(h, "or run ztm consent crm") {
		t.Errorf("the revoked message does not say how to consent again:\n%s", h)
	}
	if _, ok := command("no-such-command"); ok {
		t.Error("command() accepts a command that does not exist")
	}
}

func bindingHasKey(b key.Binding, k string) bool {
	for _, bk := range b.Keys() {
		if bk == k {
			return true
		}
	}
	return false
}

// Item 21: an encrypted bundle is not written to a terminal.
func TestExportRefusesBinaryOnATerminal(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	key := newAgeKey(t, true)
	var out strings.Builder
	e := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: w.getenv, Now: w.fx.Now, StdoutIsTerminal: true}
	if code := Main([]string{"export", "crm-eu", "--to", key.recipient}, e); code != 1 ||
		!strings.Contains(out.String(), "stdout is a terminal: write it to a file with -o FILE, or as text with --armor") ||
		strings.Contains(out.String(), "age-encryption.org") {
		t.Errorf("export to a terminal: exit %d, output %q", code, out.String())
	}
	out.Reset()
	if code := Main([]string{"export", "crm-eu", "--to", key.recipient, "--armor"}, e); code != 0 ||
		!strings.Contains(out.String(), "-----BEGIN AGE ENCRYPTED FILE-----") {
		t.Errorf("export --armor to a terminal: exit %d, output %q", code, out.String())
	}
}

// Item 26: a child killed by a signal exits 128+N with a line; a lock
// that cannot be taken exits 3; an import that skipped everything fails.
func TestExitCodesOfItem26(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm", expiresIn(-time.Minute))
	r := w.run("exec", "crm", "--", "sh", "-c", "kill -TERM $$")
	if r.code != 128+15 || r.stderr != "ztm: sh was killed by signal 15 (terminated)\n" {
		t.Errorf("a child killed by SIGTERM:\n%s", r)
	}

	export := w.run("export", "crm", "--plaintext").want(t, 0).stdout
	w.runStdin(export, "import", "-").wantErr(t, 1, "nothing was imported", "--replace")

	// A directory where the lock file should be: nothing can be changed.
	os.Remove(w.paths.Lock)
	if err := os.Mkdir(w.paths.Lock, 0o700); err != nil {
		t.Fatal(err)
	}
	w.run("refresh", "crm").wantErr(t, 3, "lock")
}

// Secrets read from stdin are capped, and a huge argument is not echoed
// back whole.
func TestInputIsBounded(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	huge := strings.Repeat("x", 100_000)
	w.runStdin(huge+"\n", addArgs("crm")...).wantErr(t, 1, "longer than 8 KiB")
	if w.names() != "" {
		t.Error("an over-long secret was saved")
	}
	for _, args := range [][]string{{"token", huge}, {huge}, {"add", huge}, {"rename", "a", huge}, {"list", "--" + huge}} {
		r := w.run(args...)
		if r.code == 0 || len(r.stderr) > 600 || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("ztm %.20s...: exit %d, %d bytes on stderr", strings.Join(args, " "), r.code, len(r.stderr))
		}
	}
}

// sshPublicKey makes an ed25519 key pair and returns the public key line.
func sshPublicKey(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp))) + " me@laptop"
}

// shellWords splits a command as sh would, for the quoting ztm's hints
// use (single quotes, no variables).
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	in, started := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			in, started = !in, true
		case r == ' ' && !in:
			if started {
				words = append(words, cur.String())
			}
			cur.Reset()
			started = false
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if in {
		t.Fatalf("unbalanced quote in %q", s)
	}
	if started {
		words = append(words, cur.String())
	}
	return words
}

// Item 22: vault --help's example of adding an SSH key fails on a default
// (post-quantum) vault; the error says exactly what to run, and that works.
func TestAddingAnSSHKeyToAPostQuantumVaultSaysWhatToRun(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	pub := sshPublicKey(t)
	help := w.run("vault", "--help").want(t, 0).stdout
	if !strings.Contains(help, `recipient "$(cat ~/.ssh/id_ed25519.pub)"`) {
		t.Fatalf("vault --help has no SSH example:\n%s", help)
	}
	r := w.run("vault", "recipients", "add", pub).wantErr(t, 1, "post-quantum vault takes only age1pq1... keys", "--classic")
	_, steps, ok := strings.Cut(r.stderr, "move the profiles to a classic vault: ")
	if !ok {
		t.Fatalf("no steps:\n%s", r)
	}
	steps, _, _ = strings.Cut(steps, "; then use ")
	w.env["ZTM_BUNDLE_PASSPHRASE"] = testBundlePwd
	var newVault string
	for _, step := range strings.Split(steps, "; ") {
		args := shellWords(t, step)
		if args[0] != "ztm" {
			t.Fatalf("step %q is not a ztm command", step)
		}
		for _, a := range args {
			if v, ok := strings.CutPrefix(a, "--vault="); ok {
				newVault = v
			}
		}
		w.run(args[1:]...).want(t, 0)
	}
	// The new vault has every profile, and is encrypted to the SSH key.
	rec := w.run("--vault", newVault, "vault", "recipients").want(t, 0).stdout
	if !strings.Contains(rec, strings.Join(strings.Fields(pub)[:2], " ")) {
		t.Errorf("the new vault's recipients:\n%s", rec)
	}
	if got := w.run("--vault", newVault, "list", "--names").want(t, 0).stdout; got != "books-in\ncrm-eu\ndesk-us\nnew\n" {
		t.Errorf("the new vault holds %q", got)
	}
}

// Item 19's command: after a revoke, the command the message names gets
// the profile working again, keeping its name and settings.
func TestConsentAfterARevoke(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	old := w.add("crm", inDC("EU"), expiresIn(-time.Minute))
	w.zoho.RevokeRefreshToken(old.Token.RefreshToken)
	r := w.run("token", "crm").wantErr(t, 4, "or run ztm consent crm")
	noSecrets(t, "stderr", r.stderr, old.Token.RefreshToken)

	code := w.zoho.SelfClientCode(testClientID, "EU", scopes(), 0)
	r = w.runStdin(code+"\n", "consent", "crm").want(t, 0)
	if !strings.HasPrefix(r.stdout, "crm has new tokens: access token valid until ") {
		t.Errorf("consent printed\n%s", r)
	}
	tok := strings.TrimSpace(w.run("token", "crm").want(t, 0).stdout)
	if !w.zoho.ValidAccessToken(tok) {
		t.Errorf("token after consent = %q, not one Zoho issued", tok)
	}
	if p := w.stored()["crm"]; p.Token.RefreshToken == old.Token.RefreshToken || p.ClientSecret != testSecret {
		t.Errorf("after consent: %+v", p)
	}
	// A Non-browser profile signs in with the device flow from the command
	// line too (the test client is a Self Client at Zoho, which refuses).
	w.add("tv", func(p *model.Profile) { p.ClientType = model.NonBrowserClient })
	w.run("consent", "tv").wantErr(t, 4, "device sign-in")
}

func TestKeepAlive(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm")
	w.run("keep-alive", "crm", "on").want(t, 0)
	if !w.stored()["crm"].KeepAlive {
		t.Error("keep-alive on did not stick")
	}
	w.run("keep-alive", "crm", "off").want(t, 0)
	if w.stored()["crm"].KeepAlive {
		t.Error("keep-alive off did not stick")
	}
	w.run("keep-alive", "crm", "maybe").wantErr(t, 1, "on or off")
	w.run("keep-alive", "nope", "on").wantErr(t, 2, "no such profile")
}

// ztm edit goes through Session.Edit: settings change at once; a change to
// what the grant was made for needs --code and a new consent.
func TestEdit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	old := w.add("crm")
	w.run("edit", "crm", "--tags", "prod,eu", "--notes", "the EU org", "--keep-alive").want(t, 0)
	p := w.stored()["crm"]
	if strings.Join(p.Tags, ",") != "prod,eu" || p.Notes != "the EU org" || !p.KeepAlive ||
		p.Token.RefreshToken != old.Token.RefreshToken || strings.Join(p.Scopes, ",") != testScopes {
		t.Errorf("after edit: %+v", p)
	}
	before := w.vaultBytes()
	const more = "ZohoCRM.modules.ALL,ZohoCRM.settings.READ,AaaServer.profile.READ"
	w.run("edit", "crm", "--scopes", more).wantErr(t, 1, "needs a new consent", "--code")
	if string(w.vaultBytes()) != string(before) {
		t.Fatal("an edit that needs consent changed the vault")
	}
	code := w.zoho.SelfClientCode(testClientID, "EU", strings.Split(more, ","), 0)
	w.runStdin(code+"\n", "edit", "crm", "--scopes", more, "--code").want(t, 0)
	p = w.stored()["crm"]
	if model.JoinScopes(p.Scopes) != model.JoinScopes(strings.Split(more, ",")) || p.Token.RefreshToken == old.Token.RefreshToken ||
		strings.Join(p.Tags, ",") != "prod,eu" {
		t.Errorf("after edit --code: scopes %v, tags %v", p.Scopes, p.Tags)
	}
	w.run("edit", "crm", "--dc", "MARS").wantErr(t, 1, `data center "MARS"`)
	w.run("edit", "nope", "--notes", "x").wantErr(t, 2, "no such profile")
}
