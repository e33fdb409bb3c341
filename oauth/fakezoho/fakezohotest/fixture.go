package fakezohotest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
)

// Fixture is a running fake Zoho and what a test needs around it.
type Fixture struct {
	// Zoho is the fake; its controls (InjectFault, Requests,
	// ExpireAccessToken, SetRecords...) are the test's to use.
	Zoho *fakezoho.Cluster
	// Clock drives the fake, and should drive the code under test. It is
	// nil with [WallClock].
	Clock *Clock
	// DCs is the data-center table pointing at the fake.
	DCs model.DataCenters

	t       testing.TB
	demo    bool
	mu      sync.Mutex
	n       int
	dcsFile string
}

type config struct {
	opts  fakezoho.Options
	start time.Time
	skew  time.Duration
	wall  bool
	demo  bool
}

// Option changes how [Start] sets the fake up.
type Option func(*config)

// WithOptions changes the fake's [fakezoho.Options] (latency, consent
// mode, device interval...) before it starts. Options.Now is the
// fixture's clock unless f sets another.
func WithOptions(f func(*fakezoho.Options)) Option {
	return func(c *config) { f(&c.opts) }
}

// At starts the fixture's clock at t instead of [Epoch].
func At(t time.Time) Option {
	return func(c *config) { c.start = t }
}

// WallClock runs the fake on the real clock, for tests that run the ztm
// binary, which cannot share an injected one. [Fixture.Clock] is then nil.
func WallClock() Option {
	return func(c *config) { c.wall = true }
}

// NoDemoClients leaves out [fakezoho.DemoClients], which Start registers
// by default.
func NoDemoClients() Option {
	return func(c *config) { c.demo = false }
}

// LocalAPI makes the fake name its own API hosts as api_domain (see
// [fakezoho.Options.LocalAPIDomain]), for tests that call product APIs
// through a profile's APIDomain.
func LocalAPI() Option {
	return func(c *config) { c.opts.LocalAPIDomain = true }
}

// Latency makes the fake wait d, in real time, before every answer, like
// a distant server: for benchmarks and for tests of what a person sees
// while a request is under way.
func Latency(d time.Duration) Option {
	return func(c *config) { c.opts.Latency = d }
}

// Skew sets the fake's clock d ahead of the fixture's (behind, when d is
// negative), for tests of what ztm does when Zoho's clock and the
// machine's disagree. [Fixture.Now] and [Fixture.Clock] stay the
// machine's time; the fake reads that plus d.
func Skew(d time.Duration) Option {
	return func(c *config) { c.skew = d }
}

// Start runs a fake Zoho for t on loopback ports and stops it when t ends.
func Start(t testing.TB, opts ...Option) *Fixture {
	t.Helper()
	cfg := config{start: Epoch, demo: true}
	for _, o := range opts {
		o(&cfg)
	}
	f := &Fixture{t: t, demo: cfg.demo}
	if !cfg.wall && cfg.opts.Now == nil {
		f.Clock = NewClock(cfg.start)
		cfg.opts.Now = f.Clock.Now
	}
	if skew, now := cfg.skew, cfg.opts.Now; skew != 0 {
		if now == nil {
			now = time.Now
		}
		cfg.opts.Now = func() time.Time { return now().Add(skew) }
	}
	f.Zoho = fakezoho.New(cfg.opts)
	t.Cleanup(f.Zoho.Close)
	if cfg.demo {
		for _, cl := range fakezoho.DemoClients() {
			f.Zoho.AddClient(cl)
		}
	}
	f.DCs = f.Zoho.DataCenters()
	return f
}

// Now is the fixture's time: its clock, or the wall clock with
// [WallClock].
func (f *Fixture) Now() time.Time {
	if f.Clock == nil {
		return time.Now()
	}
	return f.Clock.Now()
}

// DC is the data center with that ID, as the fake serves it; the test
// fails if there is none.
func (f *Fixture) DC(id string) model.DataCenter {
	f.t.Helper()
	dc, ok := f.DCs.ByID(id)
	if !ok {
		f.t.Fatalf("fakezohotest: no data center %q", id)
	}
	return dc
}

// DataCentersEnv is the variable ztm reads the data-center table's file
// from (oauth.DataCentersEnv; spelled out here so that package oauth's own
// tests can use the fixture).
const DataCentersEnv = "ZTM_DATACENTERS"

// Env is what a ztm process started by the test needs in its environment
// to reach the fake instead of Zoho: ZTM_DATACENTERS naming
// [Fixture.DataCentersFile]. Append it to the child's environment.
func (f *Fixture) Env() []string {
	f.t.Helper()
	return []string{DataCentersEnv + "=" + f.DataCentersFile()}
}

// DataCentersFile writes the data-center table, pointing at the fake, to
// a JSON file in a temporary directory (once) and returns its path: the
// value for ZTM_DATACENTERS when ztm runs as a separate process.
func (f *Fixture) DataCentersFile() string {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dcsFile != "" {
		return f.dcsFile
	}
	data, err := json.Marshal(f.DCs.All())
	if err != nil {
		f.t.Fatalf("fakezohotest: %v", err)
	}
	path := filepath.Join(f.t.TempDir(), "datacenters.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		f.t.Fatalf("fakezohotest: %v", err)
	}
	f.dcsFile = path
	return path
}
