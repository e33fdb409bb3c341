package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/ui/app"
	"ztm/vault"
)

// The test harness drives the real App through Update, the way Bubble Tea
// would, but synchronously: commands run at once (a batch's concurrently,
// as Bubble Tea does), their messages go back into Update until nothing is
// left. It knows commands only through the seams the code owns: every
// timer goes through the Config's Scheduler, which here answers a
// timerSetMsg that the harness keeps on its fake clock, and every command
// that waits on the outside world is marked Background, which here answers
// a backgroundMsg that the harness runs in its own goroutine. Nothing is
// classified by function name, and Bubble Tea's internals are not looked
// into, so an upgrade cannot make a test hang or change its meaning.
// tea.Batch is run (its message type is public); tea.Sequence is not (its
// message type is Bubble Tea's own): code under test batches, or sends
// typed messages, where order matters.

func TestMain(m *testing.M) {
	// Views print clock times in local time: make them the same everywhere.
	time.Local = time.UTC
	os.Exit(m.Run())
}

// t0 is "now" at the start of every test: a whole second, so the aligned
// one-second tick the dashboard asks for is a plain second.
var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// fakeClipboard records what is written. With fail set it behaves like a
// machine without a system clipboard (SSH, no display).
type fakeClipboard struct {
	mu      sync.Mutex
	content string
	writes  []string
	fail    bool
	// hang, when set, makes every call wait until it is closed (a
	// clipboard helper that never answers).
	hang chan struct{}
}

func (c *fakeClipboard) Write(s string) error {
	c.mu.Lock()
	if hang := c.hang; hang != nil {
		c.mu.Unlock()
		<-hang
		c.mu.Lock()
	}
	defer c.mu.Unlock()
	if c.fail {
		return ErrNoClipboard
	}
	c.content = s
	c.writes = append(c.writes, s)
	return nil
}

func (c *fakeClipboard) Read() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		return "", ErrNoClipboard
	}
	return c.content, nil
}

func (c *fakeClipboard) get() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.content
}

func (c *fakeClipboard) set(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.content = s
}

func (c *fakeClipboard) setFail(fail bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail = fail
}

func (c *fakeClipboard) writeCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.writes)
}

// harness is one App with everything around it faked.
type harness struct {
	t *testing.T
	// fx is the fake Zoho, on clock; zoho and dcs are its fake and table.
	fx    *fakezohotest.Fixture
	clock *fakezohotest.Clock
	clip  *fakeClipboard
	zoho  *fakezoho.Cluster
	dcs   model.DataCenters
	paths vault.Paths
	cfg   Config
	app   *App

	mu     sync.Mutex
	opened []string
	// browser, when set, is what "opening" a URL does (a test's browser).
	browser func(url string) error

	queue []qItem
	seen  []tea.Msg
	// bg receives the answers of background commands (a device-flow poll,
	// a browser's redirect), which run as Bubble Tea runs them: in their
	// own goroutine.
	bg        chan tea.Msg
	bgPending int
	// timers are the scheduled timers, due on the fake clock.
	timers []*pendingTimer
	quit   bool
}

// qItem is a queued message for Update, or a command still to run.
type qItem struct {
	msg tea.Msg
	cmd tea.Cmd
}

// pendingTimer is a timer the code scheduled, waiting for the fake clock.
type pendingTimer struct {
	due time.Time
	fn  func(time.Time) tea.Msg
}

// timerSetMsg is what a timer command answers under test: the timer, to
// be kept until the fake clock reaches it.
type timerSetMsg struct {
	d  time.Duration
	fn func(time.Time) tea.Msg
}

// backgroundMsg is what a background command answers under test: the
// command to run in a goroutine of its own.
type backgroundMsg struct{ cmd tea.Cmd }

// testScheduler is the Scheduler of the tests.
type testScheduler struct{}

func (testScheduler) After(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	return func() tea.Msg { return timerSetMsg{d: d, fn: fn} }
}

func (testScheduler) Background(cmd tea.Cmd) tea.Cmd {
	return func() tea.Msg { return backgroundMsg{cmd: cmd} }
}

// withZoho changes the fake Zoho's options.
func withZoho(f func(*fakezoho.Options)) fakezohotest.Option {
	return fakezohotest.WithOptions(f)
}

