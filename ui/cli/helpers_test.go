package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/ui/app/service"
	"ztm/ui/tui"
	"ztm/vault"
)

// testWorkFactor keeps scrypt cheap in tests; real vaults use age's default.
const testWorkFactor = 10

// start is the instant every test world begins at.
var start = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// The client every world registers with the fake, and the canary secrets
// its profiles hold: none of them may ever appear where it should not.
const (
	testClientID  = "1000.TESTCLIENTEU0000000000"
	testSecret    = "canary-client-secret-7d2f9a41"
	testAccess    = "1000.canaryaccess.4b1e0c77d3a9"
	testScopes    = "ZohoCRM.modules.ALL,AaaServer.profile.READ"
	testPassword  = "correct horse battery staple"
	testBundlePwd = "bundle-passphrase-8c1d"
)

// world is one user's machine: a vault in a temp dir, a fake Zoho that
// every data center points at (through ZTM_DATACENTERS), a clock and an
// environment. Commands run in-process through Main.
type world struct {
	t testing.TB
	// fx is the fake Zoho and its clock; zoho and dcs are its fake and
	// table, clock its clock (nil in a wall-clock world).
	fx    *fakezohotest.Fixture
	clock *fakezohotest.Clock
	zoho  *fakezoho.Cluster
	dcs   model.DataCenters
	dir   string
	paths vault.Paths
	// env is the whole environment the commands see.
	env map[string]string
	// prompt is the terminal, nil when there is none (a script).
	prompt Prompter
	// stdinTTY says stdin is a terminal.
	stdinTTY bool
	// refreshTokens are the refresh tokens minted for seeded profiles.
	refreshTokens map[string]string
	// cwd is the commands' current directory (a temp dir of the world's,
	// so no .ztm-profile of the machine's is found).
	cwd string
	// browse, when set, is the browser a consent page is opened in.
	browse func(url string) error
}

// newWorld makes a key-file vault (identity.txt, no passphrase) and a fake
// Zoho on the injected clock; opts change the fake (LocalAPI, Skew...).
func newWorld(t testing.TB, opts ...fakezohotest.Option) *world {
	return newKeyFileWorld(newBareWorld(t, opts...))
}

// newWallClockWorld is newWorld on the real clock, for tests that run the
// ztm binary: other processes cannot share an injected clock.
func newWallClockWorld(t testing.TB, opts ...fakezohotest.Option) *world {
	return newWorld(t, append([]fakezohotest.Option{fakezohotest.WallClock()}, opts...)...)
}

func newKeyFileWorld(w *world) *world {
	t := w.t
	w.paths.Identity = filepath.Join(w.dir, vault.KeyFileIdentity)
	v, err := vault.Create(w.paths, vault.CreateOptions{GenerateKeyFile: true}, vault.Options{Now: w.fx.Now})
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	return w
}

// newPassphraseWorld makes a vault in passphrase mode (identity.age) with
// testPassword and a cheap scrypt.
func newPassphraseWorld(t testing.TB, opts ...fakezohotest.Option) *world {
	w := newBareWorld(t, opts...)
	w.paths.Identity = filepath.Join(w.dir, vault.PassphraseIdentity)
	v, err := vault.Create(w.paths, vault.CreateOptions{Passphrase: testPassword, ScryptWorkFactor: testWorkFactor}, vault.Options{Now: w.fx.Now})
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	w.env[vault.EnvPassphrase] = testPassword
	return w
}

