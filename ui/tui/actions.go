package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/ui/app"
	"ztm/vault"
)

// Commands of the dashboard. Each copies what it needs from the model
// before building its closure, and answers with a message; none touches
// the model.

// opTimeout bounds a refresh or revoke started from the dashboard.
const opTimeout = 45 * time.Second

// loadProfiles reads every profile and the refresh budgets, reloading the
// vault first if another process saved it.
func loadProfiles(v *vault.Vault, reload bool) tea.Cmd {
	return func() tea.Msg {
		if reload {
			if _, err := v.ReloadIfChanged(); err != nil {
				return profilesMsg{err: err}
			}
		}
		var m profilesMsg
		m.err = v.View(func(tx *vault.Tx) error {
			var err error
			if m.profiles, err = tx.Profiles(); err != nil {
				return err
			}
			m.budgets, err = tx.RefreshBudgets()
			return err
		})
		return m
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

func loadEvents(v *vault.Vault, name string) tea.Cmd {
	return func() tea.Msg {
		var evs []model.Event
		v.View(func(tx *vault.Tx) error {
			var err error
			evs, err = tx.Events(name, 8)
			return err
		})
		return eventsMsg{profile: name, events: evs}
	}
}

// refreshCmd refreshes names (one save for the batch), reporting each
// profile as it settles, then the end of the batch.
func refreshCmd(c *Common, names []string, o app.RefreshOptions) tea.Cmd {
	s := c.App
	start := func() tea.Msg { return refreshStartMsg{names: names} }
	run := func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		out, err := s.Refresh(ctx, names, o)
		return refreshBatchMsg{names: names, out: out, err: err}
	}
	return tea.Sequence(start, run)
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
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
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
		if err := clip.Write(value); err != nil {
			m.method = "OSC 52"
		}
		return m
	}
}

// clearClipboard clears the clipboard if it still holds value.
func clearClipboard(clip Clipboard, value string) tea.Cmd {
	return func() tea.Msg {
		cur, err := clip.Read()
		if err != nil || cur != value {
			return clipboardClearedMsg{cleared: false}
		}
		return clipboardClearedMsg{cleared: clip.Write("") == nil}
	}
}

// deleteCmd deletes a profile, revoking its refresh token at Zoho first
// when asked; if the revoke fails the profile is kept.
func deleteCmd(c *Common, p model.Profile, revoke bool) tea.Cmd {
	s := c.App
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		d, err := s.Delete(ctx, p.Name, revoke)
		return deletedMsg{name: p.Name, revoked: d.Revoked || d.AlreadyRevoked, already: d.AlreadyRevoked, err: err}
	}
}

// keepAliveCmd switches a profile's keep-alive.
func keepAliveCmd(s *app.Session, name string, on bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		err := s.SetKeepAlive(ctx, name, on)
		what := "keep-alive off for " + name
		if on {
			what = "keep-alive on for " + name + ": refreshed a few minutes before expiry while ztm runs"
		}
		return savedMsg{what: what, err: err}
	}
}
