package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/ui/app"
)

// App is the root model. It owns the shared Common, routes messages to the
// current screen, and draws the footer (status line or key help) and any
// dialog on top.
type App struct {
	c *Common
	// screen is what fills the window: unlock, first run or dashboard.
	screen screen
	// dash is the dashboard once the vault is open; it keeps receiving data
	// while the wizard is in front.
	dash *dashboard
	// wiz is the add/edit wizard when open.
	wiz    *wizard
	dialog dialog
	status status
	// copied is the last secret put on the clipboard, to clear it on exit.
	copied string
}

// New builds the root model: the unlock screen when a vault exists, the
// first-run welcome otherwise.
func New(cfg Config) *App {
	cfg.defaults()
	c := &Common{Cfg: cfg, Styles: NewStyles(true), Keys: DefaultKeyMap(), Ctx: context.Background()}
	a := &App{c: c}
	if cfg.Paths.Exists() {
		a.screen = newUnlock(c)
	} else {
		a.screen = newFirstRun(c)
	}
	return a
}

// Init implements tea.Model.
func (a *App) Init() tea.Cmd {
	return tea.Batch(a.screen.Init(), tea.RequestBackgroundColor)
}

// front is the screen that gets keys.
func (a *App) front() screen {
	if a.wiz != nil {
		return a.wiz
	}
	return a.screen
}

// restyler is a screen whose bubbles (inputs, spinners) take the styles of
// the terminal's background.
type restyler interface{ restyle() }

// Update implements tea.Model.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.c.Width, a.c.Height = msg.Width, msg.Height
		a.resize()
		return a, nil
	case tea.BackgroundColorMsg:
		a.c.Styles = NewStyles(msg.IsDark())
		for _, s := range []screen{a.screen, a.front()} {
			if r, ok := s.(restyler); ok {
				r.restyle()
			}
		}
		return a, nil
	case tea.KeyPressMsg:
		return a, a.key(msg)
	case tea.PasteMsg:
		if p, ok := a.dialog.(interface{ paste(string) }); ok {
			p.paste(msg.Content)
			return a, nil
		}
		if a.dialog != nil {
			return a, nil
		}
		// A paste is typing: it goes where the keys go (the wizard's
		// fields), not to the dashboard behind it.
		return a, a.forward(a.front(), msg)
	case statusMsg:
		return a, a.status.set(a.c, msg.text, msg.err)
	case statusExpireMsg:
		return a, a.status.expire(a.c, msg.id)
	case askMsg:
		a.dialog = msg.d
		return a, nil
	case linkMsg:
		d, cmd := linkOpened(msg)
		if d != nil {
			a.dialog = d
		}
		return a, cmd
	case osc52Msg:
		return a, tea.SetClipboard(msg.value)
	case confirmMsg:
		return a, a.forward(a.front(), msg)
	case spinFrameMsg:
		// The dashboard's spinner and the wizard's: each takes its own.
		return a, a.toAll(msg)
	case unlockedMsg:
		return a, a.unlocked(msg)
	case openWizardMsg:
		a.status.clear()
		a.wiz = newWizard(a.c, msg.profile, msg.consentOnly, a.dash.names())
		a.resize()
		return a, a.wiz.Init()
	case wizardDoneMsg:
		a.wiz = nil
		a.status.clear()
		return a, a.dash.afterWizard(msg.saved)
	case copiedMsg:
		if msg.err == nil {
			a.copied = msg.value
		}
	case clipboardClearedMsg:
		if msg.cleared {
			a.copied = ""
		}
	}
	if _, ok := msg.(wizardMsg); ok && a.wiz != nil {
		return a, a.forward(a.wiz, msg)
	}
	if a.dash != nil {
		return a, a.forward(a.dash, msg)
	}
	return a, a.forward(a.screen, msg)
}

// toAll gives msg to every screen alive: each takes only its own.
func (a *App) toAll(msg tea.Msg) tea.Cmd {
	cmds := []tea.Cmd{a.forward(a.screen, msg)}
	if a.wiz != nil {
		cmds = append(cmds, a.forward(a.wiz, msg))
	}
	return tea.Batch(cmds...)
}

// forward passes msg to s, replacing the screen if it changed itself.
func (a *App) forward(s screen, msg tea.Msg) tea.Cmd {
	next, cmd := s.Update(msg)
	switch s {
	case a.wiz:
		a.wiz = next.(*wizard)
	case a.screen:
		a.screen = next
	}
	return cmd
}