// newBareWorld is a world with the fake and the environment but no vault.
// The fake's clock starts at start unless opts say otherwise (WallClock
// for tests that run the real binary, which cannot share an injected one).
func newBareWorld(t testing.TB, opts ...fakezohotest.Option) *world {
	t.Helper()
	fx := fakezohotest.Start(t, append([]fakezohotest.Option{fakezohotest.At(start), fakezohotest.NoDemoClients()}, opts...)...)
	fx.Zoho.AddClient(fakezoho.Client{ID: testClientID, Secret: testSecret, Type: model.SelfClient, HomeDC: "EU", MultiDC: true})
	base := t.TempDir()
	dir := filepath.Join(base, "ztm")
	w := &world{
		t: t, fx: fx, clock: fx.Clock, zoho: fx.Zoho, dcs: fx.DCs, dir: dir,
		env:           map[string]string{},
		refreshTokens: map[string]string{},
	}
	w.env[oauth.DataCentersEnv] = fx.DataCentersFile()
	w.env[vault.EnvVault] = filepath.Join(dir, vault.VaultFile)
	// Nothing may come from the real user's config.
	w.env["XDG_CONFIG_HOME"] = filepath.Join(base, "config")
	w.env["XDG_CACHE_HOME"] = filepath.Join(base, "cache")
	// Nor from the user's agent: each world has its own socket.
	w.env[service.EnvAgentSock] = agentSockPath(t)
	w.cwd = filepath.Join(base, "work")
	if err := os.MkdirAll(w.cwd, 0o700); err != nil {
		t.Fatal(err)
	}
	p, err := vault.ResolvePaths(w.env[vault.EnvVault], "", w.getenv)
	if err != nil {
		t.Fatal(err)
	}
	w.paths = p
	return w
}

func writeDataCenters(t testing.TB, path string, dcs []model.DataCenter) {
	t.Helper()
	data, err := json.Marshal(dcs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func (w *world) getenv(k string) string { return w.env[k] }

// openURL is the world's browser: browse when a test set it, else none.
func (w *world) openURL(url string) error {
	if w.browse != nil {
		return w.browse(url)
	}
	return errors.New("no browser in tests")
}

// environ is the world's environment for a child process.
func (w *world) environ() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "ZTM_") && !strings.HasPrefix(k, "ZOHO_") && k != "XDG_CONFIG_HOME" && k != "XDG_CACHE_HOME" {
			out = append(out, kv)
		}
	}
	for k, v := range w.env {
		out = append(out, k+"="+v)
	}
	return out
}

// result is what a user sees of one command.
type result struct {
	stdout, stderr string
	code           int
	args           []string
}

func (r result) String() string {
	return fmt.Sprintf("ztm %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// run runs ztm with args and an empty stdin that is not a terminal.
func (w *world) run(args ...string) result { return w.runStdin("", args...) }

// runStdin runs ztm with stdin piped in.
func (w *world) runStdin(stdin string, args ...string) result {
	w.t.Helper()
	var out, errb bytes.Buffer
	e := Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: w.getenv, Now: w.fx.Now,
		Prompt: w.prompt, StdinIsTerminal: w.stdinTTY,
		RunTUI:           func(context.Context, tui.Config) error { return errors.New("no TUI in tests") },
		ScryptWorkFactor: testWorkFactor,
		OpenURL:          w.openURL,
		Getwd:            func() (string, error) { return w.cwd, nil },
	}
	code := Main(args, e)
	return result{stdout: out.String(), stderr: errb.String(), code: code, args: args}
}

// want checks a command's exit code and that stderr, when it failed, is
// one line starting with "ztm: ".
func (r result) want(t testing.TB, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\n%s", r.code, code, r)
	}
	if code != 0 && code < 100 {
		if !strings.HasPrefix(r.stderr, "ztm: ") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("stderr is not one line starting with \"ztm: \":\n%s", r)
		}
	}
	return r
}

// wantErr checks the exit code and that stderr says each of the phrases,
// and that nothing was printed on stdout.
func (r result) wantErr(t testing.TB, code int, phrases ...string) result {
	t.Helper()
	r.want(t, code)
	for _, p := range phrases {
		if !strings.Contains(r.stderr, p) {
			t.Errorf("stderr does not say %q\n%s", p, r)
		}
	}
	if r.stdout != "" {
		t.Errorf("a failure printed on stdout:\n%s", r)
	}
	return r
}

// profileOpt changes a seeded profile.
type profileOpt func(*model.Profile)

// expiresIn sets the access token's remaining life (negative: expired).
func expiresIn(d time.Duration) profileOpt {
	return func(p *model.Profile) { p.Token.ExpiresAt = p.Token.ObtainedAt.Add(d) }
}

func inDC(dc string) profileOpt { return func(p *model.Profile) { p.DC = dc } }

func noToken() profileOpt { return func(p *model.Profile) { p.Token = nil } }

