package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/huh/v2"
)

// WizardKeys holds every key of the wizard (KeyMap.Wizard). The footer, the notes that
// name a key ("copy it with ctrl+y") and Update all read these bindings,
// so what the screen says is what the keys do.
type WizardKeys struct {
	// The form steps.
	NextStep, NextField, PrevField, Back key.Binding
	// The register step; OpenConsole is also the Self Client's grant step.
	OpenConsole, CopyConsole, CopyRedirect key.Binding
	// The scope picker: huh's own bindings, so help matches what it does.
	Toggle, Filter key.Binding

	// The grant step. Where a text field has the keys, only control keys
	// act; elsewhere plain letters do.
	Submit, CopyScopes, CopyURL, OpenBrowser     key.Binding
	OpenBrowserPlain, CopyURLPlain, PasteInstead key.Binding
	OpenPage, CopyCode, Cancel                   key.Binding
	Finish, Retry, BackToClient, Close           key.Binding
	formKeys                                     *huh.KeyMap
}

func newWizardKeys() WizardKeys {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	fk := huh.NewDefaultKeyMap()
	// ctrl+c is the program's: it quits from anywhere.
	fk.Quit.SetEnabled(false)
	toggle, filter := fk.MultiSelect.Toggle, fk.MultiSelect.Filter
	toggle.SetHelp("space", "tick")
	return WizardKeys{
		NextStep:  b("enter", "next", "enter"),
		NextField: b("tab", "next field", "tab"),
		PrevField: b("shift+tab", "previous field", "shift+tab"),
		Back:      b("esc", "back", "esc"),

		OpenConsole:  b("ctrl+o", "open console", "ctrl+o"),
		CopyConsole:  b("ctrl+y", "copy console URL", "ctrl+y"),
		CopyRedirect: b("ctrl+r", "copy redirect URI", "ctrl+r"),
		Toggle:       toggle,
		Filter:       filter,

		Submit:           b("enter", "exchange", "enter"),
		CopyScopes:       b("ctrl+y", "copy scopes", "ctrl+y"),
		CopyURL:          b("ctrl+y", "copy URL", "ctrl+y"),
		OpenBrowser:      b("ctrl+o", "open browser", "ctrl+o"),
		OpenBrowserPlain: b("o", "open browser", "o"),
		CopyURLPlain:     b("c", "copy URL", "c"),
		PasteInstead:     b("p", "paste the URL instead", "p"),
		OpenPage:         b("o", "open URL", "o"),
		CopyCode:         b("c", "copy code", "c"),
		Cancel:           b("esc", "cancel", "esc"),

		Finish:       b("enter", "to the dashboard", "enter", "esc"),
		Retry:        b("r", "try again", "r", "enter"),
		BackToClient: b("b", "back to the client details", "b"),
		Close:        b("esc", "cancel", "esc", "q"),
		formKeys:     fk,
	}
}
