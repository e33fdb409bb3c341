package service_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/ui/app"
	"ztm/ui/app/service"
	"ztm/vault"
)

// The canaries: none of them may appear in a log line, a metric or an error.
const (
	clientID   = "1000.SERVICETESTCLIENT0001"
	secret     = "canary-client-secret-5e1f0b93"
	scopes     = "ZohoCRM.modules.ALL"
	passphrase = "correct horse battery staple"
	workFactor = 10 // cheap scrypt, tests only
)

var start = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// syncBuffer is a log sink safe for the service's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// world is one machine: a vault with profiles holding tokens from the fake
// Zoho, a clock, and a service on that vault (not yet unlocked).
type world struct {
	t     testing.TB
	clk   *fakezohotest.Clock
	zoho  *fakezoho.Cluster
	paths vault.Paths
	env   app.Env
	log   *syncBuffer
	svc   *service.Service
	tick  chan time.Time
	// refreshTokens and the vault's first access tokens, for canary scans.
	secrets []string
}

type worldOpts struct {
	passphrase bool
	idle, max  time.Duration
	latency    time.Duration
	profiles   []string
	// postgres, when set, is the URL of a PostgreSQL database the vault
	// lives in (a team vault) instead of a file.
	postgres string
}

func newWorld(t testing.TB, o worldOpts) *world {
	t.Helper()
	f := fakezohotest.Start(t, fakezohotest.At(start), fakezohotest.NoDemoClients(), fakezohotest.Latency(o.latency))
	clk, z := f.Clock, f.Zoho
	z.AddClient(fakezoho.Client{ID: clientID, Secret: secret, Type: model.SelfClient, HomeDC: "EU", MultiDC: true})
	// Short paths: a Unix socket's path has a small limit.
	dir := filepath.Join(shortTempDir(t), "v")
	paths := vault.Paths{Dir: dir, Vault: filepath.Join(dir, vault.VaultFile), Lock: filepath.Join(dir, vault.VaultFile+".lock")}
	co := vault.CreateOptions{GenerateKeyFile: true}
	paths.Identity = filepath.Join(dir, vault.KeyFileIdentity)
	if o.postgres != "" {
		var err error
		if paths, err = vault.ResolvePaths(o.postgres, paths.Identity, func(string) string { return "" }); err != nil {
			t.Fatal(err)
		}
	}
	if o.passphrase {
		co = vault.CreateOptions{Passphrase: passphrase, ScryptWorkFactor: workFactor}
		paths.Identity = filepath.Join(dir, vault.PassphraseIdentity)
	}
	v, err := vault.Create(paths, co, vault.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	env := app.Env{Now: clk.Now, Getenv: func(string) string { return "" }}
	w := &world{t: t, clk: clk, zoho: z, paths: paths, env: env, log: &syncBuffer{}, tick: make(chan time.Time), secrets: []string{secret}}
	sess := app.NewSession(env, v, f.DCs)
	for _, name := range o.profiles {
		w.add(sess, name)
	}
	sess.Close()
	w.svc = service.New(service.Options{Env: env, Paths: paths, Idle: o.idle, Max: o.max, Tick: w.tick,
		Log: slog.New(slog.NewJSONHandler(w.log, nil))})
	return w
}

// shortTempDir is a temp dir with a short path, for sockets.
func shortTempDir(t testing.TB) string {
	d := t.TempDir()
	if len(d) < 60 {
		return d
	}
	d2, err := os.MkdirTemp("/tmp", "zs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d2) })
	return d2
}

// add gives a profile tokens through a Self Client code at the fake.
func (w *world) add(sess *app.Session, name string) {
	w.t.Helper()
	p, err := app.BuildProfile(app.Spec{Name: name, DC: "EU", Grant: model.GrantPasteCode, ClientID: clientID, ClientSecret: secret, Scopes: scopes}, sess.DCs)
	if err != nil {
		w.t.Fatal(err)
	}
	g, err := oauth.ParsePasted(w.zoho.SelfClientCode(clientID, "EU", p.Scopes, 0), "", sess.DCs)
	if err != nil {
		w.t.Fatal(err)
	}
	saved, err := sess.SaveGrant(context.Background(), p, g, "")
	if err != nil {
		w.t.Fatal(err)
	}
	w.secrets = append(w.secrets, saved.Token.RefreshToken, saved.Token.AccessToken)
}

// unlock unlocks the service with the vault's key (no passphrase prompt:
// key-file worlds) or the passphrase.
func (w *world) unlock() {
	w.t.Helper()
	if err := w.svc.Unlock(func() (string, error) { return passphrase, nil }); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(w.svc.Lock)
}

// openVault opens the vault as another process would.
func (w *world) openVault() *vault.Vault {
	w.t.Helper()
	key, err := vault.LoadKey(w.paths.Identity, func() (string, error) { return passphrase, nil })
	if err != nil {
		w.t.Fatal(err)
	}
	v, err := vault.Open(w.paths, key, vault.Options{Now: w.clk.Now})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { v.Close() })
	return v
}

// serveTCP starts the token server on loopback and returns its URL.
func (w *world) serveTCP() string {
	w.t.Helper()
	ln, err := service.ListenTCP("127.0.0.1:0", "", "")
	if err != nil {
		w.t.Fatal(err)
	}
	w.serve(ln, false)
	return "http://" + ln.Addr().String()
}

// serveAgent starts the agent on a socket and returns the socket's path.
func (w *world) serveAgent() string {
	w.t.Helper()
	sock := filepath.Join(shortTempDir(w.t), "a", "agent.sock")
	ln, err := service.ListenAgent(sock, os.Getuid(), slog.New(slog.NewJSONHandler(w.log, nil)))
	if err != nil {
		w.t.Fatal(err)
	}
	w.serve(ln, true)
	return sock
}

func (w *world) serve(ln net.Listener, agent bool) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { service.Serve(ctx, ln, w.svc.Handler(agent)); close(done) }()
	w.t.Cleanup(func() { cancel(); <-done })
}

// grant makes a reader credential through a separate vault handle, as
// `ztm serve grant` in another process would.
func (w *world) grant(name string, globs []string, ttl time.Duration) string {
	w.t.Helper()
	cred, err := service.Grant(context.Background(), w.openVault(), name, service.GrantOptions{Globs: globs, TTL: ttl})
	if err != nil {
		w.t.Fatal(err)
	}
	w.secrets = append(w.secrets, cred)
	return cred
}

// client is a token-server client with cred.
func (w *world) client(url, cred string) *service.Client {
	w.t.Helper()
	c, err := service.NewServerClient(url, cred, &http.Client{Timeout: 30 * time.Second})
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// storedToken reads a profile's access token from the vault file.
func (w *world) storedToken(name string) model.Token {
	w.t.Helper()
	p, err := w.openVault().Profile(name)
	if err != nil {
		w.t.Fatal(err)
	}
	return *p.Token
}