// newHarness starts the fake Zoho (with the demo clients) and prepares
// paths for a vault in a temporary directory; nothing is created yet.
func newHarness(t *testing.T, opts ...fakezohotest.Option) *harness {
	t.Helper()
	h := &harness{t: t, clip: &fakeClipboard{}, bg: make(chan tea.Msg, 64)}
	h.fx = fakezohotest.Start(t, append([]fakezohotest.Option{fakezohotest.At(t0)}, opts...)...)
	h.clock, h.zoho, h.dcs = h.fx.Clock, h.fx.Zoho, h.fx.DCs
	dir := filepath.Join(t.TempDir(), "ztm")
	h.paths = vault.Paths{Dir: dir, Vault: filepath.Join(dir, vault.VaultFile),
		Identity: filepath.Join(dir, vault.PassphraseIdentity), Lock: filepath.Join(dir, vault.VaultFile+".lock")}
	oc := app.NewOAuthClient(app.Env{Now: h.clock.Now}, h.dcs)
	oc.Rand = &countingReader{} // consent states and PKCE verifiers are the same every run
	h.cfg = Config{
		Paths: h.paths, DCs: h.dcs, OAuth: oc, Now: h.clock.Now,
		Clipboard: h.clip, ScryptWorkFactor: 10,
		Scheduler: testScheduler{}, SteadyCursor: true,
		OpenURL: func(u string) error {
			h.mu.Lock()
			h.opened = append(h.opened, u)
			b := h.browser
			h.mu.Unlock()
			if b != nil {
				return b(u)
			}
			return nil
		},
	}
	return h
}

// countingReader is a predictable source of "randomness".
type countingReader struct {
	mu sync.Mutex
	n  byte
}

func (r *countingReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

// keyFileVault creates a vault unlocked by identity.txt, fills it with
// fill, and points the harness at it.
func (h *harness) keyFileVault(fill func(tx *vault.Tx) error) {
	h.t.Helper()
	h.paths.Identity = filepath.Join(h.paths.Dir, vault.KeyFileIdentity)
	h.cfg.Paths = h.paths
	h.createVault(vault.CreateOptions{GenerateKeyFile: true}, fill)
}

// passphraseVault creates a vault unlocked by pass.
func (h *harness) passphraseVault(pass string, fill func(tx *vault.Tx) error) {
	h.t.Helper()
	h.createVault(vault.CreateOptions{Passphrase: pass, ScryptWorkFactor: 10}, fill)
}

func (h *harness) createVault(o vault.CreateOptions, fill func(tx *vault.Tx) error) {
	h.t.Helper()
	v, err := vault.Create(h.paths, o, vault.Options{Now: h.clock.Now})
	if err != nil {
		h.t.Fatal(err)
	}
	defer v.Close()
	if fill != nil {
		if err := v.Update(context.Background(), fill); err != nil {
			h.t.Fatal(err)
		}
	}
}

// otherProcess opens the same vault files as a second ztm would and
// applies fn.
func (h *harness) otherProcess(fn func(tx *vault.Tx) error) {
	h.t.Helper()
	key, err := vault.LoadKey(h.paths.Identity, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	v, err := vault.Open(h.paths, key, vault.Options{Now: h.clock.Now})
	if err != nil {
		h.t.Fatal(err)
	}
	defer v.Close()
	if err := v.Update(context.Background(), fn); err != nil {
		h.t.Fatal(err)
	}
}

// start builds the App, runs Init, and sizes the window.
func (h *harness) start(width, height int) {
	h.t.Helper()
	h.app = New(h.cfg)
	h.t.Cleanup(func() {
		if h.app.c.Vault != nil {
			h.app.c.Vault.Close()
		}
		if h.app.wiz != nil {
			h.app.wiz.stopGrant()
		}
	})
	h.resize(width, height)
	h.run(h.app.Init())
}

// vaultOpen reports the vault the App unlocked.
func (h *harness) vault() *vault.Vault { return h.app.c.Vault }

func (h *harness) resize(w, ht int) { h.send(tea.WindowSizeMsg{Width: w, Height: ht}) }

// send feeds msg to Update and settles.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	h.queue = append(h.queue, qItem{msg: msg})
	h.settle()
}

// run runs cmd and settles.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	if cmd != nil {
		h.queue = append(h.queue, qItem{cmd: cmd})
	}
	h.settle()
}

