package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/oauth"
)

// loopbackWait bounds the wait for the browser to come back: a consent
// nobody finishes must not hold the port for ever.
const loopbackWait = 15 * time.Minute

// loopbackGrant is the path for a server-based client registered with a
// http://localhost redirect: ztm listens there while the person consents.
// A browser on another machine cannot reach it, so the URL it lands on
// can be pasted instead.
type loopbackGrant struct {
	w        *wizard
	ctx      context.Context
	cons     oauth.Consent
	listener *oauth.Receiver
	paste    textinput.Model
}

// Messages of the loopback path.
type (
	listeningMsg struct {
		r   *oauth.Receiver
		err error
	}
	caughtMsg struct {
		g   oauth.Grant
		err error
	}
)

func newLoopbackGrant(w *wizard) grantPath { return &loopbackGrant{w: w, paste: newPasteBox(w)} }

func (g *loopbackGrant) pasteBox() *textinput.Model { return &g.paste }

func (g *loopbackGrant) about() kindAbout {
	return kindAbout{title: "Server-based, ztm catches the redirect",
		when:   "ztm listens on localhost while you consent in the browser. For a machine with a browser.",
		method: model.GrantLoopback, consent: true, waits: true,
		guide: func(w *wizard) []string {
			return serverGuide(w, w.loopbackRedirect()+", exactly, port included: ztm listens there while you consent")
		}}
}

func (g *loopbackGrant) start(ctx context.Context) tea.Cmd {
	g.ctx = ctx
	var err error
	if g.cons, err = g.w.c.Cfg.OAuth.NewConsent(g.w.profile, oauth.ConsentOptions{}); err != nil {
		return g.w.fail(err)
	}
	// Bind the port before the browser opens, or the redirect finds nobody.
	redirect, state := g.w.profile.RedirectURI, g.cons.State
	return func() tea.Msg {
		r, err := oauth.Listen(redirect, state)
		return tagged(g, listeningMsg{r, err})
	}
}

func (g *loopbackGrant) stop() {
	if g.listener != nil {
		g.listener.Close()
		g.listener = nil
	}
	g.paste.Blur()
}

func (g *loopbackGrant) capturing() bool { return g.paste.Focused() }

func (g *loopbackGrant) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case listeningMsg:
		if msg.err != nil {
			return g.w.fail(msg.err)
		}
		g.listener = msg.r
		return tea.Batch(g.w.openURL(g.cons.URL, &g.w.keys.CopyURLPlain), g.w.c.background(waitCmd(g.ctx, g, msg.r)))
	case caughtMsg:
		if errors.Is(msg.err, context.Canceled) {
			return nil
		}
		if errors.Is(msg.err, context.DeadlineExceeded) {
			return g.w.fail(fmt.Errorf("no answer from the browser in %s: %s", model.FormatRemaining(loopbackWait), hint(g.w.keys.Retry, "start again")))
		}
		if msg.err != nil {
			return g.w.fail(msg.err)
		}
		return g.w.exchange(msg.g, g.cons.Verifier, false)
	case tea.PasteMsg:
		g.paste.SetValue(model.CleanPasted(msg.Content))
		return g.paste.Focus()
	case tea.KeyPressMsg:
		return g.key(msg)
	}
	return nil
}

func (g *loopbackGrant) key(msg tea.KeyPressMsg) tea.Cmd {
	k := g.w.keys
	if g.paste.Focused() {
		if key.Matches(msg, k.Submit) {
			return submitRedirect(g.w, g.paste.Value(), g.cons)
		}
		var cmd tea.Cmd
		g.paste, cmd = g.paste.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.OpenBrowserPlain):
		return g.w.openURL(g.cons.URL, &k.CopyURLPlain)
	case key.Matches(msg, k.CopyURLPlain):
		return g.w.copyText(g.cons.URL, "consent URL")
	case key.Matches(msg, k.PasteInstead):
		return g.paste.Focus()
	}
	return nil
}

// waitCmd waits for the browser to come back to the receiver.
func waitCmd(ctx context.Context, from grantPath, r *oauth.Receiver) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, loopbackWait)
		defer cancel()
		gr, err := r.Wait(ctx)
		return tagged(from, caughtMsg{gr, err})
	}
}

func (g *loopbackGrant) help() []key.Binding {
	k := g.w.keys
	if g.paste.Focused() {
		return []key.Binding{k.Submit, k.Back}
	}
	return []key.Binding{k.OpenBrowserPlain, k.CopyURLPlain, k.PasteInstead, k.Cancel}
}

func (g *loopbackGrant) view() string {
	w, s := g.w, g.w.c.Styles
	b := newLines(w.width)
	b.line("Consent in the browser: ztm is listening on " + s.Accent.Render(w.profile.RedirectURI))
	b.url(g.cons.URL)
	b.blank()
	if g.listener != nil {
		b.line(w.spin.View() + " waiting for Zoho to send the browser back…")
	}
	if g.paste.Focused() {
		b.line("Paste the URL the browser landed on:")
		b.raw("\n    " + g.paste.View() + "\n")
	} else {
		b.line(s.Faint.Render("Browser on another machine? Press " + keyName(w.keys.PasteInstead) + " and paste the URL it landed on."))
	}
	return b.String()
}

// loopbackRedirect is the redirect URI the port field describes.
func (w *wizard) loopbackRedirect() string {
	return "http://localhost:" + strings.TrimSpace(w.port.Value()) + "/callback"
}