func accountsServer(url string) profileOpt {
	return func(p *model.Profile) { p.AccountsServer = url }
}

// profile builds a profile of the test client in EU with a live refresh
// token at the fake and an access token valid for an hour.
func (w *world) profile(name string, opts ...profileOpt) model.Profile {
	w.t.Helper()
	now := w.fx.Now()
	p := model.Profile{
		Name: name, DC: "EU", ClientType: model.SelfClient,
		ClientID: testClientID, ClientSecret: testSecret,
		Scopes: strings.Split(testScopes, ","), Consent: model.UserConsent,
		Tags: []string{"test"},
		Token: &model.Token{
			AccessToken: testAccess + "." + name, TokenType: "Bearer",
			ObtainedAt: now, ExpiresAt: now.Add(time.Hour), Health: model.HealthOK,
		},
	}
	for _, o := range opts {
		o(&p)
	}
	dc, ok := w.dcs.ByID(p.DC)
	if !ok {
		w.t.Fatalf("no data center %s", p.DC)
	}
	if p.AccountsServer == "" {
		p.AccountsServer = dc.AccountsServer
	}
	p.APIDomain = dc.APIDomain
	if p.Account == "" {
		p.Account = fakezoho.DefaultUser(p.DC)
	}
	if p.Token != nil {
		p.Token.RefreshToken = w.zoho.MintRefreshToken(testClientID, fakezoho.DefaultUser(p.DC), p.DC, p.Scopes)
		w.refreshTokens[name] = p.Token.RefreshToken
	}
	return p
}

// seed stores profiles in the vault, as an earlier session would have.
func (w *world) seed(ps ...model.Profile) {
	w.t.Helper()
	v := w.open()
	defer v.Close()
	err := v.Update(context.Background(), func(tx *vault.Tx) error {
		for i := range ps {
			if err := tx.CreateProfile(&ps[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// add seeds one profile built by w.profile.
func (w *world) add(name string, opts ...profileOpt) model.Profile {
	w.t.Helper()
	p := w.profile(name, opts...)
	w.seed(p)
	return p
}

// open unlocks the vault as a separate process would.
func (w *world) open() *vault.Vault {
	w.t.Helper()
	key, err := vault.LoadKey(w.paths.Identity, func() (string, error) { return testPassword, nil })
	if err != nil {
		w.t.Fatal(err)
	}
	v, err := vault.Open(w.paths, key, vault.Options{Now: w.fx.Now})
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

// stored returns the profiles in the vault on disk, by name.
func (w *world) stored() map[string]model.Profile {
	w.t.Helper()
	v := w.open()
	defer v.Close()
	ps, err := v.Profiles()
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]model.Profile{}
	for _, p := range ps {
		out[p.Name] = p
	}
	return out
}

// names lists the stored profile names, sorted.
func (w *world) names() string {
	var ns []string
	for _, p := range sortedProfiles(w.stored()) {
		ns = append(ns, p.Name)
	}
	return strings.Join(ns, " ")
}

func sortedProfiles(m map[string]model.Profile) []model.Profile {
	v := make([]model.Profile, 0, len(m))
	for _, p := range m {
		v = append(v, p)
	}
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j].Name < v[j-1].Name; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
	return v
}

// vaultBytes is the vault file, to prove a failure changed nothing.
func (w *world) vaultBytes() []byte {
	w.t.Helper()
	b, err := os.ReadFile(w.paths.Vault)
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

// noSecrets fails if any of the secrets appears in s.
func noSecrets(t testing.TB, where, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%s contains the secret %q:\n%s", where, sec, s)
		}
	}
}

// prompter is a terminal that answers from a script and records what it
// was asked.
type prompter struct {
	mu      sync.Mutex
	answers []string
	asked   []string
}

func (p *prompter) next(prompt string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, prompt)
	if len(p.answers) == 0 {
		return "", fmt.Errorf("test prompter: no answer left for %q", prompt)
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	return a, nil
}

func (p *prompter) Secret(prompt string) (string, error) { return p.next(prompt) }
func (p *prompter) Line(prompt string) (string, error)   { return p.next(prompt) }

// closedPortURL is an accounts server nobody listens on: a network error.
func closedPortURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	return url
}
