package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ztm/ui/app"
	"ztm/vault"
)

// Common is what every screen shares: configuration, size, styles, keys,
// and the vault once unlocked. Screens hold a pointer to the one the root
// model owns, so a resize or a theme change reaches them all.
type Common struct {
	Cfg    Config
	Width  int
	Height int
	Styles Styles
	Keys   KeyMap
	// App is the open session once the vault is unlocked: every use case
	// goes through it. Vault is App.Vault, kept for reads.
	App   *app.Session
	Vault *vault.Vault
}

// screen is one full-window page: unlock, first run, dashboard, wizard.
type screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (screen, tea.Cmd)
	View() string
	// SetSize is called when the window changes.
	SetSize(width, height int)
	// Help lists the keys for the footer, in this screen's current state.
	Help() []key.Binding
	// Capturing says the screen is reading text, so global keys (q, ?)
	// must go to it instead.
	Capturing() bool
}
