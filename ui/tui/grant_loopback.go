package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/ui/app"
)

// loopbackGrant is the path for a server-based client registered with a
// http://localhost redirect: the flow listens there while the person
// consents. A browser on another machine cannot reach it, so the URL it
// lands on can be pasted instead (the flow takes whichever comes first).
type loopbackGrant struct {
	w       *wizard
	url     string // the consent page, once the flow has made it
	waiting bool   // the flow listens
	paste   textinput.Model
}

func newLoopbackGrant(w *wizard) grantPath { return &loopbackGrant{w: w, paste: newPasteBox(w)} }

func (g *loopbackGrant) pasteBox() *textinput.Model { return &g.paste }

func (g *loopbackGrant) about() kindAbout {
	return kindAbout{title: "Server-based, ztm catches the redirect",
		when:   "ztm listens on localhost while you consent in the browser. For a machine with a browser.",
		method: model.GrantLoopback, consent: true, waits: true, code: true,
		guide: func(w *wizard) []string {
			return serverGuide(w, w.loopbackRedirect()+", exactly, port included: ztm listens there while you consent")
		}}
}

func (g *loopbackGrant) start() tea.Cmd  { return nil }
func (g *loopbackGrant) stop()           { g.paste.Blur() }
func (g *loopbackGrant) capturing() bool { return g.paste.Focused() }

func (g *loopbackGrant) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case flowStepMsg:
		switch msg.step.Stage {
		case app.StageConsentURL:
			g.url = msg.step.URL
		case app.StageBrowser:
			g.w.browserStep(msg.step, &g.w.keys.CopyURLPlain)
		case app.StageWaiting:
			g.waiting = true
		}
		return nil
	case flowAskMsg:
		g.w.refused(msg)
		return nil
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
			return g.w.submitPaste(g.paste.Value())
		}
		var cmd tea.Cmd
		g.paste, cmd = g.paste.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.OpenBrowserPlain):
		return g.w.openURL(g.url, &k.CopyURLPlain)
	case key.Matches(msg, k.CopyURLPlain):
		return g.w.copyText(g.url, "consent URL")
	case key.Matches(msg, k.PasteInstead):
		return g.paste.Focus()
	}
	return nil
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
	b.url(g.url)
	b.blank()
	if g.waiting {
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
