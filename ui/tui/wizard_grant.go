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
	"ztm/oauth"
	"ztm/vault"
)

// Messages of the grant step.
type (
	grantsCountMsg struct{ g vault.GrantCount }
	listeningMsg   struct {
		r   *oauth.Receiver
		err error
	}
	browserMsg   struct{ err error }
	wizCopiedMsg struct {
		what string
		osc  string // set when the system clipboard failed: copy by OSC 52
	}
	grantMsg struct {
		g   oauth.Grant
		err error
	}
	deviceCodeMsg struct {
		d   oauth.DeviceCode
		err error
	}
	devicePollMsg struct {
		poll oauth.DevicePoll
		ch   <-chan tea.Msg
	}
	savedProfileMsg struct {
		p   model.Profile
		err error
	}
)

func (grantsCountMsg) wizard()  {}
func (listeningMsg) wizard()    {}
func (browserMsg) wizard()      {}
func (wizCopiedMsg) wizard()    {}
func (grantMsg) wizard()        {}
func (deviceCodeMsg) wizard()   {}
func (devicePollMsg) wizard()   {}
func (savedProfileMsg) wizard() {}

// selfCodeLife is how long a Self Client code can live (the console's
// longest choice); the countdown says when a code has surely expired.
const selfCodeLife = 10 * time.Minute

// enterGrant starts the grant step for the profile the fields describe.
// wizard21stQuestion asks whether to make a 21st refresh token.
type wizard21stQuestion struct{}

func (wizard21stQuestion) asks() string { return "" }

func (w *wizard) enterGrant() tea.Cmd {
	w.stopGrant()
	p, err := w.build()
	if err != nil && w.consentOnly && w.orig != nil {
		p, err = *w.orig, nil
	}
	if err != nil {
		w.step, w.note = wsScopes, err.Error()
		return nil
	}
	w.profile, w.step, w.err, w.note = p, wsGrant, nil, ""
	w.paste.SetValue("")
	w.device, w.listener = nil, nil
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	cmds := []tea.Cmd{countGrants(w.c.Vault, p.ClientID), w.spin.Tick, w.tick()}
	switch w.kind {
	case kindSelf:
		w.deadline = w.now.Add(selfCodeLife)
		cmds = append(cmds, w.paste.Focus())
	case kindLoopback, kindPasteURL:
		if w.cons, err = w.c.Cfg.OAuth.NewConsent(p, oauth.ConsentOptions{}); err != nil {
			return w.fail(err)
		}
		if w.kind == kindLoopback {
			cmds = append(cmds, listenCmd(p.RedirectURI, w.cons.State))
		} else {
			w.deadline = time.Time{}
			cmds = append(cmds, w.paste.Focus(), openURLCmd(w.c.Cfg.OpenURL, w.cons.URL))
		}
	case kindDevice:
		cmds = append(cmds, startDeviceCmd(ctx, w.c.Cfg.OAuth, p))
	}
	return tea.Batch(cmds...)
}

// stopGrant cancels a receiver or a device poll in progress.
func (w *wizard) stopGrant() {
	if w.cancel != nil {
		w.cancel()
		w.cancel = nil
	}
	if w.listener != nil {
		w.listener.Close()
		w.listener = nil
	}
	w.paste.Blur()
}

func countGrants(v *vault.Vault, clientID string) tea.Cmd {
	return func() tea.Msg {
		var g vault.GrantCount
		v.View(func(tx *vault.Tx) error { var err error; g, err = tx.LiveGrants(clientID); return err })
		return grantsCountMsg{g}
	}
}

// listenCmd binds the redirect port before the browser opens.
func listenCmd(redirectURI, state string) tea.Cmd {
	return func() tea.Msg {
		r, err := oauth.Listen(redirectURI, state)
		return listeningMsg{r, err}
	}
}

func waitCmd(ctx context.Context, r *oauth.Receiver) tea.Cmd {
	return func() tea.Msg {
		g, err := r.Wait(ctx)
		return grantMsg{g, err}
	}
}

func openURLCmd(open func(string) error, url string) tea.Cmd {
	return func() tea.Msg { return browserMsg{open(url)} }
}

func copyTextCmd(clip Clipboard, text, what string) tea.Cmd {
	return func() tea.Msg {
		if err := clip.Write(text); err != nil {
			return wizCopiedMsg{what: what, osc: text}
		}
		return wizCopiedMsg{what: what}
	}
}

func startDeviceCmd(ctx context.Context, c *oauth.Client, p model.Profile) tea.Cmd {
	return func() tea.Msg {
		d, err := c.StartDevice(ctx, p)
		return deviceCodeMsg{d, err}
	}
}

