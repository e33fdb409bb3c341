package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/vault"
)

// The grant step: the wizard's part, shared by every grantPath. It starts
// an attempt's flow (app.GrantFlow, which exchanges and saves), keeps its
// one tick chain, and reads the flow's messages one at a time.

// Messages of the grant step that are not a path's own.
type (
	grantsCountMsg struct{ g vault.GrantCount }
	browserMsg     struct {
		url string
		// copyKey is the key that copies url, "" when there is none.
		copyKey string
		err     error
	}
	wizCopiedMsg struct {
		what string
		osc  string // set when the system clipboard failed: copy by OSC 52
	}
	savedProfileMsg struct {
		p   model.Profile
		err error
	}
	// wizTickMsg drives the countdowns of the grant step. gen names the
	// chain it belongs to: a tick of an ended chain is not re-armed.
	wizTickMsg struct {
		gen int
		t   time.Time
	}
)

func (grantsCountMsg) wizard()  {}
func (browserMsg) wizard()      {}
func (wizCopiedMsg) wizard()    {}
func (savedProfileMsg) wizard() {}
func (wizTickMsg) wizard()      {}

// uiTimeout bounds what the wizard asks of the desktop (a browser opener,
// the clipboard), which takes no context.
const uiTimeout = 10 * time.Second

// enterGrant starts a new attempt at the grant for the profile the fields
// describe.
func (w *wizard) enterGrant() tea.Cmd {
	w.stopGrant()
	p, err := w.build()
	if err != nil && w.consentOnly && w.orig != nil {
		p, err = *w.orig, nil
	}
	if err != nil {
		w.setStep(wsScopes)
		w.note = err.Error()
		return nil
	}
	w.profile, w.err, w.exchNote = p, nil, ""
	w.setStep(wsGrant)
	w.path = grantPaths[w.kind](w)
	run, read := w.startFlow(w.c.Ctx, w.path)
	w.run, run.reads = run, 1
	cmds := []tea.Cmd{w.path.start(), read, w.startTicks()}
	if w.spinning() {
		cmds = append(cmds, w.spin.start(w.c))
	}
	if w.path.about().consent {
		cmds = append(cmds, countGrants(w.c.Vault, p.ClientID))
	}
	return tea.Batch(cmds...)
}

// startTicks begins a new tick chain and ends the previous one.
func (w *wizard) startTicks() tea.Cmd {
	w.tickGen++
	return w.tick()
}

func (w *wizard) tick() tea.Cmd {
	gen := w.tickGen
	return w.c.after(time.Second, func(t time.Time) tea.Msg { return wizTickMsg{gen: gen, t: t} })
}

// stopGrant ends the attempt in progress: its flow (waiting for it to
// end, so no listener or poll outlives it), its tick chain.
func (w *wizard) stopGrant() {
	if w.run != nil {
		w.run.stop()
		w.run = nil
	}
	if w.path != nil {
		w.path.stop()
	}
	w.tickGen++
}

func countGrants(v *vault.Vault, clientID string) tea.Cmd {
	return func() tea.Msg {
		var g vault.GrantCount
		v.View(func(tx *vault.Tx) error { var err error; g, err = tx.LiveGrants(clientID); return err })
		return grantsCountMsg{g}
	}
}

// openURL opens url in a browser; copy is the key that copies it, named
// in the note when no browser opens.
func (w *wizard) openURL(url string, copy *key.Binding) tea.Cmd {
	c, open, ck := w.c, w.c.Cfg.OpenURL, ""
	if copy != nil {
		ck = keyName(*copy)
	}
	return func() tea.Msg {
		// A hung opener must not hang the wizard: it goes on in the
		// background while the note shows the URL.
		ctx, cancel := c.withTimeout(uiTimeout)
		defer cancel()
		err := within(ctx, func() error { return open(url) })
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer in %s", uiTimeout)
		}
		return browserMsg{url: url, copyKey: ck, err: err}
	}
}

// copyText puts text on the clipboard, through the terminal (OSC 52)
// when the system clipboard is out of reach or does not answer.
func (w *wizard) copyText(text, what string) tea.Cmd {
	c, clip := w.c, w.c.Cfg.Clipboard
	return func() tea.Msg {
		if err := clipWrite(c, clip, text); err != nil {
			return wizCopiedMsg{what: what, osc: text}
		}
		return wizCopiedMsg{what: what}
	}
}

