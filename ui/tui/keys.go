package tui

import "charm.land/bubbles/v2/key"

// KeyMap holds every key of the dashboard; the help overlay and the footer
// are generated from it, so they never disagree with what the keys do.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Filter, ClearFilter, Details, Sort      key.Binding
	Copy, CopyHeader, CopyRefresh           key.Binding
	Refresh, RefreshAll                     key.Binding
	Add, Edit, Grant, Delete, KeepAlive     key.Binding
	Reveal, Help, Quit                      key.Binding
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
		Help:        b([]string{"?"}, "?", "help"),
		Quit:        b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// ShortHelp is the footer: the keys used most.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Copy, k.Refresh, k.Filter, k.Details, k.Add, k.Help, k.Quit}
}

// FullHelp is the help overlay, in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Filter, k.ClearFilter, k.Sort},
		{k.Details, k.Reveal, k.Copy, k.CopyHeader, k.CopyRefresh, k.Refresh, k.RefreshAll},
		{k.Add, k.Edit, k.Grant, k.Delete, k.KeepAlive, k.Help, k.Quit},
	}
}
