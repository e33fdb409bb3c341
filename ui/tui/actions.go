package tui

import (
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/ui/app"
	"ztm/vault"
)

// Commands of the dashboard. Each copies what it needs from the model
// before building its closure, and answers with a message; none touches
// the model.

// opTimeout bounds a refresh or revoke started from the dashboard (a talk
// with Zoho); saveTimeout bounds a change that only saves the vault (it
// may wait for another process's lock).
const (
	opTimeout   = 45 * time.Second
	saveTimeout = 15 * time.Second
)

// loadProfiles reads every profile's row and the refresh budgets,
// reloading the vault first if another process saved it.
func loadProfiles(v *vault.Vault, reload bool) tea.Cmd {
	return func() tea.Msg {
		if reload {
			if _, err := v.ReloadIfChanged(); err != nil {
				return profilesMsg{err: err}
			}
		}
		defer tightGC()()
		var m profilesMsg
		m.err = v.View(func(tx *vault.Tx) error {
			var err error
			if m.rows, err = tx.ProfileSummaries(); err != nil {
				return err
			}
			m.total = len(m.rows)
			m.budgets, err = tx.RefreshBudgets()
			return err
		})
		return m
	}
}

// readGC is the collector's target while every row is read, in percent
// of the live heap (Go's default is 100). The read allocates about seven
// times what it keeps (decrypted chunks, the driver's values), and at the
// default pacing the heap of a dashboard of 100,000 profiles peaked at
// twice its rows; the read is in the background, so the collector's
// extra work costs no one a wait.
const readGC = 25

// gcHold counts the reads under way, so that the last one to finish puts
// the collector back as it was.
var gcHold struct {
	sync.Mutex
	n   int
	was int
}

// tightGC sets the collector to readGC until the function it returns is
// called.
func tightGC() func() {
	gcHold.Lock()
	defer gcHold.Unlock()
	if gcHold.n == 0 {
		gcHold.was = debug.SetGCPercent(readGC)
	}
	gcHold.n++
	return func() {
		gcHold.Lock()
		defer gcHold.Unlock()
		if gcHold.n--; gcHold.n == 0 {
			debug.SetGCPercent(gcHold.was)
		}
	}
}

// firstRows is how many rows the first read brings: more than any
// screen shows at once (a variable: tests make it smaller).
var firstRows = 200

// loadFirstRows reads the first rows by name and their budgets: the
// first screen, at a cost that does not grow with the vault. When they
// are all there is, the message is a whole read; else the count comes
// next (countProfiles), then the rest. Counting 100,000 profiles reads a
// whole index, which would delay the first screen by tens of
// milliseconds.
func loadFirstRows(v *vault.Vault) tea.Cmd {
	return func() tea.Msg {
		m := profilesMsg{budgets: map[string]model.RefreshBudget{}}
		m.err = v.View(func(tx *vault.Tx) error {
			var err error
			if m.rows, err = tx.FirstProfileSummaries(firstRows); err != nil {
				return err
			}
			// One look-up per row by the events' index: the query of every
			// budget reads all the events.
			for _, r := range m.rows {
				b, err := tx.RefreshBudget(r.Name)
				if err != nil {
					return err
				}
				if b.Used > 0 {
					m.budgets[r.Name] = b
				}
			}
			return nil
		})
		m.first = len(m.rows) == firstRows
		m.total = len(m.rows)
		return m
	}
}

// profileCountMsg is how many profiles there are, while they load.
type profileCountMsg struct{ n int }

// countProfiles counts the profiles, then reads them all.
func countProfiles(v *vault.Vault) tea.Cmd {
	return func() tea.Msg {
		var n int
		err := v.View(func(tx *vault.Tx) error {
			var err error
			n, err = tx.ProfileCount()
			return err
		})
		if err != nil {
			return profilesMsg{err: err}
		}
		return profileCountMsg{n}
	}
}

// checkChanged reloads when another ztm saved the vault; it costs a stat
// when nothing changed, so it runs every second.
func checkChanged(v *vault.Vault) tea.Cmd {
	return func() tea.Msg {
		if !v.Changed() {
			return nil
		}
		return loadProfiles(v, true)()
	}
}

// loadDetail reads the whole record of the selected profile, secrets
// and all, and its recent events: the list holds only rows.
func loadDetail(v *vault.Vault, name string) tea.Cmd {
	return func() tea.Msg {
		m := eventsMsg{profile: name}
		v.View(func(tx *vault.Tx) error {
			p, err := tx.Profile(name)
			if err != nil {
				return err
			}
			m.full = &p
			m.events, err = tx.Events(name, 8)
			return err
		})
		return m
	}
}

