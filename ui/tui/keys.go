package tui

import "charm.land/bubbles/v2/key"

// KeyMap holds every key of the program, by screen and state. Update
// matches only these bindings, and the footer and the help overlay are
// drawn from the same bindings by bubbles/help, so help never disagrees
// with what the keys do. Hints in messages ("press n to ...") are built
// from a binding's Help().Key for the same reason.
type KeyMap struct {
	// The dashboard's list.
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Filter, ClearFilter, Details, Sort      key.Binding
	Copy, CopyHeader, CopyRefresh           key.Binding
	Refresh, RefreshAll                     key.Binding
	Add, Edit, Grant, Delete, KeepAlive     key.Binding
	Reveal, TagsNotes, Messages, Console    key.Binding
	// The detail pane scrolls with these while it is open.
	DetailUp, DetailDown key.Binding
	Help, Quit           key.Binding
	// ForceQuit works everywhere, even in a text field.
	ForceQuit key.Binding

	// The filter line while typing.
	FilterAccept, FilterCancel, FilterUp, FilterDown key.Binding

	// Dialogs.
	Yes, No, Toggle, CloseHelp key.Binding
	// The tags and notes dialog.
	FormNext, FormSave, FormCancel key.Binding

	// Unlock and first run.
	Unlock, ChoosePassphrase, ChooseKeyFile, NextField, SwitchField, Back key.Binding

	// Wizard is the add/edit wizard's keys, its forms' included.
	Wizard WizardKeys
}

// DefaultKeyMap returns the keys people expect from a terminal dashboard.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:          b([]string{"up", "k"}, "↑/k", "up"),
		Down:        b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:      b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown:    b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
		Top:         b([]string{"home", "g"}, "home/g", "first"),
		Bottom:      b([]string{"end", "G"}, "end/G", "last"),
		Filter:      b([]string{"/"}, "/", "filter"),
		ClearFilter: b([]string{"esc"}, "esc", "clear filter"),
		Details:     b([]string{"enter"}, "enter", "details"),
		Sort:        b([]string{"s"}, "s", "sort: name, expiry, by DC"),
		Copy:        b([]string{"c"}, "c", "copy token"),
		CopyHeader:  b([]string{"h"}, "h", "copy header"),
		CopyRefresh: b([]string{"y"}, "y", "copy refresh token"),
		Refresh:     b([]string{"r"}, "r", "refresh"),
		RefreshAll:  b([]string{"R"}, "R", "refresh expiring"),
		Add:         b([]string{"a"}, "a", "add profile"),
		Edit:        b([]string{"e"}, "e", "edit"),
		Grant:       b([]string{"n"}, "n", "new consent"),
		Delete:      b([]string{"d"}, "d", "delete"),
		KeepAlive:   b([]string{"K"}, "K", "keep alive"),
		Reveal:      b([]string{"v"}, "v", "reveal secrets"),
		TagsNotes:   b([]string{"t"}, "t", "tags and notes"),
		Messages:    b([]string{"m"}, "m", "messages"),
		Console:     b([]string{"ctrl+o"}, "ctrl+o", "open API console"),
		DetailUp:    b([]string{"shift+up", "["}, "[", "scroll details up"),
		DetailDown:  b([]string{"shift+down", "]"}, "]", "scroll details down"),
		Help:        b([]string{"?"}, "?", "help"),
		Quit:        b([]string{"q"}, "q", "quit"),
		ForceQuit:   b([]string{"ctrl+c"}, "ctrl+c", "quit"),

		FilterAccept: b([]string{"enter"}, "enter", "keep filter"),
		FilterCancel: b([]string{"esc"}, "esc", "clear"),
		FilterUp:     b([]string{"up"}, "↑", "up"),
		FilterDown:   b([]string{"down"}, "↓", "down"),

		Yes:        b([]string{"y", "Y", "enter"}, "y", "yes"),
		No:         b([]string{"n", "N", "esc", "q"}, "n", "no"),
		Toggle:     b([]string{"space", "tab"}, "space", "toggle"),
		CloseHelp:  b(nil, "any key", "close"),
		FormNext:   b([]string{"tab", "shift+tab"}, "tab", "next field"),
		FormSave:   b([]string{"enter"}, "enter", "save"),
		FormCancel: b([]string{"esc"}, "esc", "cancel"),

		Unlock:           b([]string{"enter"}, "enter", "unlock"),
		ChoosePassphrase: b([]string{"p", "enter"}, "p", "passphrase"),
		ChooseKeyFile:    b([]string{"k"}, "k", "key file"),
		NextField:        b([]string{"enter"}, "enter", "next"),
		SwitchField:      b([]string{"tab", "shift+tab", "up", "down"}, "tab", "switch field"),
		Back:             b([]string{"esc"}, "esc", "back"),

		Wizard: newWizardKeys(),
	}
}

// ShortHelp is the dashboard's footer: the keys used most.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Copy, k.Refresh, k.Filter, k.Details, k.Add, k.Help, k.Quit}
}

// FullHelp is the dashboard's help overlay, in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Filter, k.ClearFilter, k.Sort},
		{k.Details, k.Reveal, k.DetailUp, k.DetailDown, k.Copy, k.CopyHeader, k.CopyRefresh, k.Refresh, k.RefreshAll},
		{k.Add, k.Edit, k.Grant, k.TagsNotes, k.Delete, k.KeepAlive, k.Console, k.Messages, k.Help, k.Quit},
	}
}

// keyName is how a hint names a binding's key: "press n to consent again"
// is built from the binding, so it follows the key map.
func keyName(b key.Binding) string { return b.Help().Key }

// hint is "press KEY to WHAT", with the key taken from the key map.
func hint(b key.Binding, what string) string { return "press " + keyName(b) + " to " + what }
