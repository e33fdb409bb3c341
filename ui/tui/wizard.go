package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"ztm/model"
	"ztm/oauth"
	"ztm/ui/app"
	"ztm/vault"
)

// wizStep is a page of the guided set-up.
type wizStep int

const (
	wsName     wizStep = iota // name, data center, environment
	wsType                    // client type and consent
	wsRegister                // the API Console guide, redirect, client id and secret
	wsScopes                  // scopes, tags and notes
	wsGrant                   // getting the grant, one grantPath per kind
	wsExchange                // exchanging the code and saving
	wsDone                    // success
	wsFailed                  // what went wrong and the ways out
)

var stepTitles = map[wizStep]string{
	wsName: "Name and data center", wsType: "Client type", wsRegister: "Register the client",
	wsScopes: "Scopes, tags and notes", wsGrant: "Get the grant", wsExchange: "Exchange", wsDone: "Done", wsFailed: "Something went wrong",
}

// wizardMsg marks messages for the wizard, so the app routes them to it.
type wizardMsg interface{ wizard() }

// wizard is the guided set-up: adding a profile, editing one, or getting
// a new grant for one. Everything typed stays in its fields when a step
// fails, so going back or retrying loses nothing.
type wizard struct {
	c           *Common
	keys        WizardKeys
	orig        *model.Profile // the profile being edited; nil when adding
	consentOnly bool
	// taken holds the names in use (lower case), known when the wizard
	// opened; the vault refuses a duplicate anyway.
	taken map[string]bool
	step  wizStep

	// The form's values (steps 1 to 4).
	name, server, port, redirect, clientID, secret, soid text
	otherScopes, tags, notes                             text
	dcIndex                                              int // into dcChoices; the last is "custom"
	env                                                  model.Environment
	kind                                                 grantKind
	consent                                              model.Consent
	picked                                               []string // scopes ticked in the catalogue
	scopeOrder                                           []string // the scopes' order when loaded
	secretEcho                                           huh.EchoMode

	// The current step's form; focus is its focused field.
	form              *huh.Form
	group             *huh.Group
	kindSelect        *huh.Select[grantKind]
	focus, fieldCount int
	shape             string
	note              string // what is wrong, or what happened with the browser or clipboard

	// The grant step: one attempt at a time.
	path    grantPath
	run     *flowRun // the attempt's flow
	profile model.Profile
	grants  vault.GrantCount
	doing   string // what the exchange step waits for
	// exchNote is what the flow found out before the exchange (a code
	// from another data center), for the last page.
	exchNote string
	// tickGen names the live tick chain: a tick of an older one is not
	// re-armed.
	tickGen int

	err     error
	savedAs model.Profile
	spin    busy
	now     time.Time

	width, height int
}

func newWizard(c *Common, p *model.Profile, consentOnly bool, names []string) *wizard {
	w := &wizard{c: c, keys: c.Keys.Wizard, orig: p, consentOnly: consentOnly, consent: model.UserConsent,
		env: model.Production, now: c.Cfg.Now(), secretEcho: huh.EchoModePassword,
		spin: newBusy(c, spinner.Dot)}
	w.taken = map[string]bool{}
	for _, n := range names {
		w.taken[strings.ToLower(n)] = true
	}
	w.port.SetValue("8765")
	w.loadScopes([]string{oauth.UserInfoScope})
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
	w.soid.SetValue(p.SOID)
	w.loadScopes(p.Scopes)
	w.tags.SetValue(strings.Join(p.Tags, ", "))
	w.notes.SetValue(p.Notes)
	w.env = p.Environment.OrDefault()
	w.consent = p.Consent
	w.kind = kindOf(p.GrantMethod())
	switch w.kind {
	case kindLoopback:
		port, _, _ := model.LoopbackRedirect(p.RedirectURI)
		w.port.SetValue(fmt.Sprint(port))
	case kindPasteURL:
		w.redirect.SetValue(p.RedirectURI)
	}
}

// dcChoices is the data centers, then a custom accounts server.
func (w *wizard) dcChoices() []model.DataCenter {
	return append(w.c.Cfg.DCs.All(), model.DataCenter{Name: "Another accounts server (URL)"})
}

func (w *wizard) customDC() bool { return w.dcIndex == len(w.dcChoices())-1 }

func (w *wizard) Init() tea.Cmd {
	if w.consentOnly {
		return w.enterGrant()
	}
	w.setStep(wsName)
	return nil
}

// setStep opens a step: a fresh form for the form steps, and no message
// left from the step before.
func (w *wizard) setStep(s wizStep) {
	w.step, w.note, w.focus = s, "", 0
	w.buildForm()
}

func (w *wizard) SetSize(width, height int) {
	w.width, w.height = width, height
	if w.form != nil {
		w.buildForm()
	}
}

