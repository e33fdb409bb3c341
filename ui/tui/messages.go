package tui

import (
	"time"

	"ztm/model"
	"ztm/vault"
)

// Messages: the answers of commands, and requests between screens.
type (
	// tickMsg is the one-second heartbeat of the countdowns. gen tells
	// the dashboard's chain from any older one: only the newest re-arms.
	tickMsg struct {
		gen int
		at  time.Time
	}

	// unlockedMsg: the vault is open (from the unlock or first-run screen).
	unlockedMsg struct {
		v       *vault.Vault
		created bool // a new vault: go straight to adding a profile
	}
	// unlockFailedMsg: a wrong passphrase, or a vault that will not open.
	unlockFailedMsg struct{ err error }

	// profilesMsg carries a fresh read of every profile's row, or, with
	// first set, of the first rows by name (see loadFirstRows).
	profilesMsg struct {
		rows    []vault.ProfileSummary
		budgets map[string]model.RefreshBudget
		// first says rows are only the first by name: there may be more.
		first bool
		total int
		err   error
	}
	// eventsMsg carries the selected profile's whole record and its recent
	// events, for the detail pane.
	eventsMsg struct {
		profile string
		full    *model.Profile
		events  []model.Event
	}

	// copiedMsg reports a copy to the clipboard.
	copiedMsg struct {
		name   string // the profile copied from
		what   string
		method string
		value  string
		err    error
		// then is set when the copy first refreshed the token.
		refreshed bool
	}
	// clipboardClearMsg asks to clear the clipboard if it still holds value.
	clipboardClearMsg struct{ value string }
	// clipboardClearedMsg reports the clear: done, or not done because
	// the clipboard holds something else now.
	clipboardClearedMsg struct{ cleared, changed bool }

	// deletedMsg reports a deletion (and a revoke, if asked).
	deletedMsg struct {
		name    string
		revoked bool
		already bool // Zoho said the refresh token was already revoked
		err     error
	}
	// savedMsg reports a change to a profile (keep-alive, edit).
	savedMsg struct {
		what string
		err  error
	}

	// openWizardMsg opens the add/edit wizard; profile nil means a new one.
	openWizardMsg struct {
		profile *model.Profile
		// consentOnly jumps straight to getting a new grant.
		consentOnly bool
	}
	// wizardDoneMsg closes the wizard; saved names the profile to select.
	wizardDoneMsg struct{ saved string }
)