// pollDeviceCmd polls in a goroutine and reports each poll on a channel;
// the wizard reads it one message at a time.
func pollDeviceCmd(ctx context.Context, c *Common, p model.Profile, d oauth.DeviceCode) tea.Cmd {
	ch := make(chan tea.Msg, 4)
	go func() {
		defer close(ch)
		r, err := c.Cfg.OAuth.PollDevice(ctx, p, d, func(poll oauth.DevicePoll) {
			select {
			case ch <- devicePollMsg{poll: poll, ch: ch}:
			default: // the screen is behind: it shows the next one
			}
		})
		if err != nil {
			ch <- grantMsg{err: err}
			return
		}
		ch <- deviceDoneMsg{r}
	}()
	return c.background(readChan(ch))
}

type deviceDoneMsg struct{ r oauth.Result }

func (deviceDoneMsg) wizard() {}

func readChan(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return nil
		}
		return m
	}
}

// exchangeCmd renames (for an edit), then exchanges the grant and saves.
func exchangeCmd(c *Common, orig *model.Profile, p model.Profile, g oauth.Grant, verifier string, done *oauth.Result) tea.Cmd {
	s := c.App
	return func() tea.Msg {
		ctx, cancel := c.withTimeout(opTimeout)
		defer cancel()
		if orig != nil {
			if err := s.Rename(ctx, orig.Name, p.Name); err != nil {
				return savedProfileMsg{err: err}
			}
		}
		if done != nil { // the device flow already exchanged
			saved, err := s.SaveResult(ctx, p, *done)
			return savedProfileMsg{saved, err}
		}
		saved, err := s.SaveGrant(ctx, p, g, verifier)
		return savedProfileMsg{saved, err}
	}
}

// saveEdit stores an edit that needs no new consent.
func (w *wizard) saveEdit(p model.Profile) tea.Cmd {
	w.step = wsExchange
	s, orig := w.c.App, *w.orig
	return tea.Batch(w.spin.Tick, func() tea.Msg {
		ctx, cancel := w.c.withTimeout(opTimeout)
		defer cancel()
		e, err := s.Edit(ctx, orig, p, "in the dashboard")
		return savedProfileMsg{e.Profile, err}
	})
}

func (w *wizard) fail(err error) tea.Cmd {
	w.stopGrant()
	w.step, w.err = wsFailed, err
	return nil
}