// Capturing: text fields (and a list's filter) take every key, including
// q and ?.
func (w *wizard) Capturing() bool {
	switch w.step {
	case wsName, wsType, wsRegister, wsScopes:
		if w.form == nil {
			return false
		}
		_, typing := w.form.GetFocusedField().(*huh.Input)
		return typing || w.filtering()
	case wsGrant:
		return w.path != nil && w.path.capturing()
	}
	return false
}

func (w *wizard) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case spinFrameMsg:
		// The spinner turns only while one is drawn: its chain ends at the
		// first frame nobody sees.
		if !w.spinning() {
			w.spin.stop()
		}
		cmd, _ := w.spin.frame(w.c, msg)
		return w, cmd
	case tea.KeyPressMsg:
		return w, w.key(msg)
	case tea.PasteMsg:
		return w, w.pasted(msg)
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

// spinning says the step draws the spinner: the exchange, and a grant
// path that waits on Zoho or a browser.
func (w *wizard) spinning() bool {
	return w.step == wsExchange || w.step == wsGrant && w.path != nil && w.path.about().waits
}

// restyle follows the terminal's background (the form's theme reads the
// styles when drawn).
func (w *wizard) restyle() {
	w.spin.restyle(w.c)
	if p, ok := w.path.(interface{ pasteBox() *textinput.Model }); ok {
		w.c.styleInput(p.pasteBox())
	}
}

func (w *wizard) key(msg tea.KeyPressMsg) tea.Cmd {
	k := w.keys
	switch w.step {
	case wsGrant:
		if key.Matches(msg, k.Back) {
			return w.back()
		}
		return w.path.update(msg)
	case wsExchange:
		return nil
	case wsDone:
		if key.Matches(msg, k.Finish) {
			name := w.savedAs.Name
			return func() tea.Msg { return wizardDoneMsg{saved: name} }
		}
		return nil
	case wsFailed:
		switch {
		case key.Matches(msg, k.Retry):
			return w.enterGrant()
		case key.Matches(msg, k.BackToClient):
			w.setStep(wsRegister)
		case key.Matches(msg, k.Close):
			return w.quit()
		}
		return nil
	}
	return w.formKey(msg)
}

// pasted takes a bracketed paste: into the focused field of a form step,
// or the grant step's paste box.
func (w *wizard) pasted(msg tea.PasteMsg) tea.Cmd {
	switch w.step {
	case wsGrant:
		return w.path.update(msg)
	case wsName, wsType, wsRegister, wsScopes:
		w.form.Update(tea.PasteMsg{Content: strings.TrimSpace(msg.Content)})
		w.afterFormUpdate()
	}
	return nil
}

// back goes to the previous step, stopping any grant in progress; from the
// first step (or a grant-only wizard) it closes the wizard.
func (w *wizard) back() tea.Cmd {
	w.stopGrant()
	if w.step == wsName || w.consentOnly && w.step >= wsGrant {
		return w.quit()
	}
	if w.step >= wsGrant {
		w.setStep(wsScopes)
	} else {
		w.setStep(w.step - 1)
	}
	return nil
}

func (w *wizard) quit() tea.Cmd {
	w.stopGrant()
	return func() tea.Msg { return wizardDoneMsg{} }
}

func (w *wizard) Help() []key.Binding {
	k := w.keys
	switch w.step {
	case wsGrant:
		return w.path.help()
	case wsExchange:
		return nil
	case wsDone:
		return []key.Binding{k.Finish}
	case wsFailed:
		return []key.Binding{k.Retry, k.BackToClient, k.Close}
	case wsRegister:
		keys := []key.Binding{k.NextField, k.NextStep, k.OpenConsole, k.CopyConsole}
		if w.kind == kindLoopback {
			keys = append(keys, k.CopyRedirect)
		}
		return append(keys, k.Back)
	case wsScopes:
		if w.focus == 0 {
			return []key.Binding{k.Toggle, k.Filter, k.NextField, k.NextStep, k.Back}
		}
	}
	return []key.Binding{k.NextField, k.NextStep, k.Back}
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
	case wsName, wsType, wsRegister, wsScopes:
		body = w.viewForm()
	case wsGrant:
		body = w.viewGrant()
	case wsExchange:
		body = "  " + w.spin.View() + " " + w.doing + "…"
	case wsDone:
		body = w.viewDone()
	case wsFailed:
		body = w.viewFailed()
	}
	return "\n  " + s.Title.Render(truncate(w.title(), w.width-4)) + "\n\n" + body
}

// next moves on from the scopes: to the grant, or for an edit that needs
// no new consent, to the save.
func (w *wizard) afterScopes() tea.Cmd {
	p, err := w.build()
	if err != nil {
		w.note = err.Error()
		return nil
	}
	if w.orig != nil && app.CanRefresh(*w.orig) && !app.NeedsConsent(*w.orig, p) {
		return w.saveEdit(p)
	}
	return w.enterGrant()
}