func (a *App) key(msg tea.KeyPressMsg) tea.Cmd {
	k := a.c.Keys
	if key.Matches(msg, k.ForceQuit) {
		return tea.Quit
	}
	if a.dialog != nil {
		d, cmd := a.dialog.update(a.c, msg)
		a.dialog = d
		return cmd
	}
	front := a.front()
	if !front.Capturing() {
		switch {
		case key.Matches(msg, k.Quit) && a.wiz == nil:
			return tea.Quit
		case key.Matches(msg, k.Help):
			a.dialog = newHelpDialog(front)
			return nil
		case key.Matches(msg, k.Messages):
			a.dialog = newLogDialog(a.c, a.status.log)
			return nil
		}
	}
	return a.forward(front, msg)
}

// trustServerList trusts Zoho's server list as ztm dc sync kept it in the
// vault, so a pasted redirect naming one of its servers is accepted here as
// on the command line.
func trustServerList(s *app.Session) tea.Cmd {
	return func() tea.Msg {
		if err := s.TrustServerList(); err != nil {
			return statusMsg{text: "warning: " + err.Error(), err: true}
		}
		return nil
	}
}

// unlocked opens the dashboard, and the wizard too for a new vault.
func (a *App) unlocked(msg unlockedMsg) tea.Cmd {
	a.c.Vault = msg.v
	a.c.App = app.NewSessionWithClient(app.Env{Now: a.c.Cfg.Now, Getenv: a.c.Cfg.Getenv}, msg.v, a.c.Cfg.DCs, a.c.Cfg.OAuth)
	grant := a.c.Keys.Grant
	a.c.App.ConsentHow = func(string) string { return hint(grant, "consent again") }
	a.dash = newDashboard(a.c)
	a.screen = a.dash
	a.status.clear()
	a.resize()
	cmds := []tea.Cmd{a.dash.Init(), trustServerList(a.c.App)}
	for _, w := range msg.v.Warnings() {
		cmds = append(cmds, statusCmd("warning: "+w, true))
	}
	if msg.created {
		cmds = append(cmds, func() tea.Msg { return openWizardMsg{} })
	}
	return tea.Batch(cmds...)
}

// footerHeight is the lines under the screen: status or key help.
const footerHeight = 1

func (a *App) resize() {
	h := max(a.c.Height-footerHeight, 1)
	a.screen.SetSize(a.c.Width, h)
	if a.wiz != nil {
		a.wiz.SetSize(a.c.Width, h)
	}
}

// View implements tea.Model.
func (a *App) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = "ztm"
	if a.c.Width == 0 {
		return v
	}
	content := fitLines(a.front().View(), a.c.Width, a.c.Height-footerHeight) + "\n" + a.footer()
	if a.dialog != nil {
		content = overlay(content, a.dialog.view(a.c), a.c.Width, a.c.Height)
	}
	v.SetContent(content)
	if a.front() == a.dash {
		v.MouseMode = tea.MouseModeCellMotion
	}
	return v
}

// footer is the status line when there is news, else the screen's keys.
func (a *App) footer() string {
	if text, isErr, faded, more := a.status.current(); text != "" {
		st := a.c.Styles.Status
		if isErr {
			st = a.c.Styles.StatusErr
		}
		if faded {
			st = a.c.Styles.Faint
		}
		text = model.Printable(text)
		if more {
			// The rest is one key away.
			text += " (" + keyName(a.c.Keys.Messages) + ": more)"
		}
		return st.Render(truncate(text, a.c.Width))
	}
	return a.c.Styles.Footer.Render(truncate(a.c.help(a.c.Width).ShortHelpView(a.front().Help()), a.c.Width))
}

// shutdown runs after the program ends: it clears a secret ztm left on the
// clipboard, then closes the vault.
func (a *App) shutdown() {
	if a.copied != "" {
		if cur, err := a.c.Cfg.Clipboard.Read(); err == nil && cur == a.copied {
			a.c.Cfg.Clipboard.Write("")
		}
	}
	if a.c.Vault != nil {
		a.c.Vault.Close()
	}
}

// tick is the one heartbeat of the countdowns, aligned to whole seconds so
// every row changes at the same moment; gen is the chain it belongs to.
func tick(c *Common, gen int, now time.Time) tea.Cmd {
	d := time.Second - time.Duration(now.Nanosecond())
	return c.after(d, func(t time.Time) tea.Msg { return tickMsg{gen: gen, at: t} })
}
