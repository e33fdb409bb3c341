package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/ui/app"
)

// pasteGrant is the path for a server-based client whose redirect goes
// elsewhere (an existing web app): the person consents in a browser and
// pastes the URL the browser lands on.
type pasteGrant struct {
	w     *wizard
	url   string // the consent page, once the flow has made it
	paste textinput.Model
}

func newPasteGrant(w *wizard) grantPath { return &pasteGrant{w: w, paste: newPasteBox(w)} }

func (g *pasteGrant) pasteBox() *textinput.Model { return &g.paste }

func (g *pasteGrant) about() kindAbout {
	return kindAbout{title: "Server-based, another redirect URI",
		when:   "your app's redirect: you paste the URL the browser lands on. For an existing web app's client.",
		method: model.GrantPasteURL, consent: true, code: true,
		guide: func(w *wizard) []string {
			return serverGuide(w, "your app's callback URL; type it below exactly as registered")
		}}
}

func (g *pasteGrant) start() tea.Cmd  { return g.paste.Focus() }
func (g *pasteGrant) stop()           { g.paste.Blur() }
func (g *pasteGrant) capturing() bool { return true }

func (g *pasteGrant) update(msg tea.Msg) tea.Cmd {
	k := g.w.keys
	switch msg := msg.(type) {
	case flowStepMsg:
		switch msg.step.Stage {
		case app.StageConsentURL:
			g.url = msg.step.URL
		case app.StageBrowser:
			g.w.browserStep(msg.step, &k.CopyURL)
		}
		return nil
	case flowAskMsg:
		g.w.refused(msg)
		return nil
	case tea.PasteMsg:
		g.paste.SetValue(model.CleanPasted(msg.Content))
		return nil
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Submit):
			return g.w.submitPaste(g.paste.Value())
		case key.Matches(msg, k.OpenBrowser):
			return g.w.openURL(g.url, &k.CopyURL)
		case key.Matches(msg, k.CopyURL):
			return g.w.copyText(g.url, "consent URL")
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
	b.url(g.url)
	b.blank()
	b.line("The browser then lands on " + w.profile.RedirectURI + " (the page may not load: that is fine). Paste the whole URL from the address bar:")
	b.raw("\n    " + g.paste.View() + "\n")
	return b.String()
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