func (w *wizard) grantUpdate(msg wizardMsg) tea.Cmd {
	switch msg := msg.(type) {
	case grantsCountMsg:
		w.grants = msg.g
		if msg.g.Live >= vault.MaxRefreshTokens && w.step == wsGrant {
			return ask(&confirm{about: wizard21stQuestion{}, title: "This consent makes a 21st refresh token",
				body: fmt.Sprintf("ztm holds %d refresh tokens for client %s. Zoho keeps 20 per user and client and silently deletes the oldest when a 21st is made: the one %s has held since %s. Revoke unused ones (d, with revoke) first, or go on.",
					msg.g.Live, w.profile.ClientID, msg.g.OldestProfile, msg.g.OldestAt.Local().Format("2006-01-02")),
				yes: "go on", no: "go back"})
		}
	case listeningMsg:
		if msg.err != nil {
			return w.fail(msg.err)
		}
		if w.step != wsGrant || w.cancel == nil {
			msg.r.Close()
			return nil
		}
		w.listener = msg.r
		ctx, cancel := context.WithCancel(context.Background())
		prev := w.cancel
		w.cancel = func() { cancel(); prev() }
		return tea.Batch(openURLCmd(w.c.Cfg.OpenURL, w.cons.URL), w.c.background(waitCmd(ctx, msg.r)))
	case browserMsg:
		if w.step != wsGrant {
			return nil // the grant came back before the browser reported
		}
		if msg.err != nil {
			w.note = "no browser could be opened (" + msg.err.Error() + "): copy the URL with c and open it wherever you are signed in to Zoho"
		} else {
			w.note = "opened in your browser"
		}
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
	case deviceCodeMsg:
		if msg.err != nil {
			return w.fail(msg.err)
		}
		d := msg.d
		w.device = &d
		if w.cancel == nil {
			return nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		prev := w.cancel
		w.cancel = func() { cancel(); prev() }
		return pollDeviceCmd(ctx, w.c, w.profile, d)
	case devicePollMsg:
		w.poll = msg.poll
		return w.c.background(readChan(msg.ch))
	case deviceDoneMsg:
		w.stopGrant()
		w.step = wsExchange
		r := msg.r
		return tea.Batch(w.spin.Tick, exchangeCmd(w.c, w.orig, w.profile, oauth.Grant{}, "", &r))
	case grantMsg:
		if w.step != wsGrant {
			return nil
		}
		if msg.err != nil {
			if errors.Is(msg.err, context.Canceled) {
				return nil
			}
			return w.fail(msg.err)
		}
		return w.exchange(msg.g)
	case savedProfileMsg:
		if msg.err != nil {
			return w.fail(msg.err)
		}
		w.saved, w.step, w.now = msg.p, wsDone, w.c.Cfg.Now()
	}
	return nil
}

// exchange trades a grant for tokens, after saying if it came from
// another data center than the one chosen.
func (w *wizard) exchange(g oauth.Grant) tea.Cmd {
	w.note = "" // an earlier paste's complaint no longer applies
	if dc, ok := g.OtherDC(w.profile, w.c.Cfg.DCs); ok {
		w.note = fmt.Sprintf("the code came from %s, not %s: ztm exchanges it there and keeps the profile in %s", dc.ID, dcOrCustom(&w.profile), dc.ID)
	}
	w.stopGrant()
	w.step = wsExchange
	w.profile.Token = nil
	if w.orig != nil {
		w.profile.Token = w.orig.Token // so the old refresh token can be retired
	}
	return tea.Batch(w.spin.Tick, exchangeCmd(w.c, w.orig, w.profile, g, w.cons.Verifier, nil))
}

func (w *wizard) exchangeServer() string {
	return strings.TrimPrefix(w.profile.AccountsServer, "https://")
}

// pasted takes a paste from the terminal (bracketed paste) at any time of
// a paste step, focused or not.
func (w *wizard) pasted(text string) tea.Cmd {
	if w.step == wsGrant && (w.kind == kindSelf || w.kind == kindPasteURL || w.kind == kindLoopback) {
		w.paste.SetValue(model.CleanPasted(text))
		return w.paste.Focus()
	}
	for _, in := range w.inputs() {
		if in.Focused() {
			in.SetValue(in.Value() + strings.TrimSpace(text))
		}
	}
	return nil
}

// submitPaste reads the paste box: a code or the URL the browser landed on.
func (w *wizard) submitPaste() tea.Cmd {
	state := w.cons.State
	if w.kind == kindSelf {
		state = ""
	}
	g, err := oauth.ParsePasted(w.paste.Value(), state, w.c.Cfg.DCs)
	if err != nil {
		if errors.Is(err, oauth.ErrAccessDenied) {
			return w.fail(err)
		}
		w.note = err.Error()
		return nil
	}
	return w.exchange(g)
}

func (w *wizard) grantKey(msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	if k == "esc" {
		return w.back()
	}
	switch w.kind {
	case kindSelf, kindPasteURL:
		switch k {
		case "ctrl+o":
			if w.kind == kindSelf {
				_, console := w.consoleFor()
				return openURLCmd(w.c.Cfg.OpenURL, console)
			}
			return openURLCmd(w.c.Cfg.OpenURL, w.cons.URL)
		case "ctrl+y":
			if w.kind == kindSelf {
				return copyTextCmd(w.c.Cfg.Clipboard, model.JoinScopes(w.profile.Scopes), "scopes")
			}
			return copyTextCmd(w.c.Cfg.Clipboard, w.cons.URL, "consent URL")
		case "enter":
			return w.submitPaste()
		}
	case kindLoopback:
		if w.paste.Focused() {
			if k == "enter" {
				return w.submitPaste()
			}
			break
		}
		switch k {
		case "o":
			return openURLCmd(w.c.Cfg.OpenURL, w.cons.URL)
		case "c":
			return copyTextCmd(w.c.Cfg.Clipboard, w.cons.URL, "consent URL")
		case "p":
			return w.paste.Focus()
		}
		return nil
	case kindDevice:
		if w.device == nil {
			return nil
		}
		switch k {
		case "o":
			return openURLCmd(w.c.Cfg.OpenURL, w.device.VerificationURL)
		case "c":
			return copyTextCmd(w.c.Cfg.Clipboard, w.device.UserCode, "code")
		}
		return nil
	}
	var cmd tea.Cmd
	w.paste, cmd = w.paste.Update(msg)
	return cmd
}

func (w *wizard) grantHelp() []key.Binding {
	b := func(k, h string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, h)) }
	switch w.kind {
	case kindSelf:
		return []key.Binding{b("enter", "exchange"), b("ctrl+y", "copy scopes"), b("ctrl+o", "open console"), b("esc", "back")}
	case kindPasteURL:
		return []key.Binding{b("enter", "exchange"), b("ctrl+y", "copy URL"), b("ctrl+o", "open browser"), b("esc", "back")}
	case kindLoopback:
		if w.paste.Focused() {
			return []key.Binding{b("enter", "exchange"), b("esc", "back")}
		}
		return []key.Binding{b("o", "open browser"), b("c", "copy URL"), b("p", "paste the URL instead"), b("esc", "cancel")}
	}
	return []key.Binding{b("o", "open URL"), b("c", "copy code"), b("esc", "cancel")}
}