// settle processes the queue until it is empty.
func (h *harness) settle() {
	h.t.Helper()
	h.until(nil)
}

// until processes the queue until cond holds (checked after each Update)
// or nothing is left to do; it reports whether cond holds. Without cond
// it does not wait for background commands; with one, it waits for them
// while cond does not hold. Items left in the queue stay for the next call.
func (h *harness) until(cond func() bool) bool {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for steps := 0; ; steps++ {
		if steps > 20000 || time.Now().After(deadline) {
			h.t.Fatalf("the program does not settle; last messages: %s", h.lastSeen(10))
		}
		if len(h.queue) == 0 {
			if cond == nil || cond() || h.bgPending == 0 {
				return cond == nil || cond()
			}
			select {
			case m := <-h.bg:
				h.bgPending--
				h.enqueue(m)
			case <-time.After(10 * time.Second):
				return false
			}
			continue
		}
		it := h.queue[0]
		h.queue = h.queue[1:]
		if it.cmd != nil {
			h.exec(it.cmd)
			continue
		}
		h.seen = append(h.seen, it.msg)
		_, cmd := h.app.Update(it.msg)
		if cmd != nil {
			h.queue = append(h.queue, qItem{cmd: cmd})
		}
		if cond != nil && cond() {
			return true
		}
	}
}

// mustUntil is until that fails the test when cond never holds.
func (h *harness) mustUntil(what string, cond func() bool) {
	h.t.Helper()
	if !h.until(cond) {
		h.t.Fatalf("never got to %s; screen:\n%s", what, h.view())
	}
}

func (h *harness) lastSeen(n int) string {
	var parts []string
	for _, m := range h.seen[max(len(h.seen)-n, 0):] {
		parts = append(parts, fmt.Sprintf("%T", m))
	}
	return strings.Join(parts, ", ")
}

// exec runs one command and queues what it answers.
func (h *harness) exec(cmd tea.Cmd) {
	h.t.Helper()
	h.enqueue(h.call(cmd))
}

// call runs cmd, failing the test if it hangs: a command that waits on
// the outside world must be marked Background.
func (h *harness) call(cmd tea.Cmd) tea.Msg {
	h.t.Helper()
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case m := <-done:
		return m
	case <-time.After(15 * time.Second):
		h.t.Fatalf("a command hangs; last messages: %s", h.lastSeen(10))
		return nil
	}
}

// enqueue queues a command's answer: a batch's commands run concurrently
// and are queued in order; a timer is kept for the fake clock; a
// background command starts in its own goroutine.
func (h *harness) enqueue(msg tea.Msg) {
	h.t.Helper()
	switch m := msg.(type) {
	case nil:
		return
	case tea.QuitMsg:
		h.quit = true
		return
	case timerSetMsg:
		h.timers = append(h.timers, &pendingTimer{due: h.clock.Now().Add(m.d), fn: m.fn})
		return
	case backgroundMsg:
		h.bgPending++
		go func() { h.bg <- m.cmd() }()
		return
	case tea.BatchMsg:
		results := make([]tea.Msg, len(m))
		var wg sync.WaitGroup
		for i, c := range m {
			if c == nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = c()
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			h.t.Fatal("a batch of commands hangs")
		}
		for _, r := range results {
			h.enqueue(r)
		}
		return
	}
	h.queue = append(h.queue, qItem{msg: msg})
}

// fire delivers the pending timers whose message pick wants, as if each
// had come due now, and settles.
func (h *harness) fire(pick func(tea.Msg) bool) int {
	h.t.Helper()
	var left []*pendingTimer
	n := 0
	for _, tm := range h.timers {
		if m := tm.fn(h.clock.Now()); pick(m) {
			h.queue = append(h.queue, qItem{msg: m})
			n++
			continue
		}
		left = append(left, tm)
	}
	h.timers = left
	h.settle()
	return n
}

