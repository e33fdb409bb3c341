// Package tui is ztm's terminal dashboard, built with Bubble Tea: one root
// model (app.go) routing between screens, a file per screen. Update never
// does I/O: vault, network and clipboard work runs in commands that answer
// with typed messages (messages.go).
package tui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/oauth"
	"ztm/ui/app"
	"ztm/vault"
)

// Config is what the dashboard needs from the outside world. Everything
// that tests must control (clock, network, clipboard, browser) is here.
type Config struct {
	Paths vault.Paths
	DCs   model.DataCenters
	OAuth *oauth.Client
	// Now is the clock; defaults to time.Now.
	Now func() time.Time
	// Getenv reads the environment; defaults to os.Getenv.
	Getenv func(string) string
	// Clipboard defaults to the system clipboard with an OSC 52 fallback.
	Clipboard Clipboard
	// OpenURL opens a URL in a browser; defaults to the system opener.
	OpenURL func(string) error
	// ClipboardClear is how long a copied secret stays on the clipboard.
	ClipboardClear time.Duration
	// ScryptWorkFactor, when set, lowers the cost of a new passphrase (tests).
	ScryptWorkFactor int
	// Demo, when set, is shown in the header: the dashboard runs against the
	// built-in fake Zoho.
	Demo string
	// AgentKey, when set, asks a running agent (ztm unlock) for the vault's
	// key before the passphrase is asked for: the dashboard then opens
	// without a prompt. Its error means no agent holds the key, and the
	// dashboard asks as usual.
	AgentKey func(ctx context.Context, p vault.Paths) (*vault.Keyring, error)
	// HTTP is used by the loopback "browser" of tests; nil in real use.
	HTTP *http.Client
	// Scheduler runs timers and background waits; defaults to Bubble
	// Tea's own. Tests give one that holds timers on their fake clock.
	Scheduler Scheduler
	// SteadyCursor stops text cursors blinking (a blink is a timer the
	// scheduler does not see); tests set it, and so may people who ask.
	SteadyCursor bool
}

func (c *Config) defaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Getenv == nil {
		c.Getenv = func(string) string { return "" }
	}
	if c.Clipboard == nil {
		c.Clipboard = SystemClipboard{}
	}
	if c.OpenURL == nil {
		c.OpenURL = OpenBrowser
	}
	if c.ClipboardClear == 0 {
		c.ClipboardClear = 45 * time.Second
	}
	if c.Scheduler == nil {
		c.Scheduler = realScheduler{}
	}
	if c.OAuth == nil {
		c.OAuth = app.NewOAuthClient(app.Env{Now: c.Now}, c.DCs)
	}
}

// Run starts the dashboard and returns when the user quits.
func Run(ctx context.Context, cfg Config, opts ...tea.ProgramOption) error {
	m := New(cfg)
	// Commands derive their timeouts from the program's context, so that
	// quitting (or the caller's cancel) stops what is in flight.
	m.c.Ctx = ctx
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithFPS(frameRate)}, opts...)...)
	final, err := p.Run()
	if app, ok := final.(*App); ok {
		app.shutdown()
	}
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return context.Canceled
	}
	if err != nil {
		return fmt.Errorf("the dashboard stopped: %w", err)
	}
	return nil
}

// frameRate is how often at most the screen is redrawn. The renderer wakes
// this often even when nothing changes, which was most of the dashboard's
// idle CPU at Bubble Tea's default of 60; the countdowns change once a
// second, and 30 frames a second still answers a key within 33 ms.
const frameRate = 30
