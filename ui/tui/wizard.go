package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/oauth"
	"ztm/vault"
)

// wizStep is a page of the guided set-up.
type wizStep int

const (
	wsName     wizStep = iota // name and data center
	wsType                    // client type and consent
	wsRegister                // the API Console guide, redirect, client id and secret
	wsScopes                  // scopes
	wsGrant                   // getting the grant, one of four ways
	wsExchange                // exchanging the code and saving
	wsDone                    // success
	wsFailed                  // what went wrong and the ways out
)

var stepTitles = map[wizStep]string{
	wsName: "Name and data center", wsType: "Client type", wsRegister: "Register the client",
	wsScopes: "Scopes", wsGrant: "Get the grant", wsExchange: "Exchange", wsDone: "Done", wsFailed: "Something went wrong",
}

// grantKind is the wizard's choice of client and grant path.
type grantKind int

const (
	kindSelf     grantKind = iota // Self Client: paste a code from the console
	kindLoopback                  // server-based, ztm catches the redirect on localhost
	kindPasteURL                  // server-based, user pastes the URL they land on
	kindDevice                    // Non-browser: device flow
)

var kindInfo = []struct{ title, when string }{
	{"Self Client", "no redirect: you generate a code in the console and paste it here. For your own scripts."},
	{"Server-based, ztm catches the redirect", "ztm listens on localhost while you consent in the browser. For a machine with a browser."},
	{"Server-based, another redirect URI", "your app's redirect: you paste the URL the browser lands on. For an existing web app's client."},
	{"Non-browser (device flow)", "you type a short code on any device's browser. For SSH sessions and headless machines."},
}

// wizardMsg marks messages for the wizard, so the app routes them to it.
type wizardMsg interface{ wizard() }

// wizTickMsg drives the wizard's countdowns.
type wizTickMsg time.Time

func (wizTickMsg) wizard() {}

// wizard is the guided set-up: adding a profile, editing one, or getting
// a new grant for one. Everything typed stays in its fields when a step
// fails, so going back or retrying loses nothing.
type wizard struct {
	c           *Common
	orig        *model.Profile // the profile being edited; nil when adding
	consentOnly bool
	// taken holds the names in use (lower case), known when the wizard
	// opened; the vault refuses a duplicate anyway.
	taken map[string]bool
	step  wizStep
	focus int

	name, server, port, redirect, clientID, secret, scopes, paste textinput.Model
	dcIndex                                                       int // into dcChoices; the last is "custom"
	kind                                                          grantKind
	consent                                                       model.Consent
	pickCursor                                                    int
	items                                                         []pickItem

	// Grant state; cancel stops a receiver or a device poll.
	cons     oauth.Consent
	cancel   context.CancelFunc
	listener *oauth.Receiver
	device   *oauth.DeviceCode
	poll     oauth.DevicePoll
	deadline time.Time // when a pasted code has surely expired
	grants   vault.GrantCount
	note     string // what happened with the browser or the clipboard
	profile  model.Profile

	err   error
	saved model.Profile
	spin  spinner.Model
	now   time.Time

	width, height int
}

func newWizard(c *Common, p *model.Profile, consentOnly bool, names []string) *wizard {
	in := func(placeholder string, limit int) textinput.Model {
		t := c.newInput()
		t.Placeholder = placeholder
		t.CharLimit = limit
		t.Prompt = ""
		return t
	}
	w := &wizard{c: c, orig: p, consentOnly: consentOnly, consent: model.UserConsent,
		name: in("crm-eu", 64), server: in("https://accounts.example.com", 200), port: in("8765", 5),
		redirect: in("https://app.example.com/oauth/callback", 500), clientID: in("1000.XXXXXXXXXXXX", 80),
		secret: in("from the Client Secret tab", 200), scopes: in("ZohoCRM.modules.ALL,AaaServer.profile.READ", 2000),
		paste: in("paste here", 4000), items: pickItems(catalogue()), now: c.Cfg.Now(),
		spin: spinner.New(spinner.WithSpinner(spinner.Dot))}
	w.taken = map[string]bool{}
	for _, n := range names {
		w.taken[strings.ToLower(n)] = true
	}
	w.secret.EchoMode = textinput.EchoPassword
	w.secret.EchoCharacter = '•'
	w.port.SetValue("8765")
	w.scopes.SetValue("AaaServer.profile.READ")
	if p != nil {
		w.load(*p)
	}
	return w
}

// load fills the fields from an existing profile.
func (w *wizard) load(p model.Profile) {
	w.name.SetValue(p.Name)
	w.dcIndex = len(w.dcChoices()) - 1
	for i, dc := range w.dcChoices() {
		if dc.ID != "" && strings.EqualFold(dc.ID, p.DC) {
			w.dcIndex = i
		}
	}
	w.server.SetValue(p.AccountsServer)
	w.clientID.SetValue(p.ClientID)
	w.secret.SetValue(p.ClientSecret)
	w.scopes.SetValue(model.JoinScopes(p.Scopes))
	w.consent = p.Consent
	switch p.GrantMethod() {
	case model.GrantPasteCode:
		w.kind = kindSelf
	case model.GrantDeviceFlow:
		w.kind = kindDevice
	case model.GrantLoopback:
		w.kind = kindLoopback
		port, _, _ := model.LoopbackRedirect(p.RedirectURI)
		w.port.SetValue(fmt.Sprint(port))
	default:
		w.kind = kindPasteURL
		w.redirect.SetValue(p.RedirectURI)
	}
}