// fail shows what went wrong and the ways out.
func (w *wizard) fail(err error) tea.Cmd {
	w.stopGrant()
	w.setStep(wsFailed)
	w.err = err
	return nil
}

// saveEdit stores an edit that needs no new consent.
func (w *wizard) saveEdit(p model.Profile) tea.Cmd {
	w.setStep(wsExchange)
	w.doing = "saving " + p.Name
	c, s, orig := w.c, w.c.App, *w.orig
	return tea.Batch(w.spin.start(w.c), func() tea.Msg {
		ctx, cancel := c.withTimeout(opTimeout)
		defer cancel()
		e, err := s.Edit(ctx, orig, p, "in the dashboard")
		return savedProfileMsg{e.Profile, err}
	})
}

// grantUpdate takes the grant step's messages.
func (w *wizard) grantUpdate(msg wizardMsg) tea.Cmd {
	switch msg := msg.(type) {
	case pathMsg:
		if msg.from != w.path || w.run == nil || w.step != wsGrant && w.step != wsExchange {
			return nil // an attempt that is over
		}
		return w.flowMsg(msg.msg)
	case wizTickMsg:
		if msg.gen != w.tickGen {
			return nil
		}
		w.now = w.c.Cfg.Now()
		return w.tick()
	case grantsCountMsg:
		return w.grantsCounted(msg.g)
	case browserMsg:
		return w.browserAnswered(msg)
	case wizCopiedMsg:
		text := "copied the " + msg.what
		var cmd tea.Cmd
		if msg.osc != "" {
			text += " (through the terminal)"
			cmd = tea.SetClipboard(msg.osc)
		}
		if w.step != wsGrant {
			// On a form step the note line is for what is wrong.
			return tea.Batch(cmd, statusCmd(text, false))
		}
		w.note = text
		return cmd
	case savedProfileMsg:
		return w.saved(msg)
	}
	return nil
}

func (w *wizard) grantsCounted(g vault.GrantCount) tea.Cmd {
	w.grants = g
	if g.Live < vault.MaxRefreshTokens || w.step != wsGrant {
		return nil
	}
	return ask(&confirm{about: wizard21stQuestion{w.profile.ClientID}, title: "This consent makes a 21st refresh token",
		body: fmt.Sprintf("ztm holds %d refresh tokens for client %s. Zoho keeps 20 per user and client and silently deletes the oldest when a 21st is made: the one %s has held since %s. Revoke unused ones (%s on the dashboard, with revoke) first, or go on.",
			g.Live, w.profile.ClientID, g.OldestProfile, g.OldestAt.Local().Format("2006-01-02"), keyName(w.c.Keys.Delete)),
		yes: "go on", no: "go back"})
}

// wizard21stQuestion asks whether to go on with a consent that makes a
// 21st refresh token for one client.
type wizard21stQuestion struct{ clientID string }

func (q wizard21stQuestion) asks() string { return q.clientID }

// browserAnswered says whether the browser opened; when it did not, the
// note shows the URL and the key that copies it.
func (w *wizard) browserAnswered(msg browserMsg) tea.Cmd {
	if w.step != wsGrant && w.step != wsRegister {
		return nil // the grant came back before the browser reported
	}
	if msg.err == nil {
		if w.step == wsRegister {
			// On a form step the note line is for what is wrong.
			return statusCmd("opened "+msg.url+" in your browser", false)
		}
		w.note = "opened in your browser"
		return nil
	}
	how := "open it yourself wherever you are signed in to Zoho"
	if msg.copyKey != "" {
		how = "copy it with " + msg.copyKey + " and open it wherever you are signed in to Zoho"
	}
	w.note = "no browser could be opened (" + msg.err.Error() + "): " + how + ":\n" + msg.url
	return nil
}

func (w *wizard) saved(msg savedProfileMsg) tea.Cmd {
	if msg.err != nil {
		return w.fail(msg.err)
	}
	w.stopGrant()
	w.savedAs, w.now = msg.p, w.c.Cfg.Now()
	note := w.note // what the exchange found out (another data center)
	w.setStep(wsDone)
	w.note = note
	return nil
}

func (w *wizard) exchangeServer() string {
	return strings.TrimPrefix(w.profile.AccountsServer, "https://")
}

// dcLabel names a profile's data center, or its server when custom.
func dcLabel(p model.Profile) string {
	if p.DC != "" {
		return p.DC
	}
	return "the custom server " + p.AccountsServer
}
