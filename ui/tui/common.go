package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ztm/ui/app"
	"ztm/vault"
)

// Common is what every screen shares: configuration, size, styles, keys,
// the program's context, and the vault once unlocked. Screens hold a
// pointer to the one the root model owns, so a resize or a theme change
// reaches them all.
type Common struct {
	Cfg    Config
	Width  int
	Height int
	Styles Styles
	Keys   KeyMap
	// Ctx is the program's context (Run's): every command that does I/O
	// derives its timeout from it, so quitting cancels what is in flight.
	Ctx context.Context
	// App is the open session once the vault is unlocked: every use case
	// goes through it. Vault is App.Vault, kept for reads.
	App   *app.Session
	Vault *vault.Vault
}

// screen is one full-window page: unlock, first run, dashboard, wizard.
type screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (screen, tea.Cmd)
	View() string
	// SetSize is called when the window changes.
	SetSize(width, height int)
	// Help lists the keys for the footer, in this screen's current state.
	Help() []key.Binding
	// Capturing says the screen is reading text, so global keys (q, ?)
	// must go to it instead.
	Capturing() bool
}

// withTimeout is the context of one command: the program's, bounded by d.
// Commands call it inside their closure, so the clock starts when the work
// does.
func (c *Common) withTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Ctx, d)
}

// after schedules fn's message once d has passed (see [Scheduler]).
func (c *Common) after(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	return c.Cfg.Scheduler.After(d, fn)
}

// background marks a command that waits on the outside world.
func (c *Common) background(cmd tea.Cmd) tea.Cmd { return c.Cfg.Scheduler.Background(cmd) }

// newInput is a text input styled for the terminal's background, with a
// steady cursor when the configuration asks for one.
func (c *Common) newInput() textinput.Model {
	in := textinput.New()
	c.styleInput(&in)
	return in
}

// styleInput gives in the styles of the current background.
func (c *Common) styleInput(in *textinput.Model) {
	st := textinput.DefaultStyles(c.Styles.IsDark)
	st.Cursor.Blink = !c.Cfg.SteadyCursor
	in.SetStyles(st)
}

// help is a bubbles/help model in the current styles; width 0 means no
// limit.
func (c *Common) help(width int) help.Model {
	h := help.New()
	h.Styles = c.Styles.Help
	h.ShortSeparator = " · "
	h.SetWidth(width)
	return h
}
