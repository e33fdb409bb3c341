package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
)

// clientCredentialsGrant is Zoho's client-credentials grant for a Self
// Client: no person consents; the "grant" is a first token request with
// the client id and secret, the scopes and, for CRM, the org (soid). No
// refresh token comes back: ztm asks again at expiry.
type clientCredentialsGrant struct {
	w *wizard
}

func newClientCredentialsGrant(w *wizard) grantPath { return &clientCredentialsGrant{w: w} }

func (g *clientCredentialsGrant) about() kindAbout {
	return kindAbout{title: "Self Client, client credentials",
		when:   "no consent and no refresh token: ztm asks Zoho for each token with the client id and secret. For servers; CRM also needs the org id.",
		method: model.GrantClientCredentials, waits: true,
		guide: func(*wizard) []string {
			return []string{
				"1. Choose Self Client, then Create Now and OK (there is one per account: skip this if you have it).",
				"2. The Client Secret tab shows the Client ID and the Client Secret: paste them below.",
				"3. For CRM, give the org as ZohoCRM.<org id> (Setup, Company Details, or the org id in CRM's URL).",
			}
		}}
}

// start shows the wait: the flow asks for the first token with the
// client's own credentials; at expiry the vault's refresher asks again the
// same way.
func (g *clientCredentialsGrant) start() tea.Cmd { return nil }

func (g *clientCredentialsGrant) stop()                  {}
func (g *clientCredentialsGrant) capturing() bool        { return false }
func (g *clientCredentialsGrant) update(tea.Msg) tea.Cmd { return nil }

func (g *clientCredentialsGrant) help() []key.Binding { return []key.Binding{g.w.keys.Cancel} }

func (g *clientCredentialsGrant) view() string {
	w := g.w
	b := newLines(w.width)
	b.line(w.spin.View() + " asking " + w.exchangeServer() + " for a token with the client's own credentials…")
	return b.String()
}