// withProfile reads the whole record of name and hands it to then, for
// the actions that need more than its row (edit, consent, notes).
func withProfile(v *vault.Vault, name string, then func(model.Profile) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		p, err := v.Profile(name)
		if err != nil {
			return statusMsg{text: err.Error(), err: true}
		}
		return then(p)
	}
}

// refreshCmd refreshes names (one save for the batch) and reports the
// batch's outcome. The caller marks the names as refreshing first.
func refreshCmd(c *Common, names []string, o app.RefreshOptions) tea.Cmd {
	s := c.App
	return func() tea.Msg {
		ctx, cancel := c.withTimeout(opTimeout)
		defer cancel()
		out, err := s.Refresh(ctx, names, o)
		return refreshBatchMsg{names: names, out: out, err: err}
	}
}

// refreshBatchMsg carries a whole batch's outcome.
type refreshBatchMsg struct {
	names []string
	out   []vault.Fresh
	err   error
}

// copyCmd puts a profile's access token (or its header, or its refresh
// token) on the clipboard, refreshing the access token first when it has
// less than a minute left. When the system clipboard is out of reach the
// message says so and the app falls back to OSC 52.
func copyCmd(c *Common, name, what string) tea.Cmd {
	s, v, clip := c.App, c.Vault, c.Cfg.Clipboard
	return func() tea.Msg {
		ctx, cancel := c.withTimeout(opTimeout)
		defer cancel()
		var value string
		refreshed := false
		if what == "refresh token" {
			p, err := v.Profile(name)
			if err != nil {
				return copiedMsg{what: what, err: err}
			}
			if p.Token == nil || p.Token.RefreshToken == "" {
				return copiedMsg{what: what, err: fmt.Errorf("%s has no refresh token", name)}
			}
			value = p.Token.RefreshToken
		} else {
			f, err := s.FreshToken(ctx, name, time.Minute)
			if err != nil {
				return copiedMsg{what: what, err: err}
			}
			refreshed = f.Refreshed
			value = f.Profile.Token.AccessToken
			if what == "header" {
				value = model.AuthorizationHeader(value)
			}
		}
		m := copiedMsg{name: name, what: what, value: value, refreshed: refreshed, method: "system clipboard"}
		if err := clipWrite(c, clip, value); err != nil {
			m.method = "OSC 52"
		}
		return m
	}
}

// clearClipboard clears the clipboard if it still holds value.
func clearClipboard(c *Common, value string) tea.Cmd {
	clip := c.Cfg.Clipboard
	return func() tea.Msg {
		cur, err := clipRead(c, clip)
		if err != nil {
			return clipboardClearedMsg{}
		}
		if cur != value {
			return clipboardClearedMsg{changed: true}
		}
		return clipboardClearedMsg{cleared: clipWrite(c, clip, "") == nil}
	}
}

// deleteCmd deletes a profile, revoking its refresh token at Zoho first
// when asked; if the revoke fails the profile is kept.
func deleteCmd(c *Common, name string, revoke bool) tea.Cmd {
	s := c.App
	return func() tea.Msg {
		ctx, cancel := c.withTimeout(opTimeout)
		defer cancel()
		d, err := s.Delete(ctx, name, revoke)
		return deletedMsg{name: name, revoked: d.Revoked || d.AlreadyRevoked, already: d.AlreadyRevoked, err: err}
	}
}

// keepAliveCmd switches a profile's keep-alive.
func keepAliveCmd(c *Common, name string, on bool) tea.Cmd {
	s := c.App
	return func() tea.Msg {
		ctx, cancel := c.withTimeout(saveTimeout)
		defer cancel()
		err := s.SetKeepAlive(ctx, name, on)
		what := "keep-alive off for " + model.Printable(name)
		if on {
			what = "keep-alive on for " + model.Printable(name) + ": refreshed a few minutes before expiry while ztm runs"
		}
		return savedMsg{what: what, err: err}
	}
}

// editNotesCmd saves a profile's new tags and notes.
func editNotesCmd(c *Common, old, p model.Profile) tea.Cmd {
	s := c.App
	return func() tea.Msg {
		ctx, cancel := c.withTimeout(saveTimeout)
		defer cancel()
		_, err := s.Edit(ctx, old, p, "in the dashboard")
		return savedMsg{what: "saved the tags and notes of " + model.Printable(p.Name), err: err}
	}
}

// osc52Msg asks the root model to put value on the terminal's clipboard
// (OSC 52), when the system clipboard is out of reach.
type osc52Msg struct{ value string }
