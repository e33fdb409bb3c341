package tui

import (
	"context"
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/oauth"
)

// pasteGrant is the path for a server-based client whose redirect goes
// elsewhere (an existing web app): the person consents in a browser and
// pastes the URL the browser lands on.
type pasteGrant struct {
	w     *wizard
	cons  oauth.Consent
	paste textinput.Model
}

func newPasteGrant(w *wizard) grantPath { return &pasteGrant{w: w, paste: newPasteBox(w)} }

func (g *pasteGrant) pasteBox() *textinput.Model { return &g.paste }

func (g *pasteGrant) about() kindAbout {
	return kindAbout{title: "Server-based, another redirect URI",
		when:   "your app's redirect: you paste the URL the browser lands on. For an existing web app's client.",
		method: model.GrantPasteURL, consent: true,
		guide: func(w *wizard) []string {
			return serverGuide(w, "your app's callback URL; type it below exactly as registered")
		}}
}

func (g *pasteGrant) start(context.Context) tea.Cmd {
	var err error
	if g.cons, err = g.w.c.Cfg.OAuth.NewConsent(g.w.profile, oauth.ConsentOptions{}); err != nil {
		return g.w.fail(err)
	}
	return tea.Batch(g.paste.Focus(), g.w.openURL(g.cons.URL, &g.w.keys.CopyURL))
}

func (g *pasteGrant) stop()           { g.paste.Blur() }
func (g *pasteGrant) capturing() bool { return true }

func (g *pasteGrant) update(msg tea.Msg) tea.Cmd {
	k := g.w.keys
	switch msg := msg.(type) {
	case tea.PasteMsg:
		g.paste.SetValue(model.CleanPasted(msg.Content))
		return nil
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Submit):
			return submitRedirect(g.w, g.paste.Value(), g.cons)
		case key.Matches(msg, k.OpenBrowser):
			return g.w.openURL(g.cons.URL, &k.CopyURL)
		case key.Matches(msg, k.CopyURL):
			return g.w.copyText(g.cons.URL, "consent URL")
		}
		var cmd tea.Cmd
		g.paste, cmd = g.paste.Update(msg)
		return cmd
	}
	return nil
}

func (g *pasteGrant) help() []key.Binding {
	k := g.w.keys
	return []key.Binding{k.Submit, k.CopyURL, k.OpenBrowser, k.Back}
}

func (g *pasteGrant) view() string {
	w := g.w
	b := newLines(w.width)
	b.line("Open this URL where you are signed in to Zoho, and accept:")
	b.url(g.cons.URL)
	b.blank()
	b.line("The browser then lands on " + w.profile.RedirectURI + " (the page may not load: that is fine). Paste the whole URL from the address bar:")
	b.raw("\n    " + g.paste.View() + "\n")
	return b.String()
}

// submitRedirect reads a pasted redirect URL and exchanges its code. A URL
// that sends the code to a server ztm does not know as Zoho's is still
// handed to the save, which refuses it before any secret leaves; the
// wizard then stays on this step with the paste kept.
func submitRedirect(w *wizard, pasted string, cons oauth.Consent) tea.Cmd {
	g, err := oauth.ParsePasted(pasted, cons.State, w.c.Cfg.DCs)
	if err != nil {
		if errors.Is(err, oauth.ErrAccessDenied) {
			return w.fail(err)
		}
		w.note = err.Error()
		return nil
	}
	return w.exchange(g, cons.Verifier, unknownServer(w, g))
}

// unknownServer says the grant names an accounts server that is neither
// the profile's nor any data center's.
func unknownServer(w *wizard, g oauth.Grant) bool {
	if g.AccountsServer == "" || sameServer(g.AccountsServer, w.profile.AccountsServer) {
		return false
	}
	_, known := w.c.Cfg.DCs.ByAccountsServer(g.AccountsServer)
	return !known
}

func sameServer(a, b string) bool {
	return strings.EqualFold(model.NormalizeServerURL(a), model.NormalizeServerURL(b))
}

// serverGuide is the console steps for a server-based client.
func serverGuide(w *wizard, redirect string) []string {
	return []string{
		"1. Add Client, then Server-based Applications.",
		"2. Client Name: letters, digits, _ and & only, such as " + clientName(w.name.Value()) + ".",
		"3. Homepage URL: any page of yours, such as https://example.com.",
		"4. Authorized Redirect URIs: " + redirect + ".",
		"5. Create, then paste the Client ID and Client Secret below.",
	}
}