// elapse moves the fake clock by d and delivers every timer that comes due
// meanwhile, in order, including those the delivered ones set.
func (h *harness) elapse(d time.Duration) {
	h.t.Helper()
	end := h.clock.Now().Add(d)
	for range 10000 {
		sort.SliceStable(h.timers, func(i, j int) bool { return h.timers[i].due.Before(h.timers[j].due) })
		if len(h.timers) == 0 || h.timers[0].due.After(end) {
			break
		}
		tm := h.timers[0]
		h.timers = h.timers[1:]
		if now := h.clock.Now(); tm.due.After(now) {
			h.clock.Advance(tm.due.Sub(now))
		}
		h.send(tm.fn(h.clock.Now()))
	}
	if now := h.clock.Now(); end.After(now) {
		h.clock.Advance(end.Sub(now))
	}
}

// waitTimers is elapse under its old name: time passes on the fake clock,
// not the machine's.
func (h *harness) waitTimers(d time.Duration) { h.t.Helper(); h.elapse(d) }

// pending counts the pending timers whose message pick wants.
func (h *harness) pending(pick func(tea.Msg) bool) int {
	n := 0
	for _, tm := range h.timers {
		if pick(tm.fn(h.clock.Now())) {
			n++
		}
	}
	return n
}

func isTick(m tea.Msg) bool { _, ok := m.(tickMsg); return ok }

// tick moves the clock and delivers the dashboard's one-second heartbeat
// (the pending one: the dashboard keeps exactly one).
func (h *harness) tick(d time.Duration) {
	h.t.Helper()
	h.clock.Advance(d)
	if h.fire(isTick) == 0 {
		h.t.Fatalf("no heartbeat is pending; last messages: %s", h.lastSeen(10))
	}
}

// Keys.

// key sends one key press: "enter", "esc", "tab", "shift+tab", "up",
// "down", "space", "backspace", "ctrl+X", or a single character.
func (h *harness) key(k string) {
	h.t.Helper()
	h.send(keyMsg(k))
}

// keyUntil sends one key press and processes messages only until cond
// holds (for flows that go on in the background, like the device flow).
func (h *harness) keyUntil(k, what string, cond func() bool) {
	h.t.Helper()
	h.queue = append(h.queue, qItem{msg: keyMsg(k)})
	h.mustUntil(what, cond)
}

// keys sends several key presses.
func (h *harness) keys(ks ...string) {
	h.t.Helper()
	for _, k := range ks {
		h.key(k)
	}
}

// typeText types s one character at a time.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// paste delivers s as a bracketed paste, as terminals do.
func (h *harness) paste(s string) {
	h.t.Helper()
	h.send(tea.PasteMsg{Content: s})
}

func keyMsg(k string) tea.KeyPressMsg {
	special := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "backspace": tea.KeyBackspace, "home": tea.KeyHome,
		"end": tea.KeyEnd, "pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp,
	}
	switch {
	case k == "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case k == "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case strings.HasPrefix(k, "ctrl+"):
		return tea.KeyPressMsg{Code: rune(k[len("ctrl+")]), Mod: tea.ModCtrl}
	}
	if r, ok := special[k]; ok {
		return tea.KeyPressMsg{Code: r}
	}
	r := []rune(k)
	if len(r) != 1 {
		panic("keyMsg: unknown key " + k)
	}
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// The screen.

// view is what the terminal shows, without colours.
func (h *harness) view() string {
	return ansi.Strip(h.app.View().Content)
}

// wantView fails unless the screen shows every one of want.
func (h *harness) wantView(want ...string) {
	h.t.Helper()
	v := h.view()
	for _, w := range want {
		if !strings.Contains(v, w) {
			h.t.Fatalf("the screen does not show %q:\n%s", w, v)
		}
	}
}

// dontWantView fails if the screen shows any of bad.
func (h *harness) dontWantView(bad ...string) {
	h.t.Helper()
	v := h.view()
	for _, b := range bad {
		if strings.Contains(v, b) {
			h.t.Fatalf("the screen shows %q:\n%s", b, v)
		}
	}
}

// line returns the first screen line holding s, or "".
func (h *harness) line(s string) string {
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// footer is the last line: status or key help.
func (h *harness) footer() string {
	lines := strings.Split(h.view(), "\n")
	return lines[len(lines)-1]
}

// openedURLs returns the URLs given to the browser.
func (h *harness) openedURLs() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.opened...)
}

// seenOSC52 returns what was sent to the terminal's clipboard (OSC 52).
func (h *harness) seenOSC52() []string {
	var out []string
	for _, m := range h.seen {
		if o, ok := m.(osc52Msg); ok {
			out = append(out, o.value)
		}
	}
	return out
}

