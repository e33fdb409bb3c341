package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// Keys of the form steps: enter goes on to the next step from any field,
// tab and shift+tab move between fields, esc goes back; everything else
// is the focused field's (typing, arrows, the scope picker's tick and
// filter).

func (w *wizard) formKey(msg tea.KeyPressMsg) tea.Cmd {
	k := w.keys
	if w.form == nil {
		return nil
	}
	if w.filtering() {
		// A filter being typed takes every key, enter and esc included.
		w.form.Update(msg)
		w.afterFormUpdate()
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		return w.back()
	case key.Matches(msg, k.NextStep):
		return w.submitStep()
	case key.Matches(msg, k.NextField):
		w.moveFocus(1)
		return nil
	case key.Matches(msg, k.PrevField):
		w.moveFocus(-1)
		return nil
	case w.step == wsRegister && key.Matches(msg, k.OpenConsole):
		_, console := w.consoleFor()
		return w.openURL(console, &k.CopyConsole)
	case w.step == wsRegister && key.Matches(msg, k.CopyConsole):
		_, console := w.consoleFor()
		return w.copyText(console, "console URL")
	case w.step == wsRegister && w.kind == kindLoopback && key.Matches(msg, k.CopyRedirect):
		return w.copyText(w.loopbackRedirect(), "redirect URI")
	}
	w.form.Update(msg)
	w.afterFormUpdate()
	return nil
}

// filtering says the focused field is a list with its filter open.
func (w *wizard) filtering() bool {
	switch f := w.form.GetFocusedField().(type) {
	case *huh.MultiSelect[string]:
		return f.GetFiltering()
	case *huh.Select[int]:
		return f.GetFiltering()
	case *huh.Select[grantKind]:
		return f.GetFiltering()
	}
	return false
}

// afterFormUpdate follows what a key changed: a field that appears or
// goes (the custom server, the consent choice) rebuilds the form; the
// client type's description follows the cursor.
func (w *wizard) afterFormUpdate() {
	if w.formShape() != w.shape {
		w.buildForm()
		return
	}
	w.describeKind()
	w.layoutForm()
}

// submitStep checks the step and moves on.
func (w *wizard) submitStep() tea.Cmd {
	if p := w.checkStep(); p != "" {
		w.note = p
		w.layoutForm()
		return nil
	}
	if w.step == wsScopes {
		return w.afterScopes()
	}
	w.setStep(w.step + 1)
	return nil
}