// dcChoices is the data centers, then a custom accounts server.
func (w *wizard) dcChoices() []model.DataCenter {
	return append(w.c.Cfg.DCs.All(), model.DataCenter{Name: "Another accounts server (URL)"})
}

func (w *wizard) Init() tea.Cmd {
	if w.consentOnly {
		return w.enterGrant()
	}
	w.step = wsName
	return tea.Batch(w.focusField(0), w.tick())
}

func (w *wizard) tick() tea.Cmd {
	return w.c.after(time.Second, func(t time.Time) tea.Msg { return wizTickMsg(t) })
}

func (w *wizard) SetSize(width, height int) {
	w.width, w.height = width, height
	for _, in := range w.inputs() {
		in.SetWidth(min(width-24, 70))
	}
}

func (w *wizard) inputs() []*textinput.Model {
	return []*textinput.Model{&w.name, &w.server, &w.port, &w.redirect, &w.clientID, &w.secret, &w.scopes, &w.paste}
}

// Capturing: text fields take every key, including q and ?.
func (w *wizard) Capturing() bool {
	for _, in := range w.inputs() {
		if in.Focused() {
			return true
		}
	}
	return false
}

func (w *wizard) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case wizTickMsg:
		w.now = w.c.Cfg.Now()
		return w, w.tick()
	case spinner.TickMsg:
		// The grant step's spinner turns from the start: the first tick
		// comes before the receiver listens or the device code is in.
		if w.step != wsExchange && !(w.step == wsGrant && (w.kind == kindLoopback || w.kind == kindDevice)) {
			return w, nil
		}
		return w, w.c.spinFrame(&w.spin, msg)
	case tea.KeyPressMsg:
		return w, w.key(msg)
	case tea.PasteMsg:
		return w, w.pasted(msg.Content)
	case confirmMsg:
		if _, ok := msg.about.(wizard21stQuestion); ok && !msg.yes {
			return w, w.back()
		}
		return w, nil
	}
	if m, ok := msg.(wizardMsg); ok {
		return w, w.grantUpdate(m)
	}
	return w, nil
}

func (w *wizard) key(msg tea.KeyPressMsg) tea.Cmd {
	switch w.step {
	case wsGrant:
		return w.grantKey(msg)
	case wsExchange:
		return nil
	case wsDone:
		if msg.String() == "enter" || msg.String() == "esc" {
			name := w.saved.Name
			return func() tea.Msg { return wizardDoneMsg{saved: name} }
		}
		return nil
	case wsFailed:
		switch msg.String() {
		case "r", "enter":
			return w.enterGrant()
		case "b":
			w.step = wsRegister
			return w.focusField(0)
		case "esc", "q":
			return w.quit()
		}
		return nil
	}
	if msg.String() == "esc" {
		return w.back()
	}
	return w.formKey(msg)
}

// back goes to the previous step, stopping any grant in progress; from the
// first step (or a grant-only wizard) it closes the wizard.
func (w *wizard) back() tea.Cmd {
	w.stopGrant()
	if w.step == wsName || w.consentOnly && w.step >= wsGrant {
		return w.quit()
	}
	if w.step >= wsGrant {
		w.step = wsScopes
	} else {
		w.step--
	}
	return w.focusField(0)
}

func (w *wizard) quit() tea.Cmd {
	w.stopGrant()
	return func() tea.Msg { return wizardDoneMsg{} }
}

func (w *wizard) Help() []key.Binding {
	b := func(k, h string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, h)) }
	switch w.step {
	case wsGrant:
		return w.grantHelp()
	case wsExchange:
		return nil
	case wsDone:
		return []key.Binding{b("enter", "to the dashboard")}
	case wsFailed:
		return []key.Binding{b("r", "try again"), b("b", "back to the client details"), b("esc", "cancel")}
	case wsScopes:
		return []key.Binding{b("tab", "catalogue/field"), b("space", "pick"), b("enter", "next"), b("esc", "back")}
	}
	return []key.Binding{b("tab", "next field"), b("enter", "next"), b("esc", "back")}
}

func (w *wizard) title() string {
	verb := "Add a profile"
	switch {
	case w.consentOnly:
		verb = "New consent for " + w.orig.Name
	case w.orig != nil:
		verb = "Edit " + w.orig.Name
	}
	if w.step <= wsScopes {
		return fmt.Sprintf("%s · step %d of 5: %s", verb, int(w.step)+1, stepTitles[w.step])
	}
	return verb + " · " + stepTitles[w.step]
}

func (w *wizard) View() string {
	s := w.c.Styles
	var body string
	switch w.step {
	case wsName:
		body = w.viewName()
	case wsType:
		body = w.viewType()
	case wsRegister:
		body = w.viewRegister()
	case wsScopes:
		body = w.viewScopes()
	case wsGrant:
		body = w.viewGrant()
	case wsExchange:
		body = "  " + w.spin.View() + " exchanging the code at " + w.exchangeServer() + "…"
	case wsDone:
		body = w.viewDone()
	case wsFailed:
		body = w.viewFailed()
	}
	return "\n  " + s.Title.Render(truncate(w.title(), w.width-4)) + "\n\n" + body
}