// profile reads a profile from the files, as another process would.
func (h *harness) profile(name string) model.Profile {
	h.t.Helper()
	p, err := h.vault().Profile(name)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// Fixtures.

// sample is a profile of the standard fixture.
type sample struct {
	name, dc string
	kind     model.ClientType
	left     time.Duration // access token life left at t0; 0: no token
	tags     []string
}

// samples is the standard vault: every state the dashboard shows.
var samples = []sample{
	{"crm-us", "US", model.ServerClient, 42*time.Minute + 13*time.Second, []string{"prod"}},
	{"books-eu", "EU", model.SelfClient, -5 * time.Minute, []string{"finance"}},
	{"desk-in", "IN", model.ServerClient, 3 * time.Minute, []string{"support"}},
	{"people-jp", "JP", model.NonBrowserClient, 55 * time.Minute, []string{"hr"}},
	{"crm-eu", "EU", model.SelfClient, 12 * time.Minute, nil},
	{"crm-sandbox", "US", model.SelfClient, 0, []string{"sandbox"}},
}

// accessToken is the stored access token of a fixture profile.
func accessToken(name string) string { return "1000.at." + name + ".0123456789abcdef" }

// fill returns a vault filler that creates the sample profiles with
// refresh tokens minted at the fake.
func (h *harness) fill(list ...sample) func(tx *vault.Tx) error {
	return func(tx *vault.Tx) error {
		for _, s := range list {
			if err := h.addSample(tx, s); err != nil {
				return err
			}
		}
		return nil
	}
}

func (h *harness) addSample(tx *vault.Tx, s sample) error {
	dc, ok := h.dcs.ByID(s.dc)
	if !ok {
		return fmt.Errorf("no DC %s", s.dc)
	}
	p := model.Profile{
		Name: s.name, DC: dc.ID, AccountsServer: dc.AccountsServer, APIDomain: dc.APIDomain,
		ClientType: s.kind, ClientSecret: fakezoho.DemoSecret, Scopes: []string{"ZohoCRM.modules.ALL", "AaaServer.profile.READ"},
		Consent: model.UserConsent, Account: fakezoho.DefaultUser(dc.ID), Tags: s.tags,
	}
	switch s.kind {
	case model.SelfClient:
		p.ClientID = fakezoho.DemoSelfClientID
	case model.ServerClient:
		p.ClientID, p.RedirectURI = fakezoho.DemoServerClientID, fakezoho.DemoRedirectURI
	case model.NonBrowserClient:
		p.ClientID = fakezoho.DemoDeviceClientID
	}
	if s.left != 0 {
		rt := h.zoho.MintRefreshToken(p.ClientID, p.Account, dc.ID, p.Scopes)
		obtained := t0.Add(s.left - time.Hour)
		p.Token = &model.Token{AccessToken: accessToken(s.name), RefreshToken: rt, TokenType: "Bearer",
			ObtainedAt: obtained, ExpiresAt: obtained.Add(time.Hour), GrantedScopes: p.Scopes,
			Health: model.HealthOK, LastRefreshAt: obtained}
	}
	if err := tx.CreateProfile(&p); err != nil {
		return err
	}
	if p.Token != nil {
		return tx.RecordGrant(p.Name, p.ClientID)
	}
	return nil
}

// dashboard starts an App on the standard vault (key file: no prompt) and
// waits for the dashboard.
func dashboardHarness(t *testing.T, w, ht int, opts ...fakezohotest.Option) *harness {
	t.Helper()
	h := newHarness(t, opts...)
	h.keyFileVault(h.fill(samples...))
	h.start(w, ht)
	if h.app.dash == nil || !h.app.dash.loaded {
		t.Fatalf("the dashboard did not open:\n%s", h.view())
	}
	return h
}

// selectProfile moves the cursor to name with the arrow keys.
func (h *harness) selectProfile(name string) {
	h.t.Helper()
	h.key("home")
	for i := 0; i < 50; i++ {
		if p := h.app.dash.current(); p != nil && p.Name == name {
			return
		}
		h.key("down")
	}
	h.t.Fatalf("cannot select %s:\n%s", name, h.view())
}
