package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/ui/app"
	"ztm/vault"
)

// The questions the dashboard asks; the answer names its question by type.
type (
	deleteQuestion      struct{ name string }
	copyRefreshQuestion struct{ name string }
	refreshOverQuestion struct{ name string }
)

func (q deleteQuestion) asks() string      { return q.name }
func (q copyRefreshQuestion) asks() string { return q.name }
func (q refreshOverQuestion) asks() string { return q.name }

// act handles the keys that work on the selected profile.
func (d *dashboard) act(msg tea.KeyPressMsg, name string) tea.Cmd {
	k := d.c.Keys
	p := d.find(name)
	switch {
	case key.Matches(msg, k.Copy):
		return d.copy(p, "access token")
	case key.Matches(msg, k.CopyHeader):
		return d.copy(p, "header")
	case key.Matches(msg, k.CopyRefresh):
		return ask(&confirm{about: copyRefreshQuestion{name}, title: "Copy the refresh token of " + model.Printable(name) + "?",
			body: "A refresh token does not expire: anyone who has it can get access tokens until it is revoked. ztm clears the clipboard after " + d.c.Cfg.ClipboardClear.String() + " if it still holds it.",
			yes:  "copy it", no: "cancel"})
	case key.Matches(msg, k.Refresh):
		return d.refresh(p)
	case key.Matches(msg, k.RefreshAll):
		return d.refreshExpiring()
	case key.Matches(msg, k.Edit):
		return withProfile(d.c.Vault, name, func(p model.Profile) tea.Msg { return openWizardMsg{profile: &p} })
	case key.Matches(msg, k.Grant):
		return withProfile(d.c.Vault, name, func(p model.Profile) tea.Msg { return openWizardMsg{profile: &p, consentOnly: true} })
	case key.Matches(msg, k.TagsNotes):
		return withProfile(d.c.Vault, name, func(p model.Profile) tea.Msg { return notesForMsg{p} })
	case key.Matches(msg, k.Delete):
		return d.askDelete(p)
	case key.Matches(msg, k.KeepAlive):
		return keepAliveCmd(d.c, p.Name, !p.KeepAlive)
	case key.Matches(msg, k.Console):
		return d.openConsole(p)
	}
	return nil
}

// notesForMsg opens the tags-and-notes dialog on a profile's record.
type notesForMsg struct{ p model.Profile }

// notesFor opens the tags-and-notes dialog.
func (d *dashboard) notesFor(msg notesForMsg) tea.Cmd {
	dlg, cmd := newNotesDialog(d.c, msg.p)
	return tea.Batch(ask(dlg), cmd)
}

// openConsole opens the API Console of the profile's data center, where
// its client is managed.
func (d *dashboard) openConsole(p *vault.ProfileSummary) tea.Cmd {
	dc, ok := d.c.Cfg.DCs.ByID(p.DC)
	if !ok || dc.APIConsole == "" {
		return statusCmd(p.Name+" uses a custom accounts server: ztm does not know its API Console", true)
	}
	return openLinkCmd(d.c, dc.APIConsole, "API Console")
}

func (d *dashboard) askDelete(p *vault.ProfileSummary) tea.Cmd {
	hasRT := p.Token.HasRefresh
	body := fmt.Sprintf("%s (%s, %s) and its tokens leave the vault.", model.Printable(p.Name), model.Printable(dcOrCustom(p.DC)), model.Printable(orNone(p.Account)))
	opt := ""
	if hasRT {
		opt = "revoke the refresh token at Zoho first"
	}
	return ask(&confirm{about: deleteQuestion{p.Name}, title: "Delete " + model.Printable(p.Name) + "?", body: body,
		yes: "delete", no: "keep it", option: opt, optionOn: hasRT})
}

func (d *dashboard) copy(p *vault.ProfileSummary, what string) tea.Cmd {
	if !p.Token.HasAccess {
		return statusCmd(p.Name+" has no token yet: "+hint(d.c.Keys.Grant, "get a grant"), true)
	}
	return copyCmd(d.c, p.Name, what)
}

func (d *dashboard) copied(msg copiedMsg) tea.Cmd {
	if msg.err != nil {
		return statusCmd("copy failed: "+d.errText(msg.err), true)
	}
	text := fmt.Sprintf("copied the %s of %s to the %s", msg.what, msg.name, msg.method)
	if msg.refreshed {
		text = "refreshed, then " + text
	}
	cmds := []tea.Cmd{loadProfiles(d.c.Vault, false)}
	if msg.method == "OSC 52" {
		// ztm cannot read the terminal's clipboard back, so it cannot know
		// whether it still holds the token: it will not clear it.
		text += " (the terminal's clipboard: ztm cannot clear it later)"
		value := msg.value
		cmds = append(cmds, func() tea.Msg { return osc52Msg{value: value} })
	} else {
		text += fmt.Sprintf("; cleared in %s", d.c.Cfg.ClipboardClear)
		value := msg.value
		cmds = append(cmds, d.c.after(d.c.Cfg.ClipboardClear, func(time.Time) tea.Msg { return clipboardClearMsg{value: value} }))
	}
	return tea.Batch(append(cmds, statusCmd(text, false))...)
}

func (d *dashboard) clipboardCleared(msg clipboardClearedMsg) tea.Cmd {
	switch {
	case msg.cleared:
		return statusCmd("cleared the clipboard", false)
	case msg.changed:
		return statusCmd("left the clipboard alone: it no longer holds the token ztm copied", false)
	}
	return nil
}

// refresh refreshes one profile now, asking first when Zoho's budget of 10
// refreshes in 10 minutes is spent (Zoho would throttle it).
func (d *dashboard) refresh(p *vault.ProfileSummary) tea.Cmd {
	if d.refreshing[p.Name] {
		return nil
	}
	if !app.CanRefresh(profileOf(p)) {
		return statusCmd(p.Name+" has no refresh token: "+hint(d.c.Keys.Grant, "consent again"), true)
	}
	if b := d.budgets[p.Name]; b.Used >= model.RefreshLimit {
		return ask(&confirm{about: refreshOverQuestion{p.Name}, title: "Zoho's refresh budget is spent",
			body: fmt.Sprintf("%s was refreshed %d times in the last 10 minutes. Zoho allows 10 and throttles past that, which can lock the refresh token out for a while. The budget frees up at %s.",
				model.Printable(p.Name), b.Used, b.NextFree.Local().Format("15:04:05")),
			yes: "refresh anyway", no: "wait"})
	}
	return d.startRefresh([]string{p.Name}, app.RefreshOptions{Force: true})
}

// startRefresh marks names as refreshing (spinners on) and refreshes them.
func (d *dashboard) startRefresh(names []string, o app.RefreshOptions) tea.Cmd {
	for _, n := range names {
		d.refreshing[n] = true
	}
	return tea.Batch(d.spin.start(d.c), refreshCmd(d.c, names, o))
}

// refreshExpiring refreshes every profile that is expired or expiring, a
// few at a time, in one save. The rows tell which can be refreshed and
// need it; which of those share a refresh token (one refresh serves
// them all) only their records tell, so those are read first.
func (d *dashboard) refreshExpiring() tea.Cmd {
	var names []string
	for i := range d.table.profiles {
		p := &d.table.profiles[i]
		if d.refreshing[p.Name] || !app.CanRefresh(profileOf(p)) || tokenOf(&p.Token).ValidFor(d.now, model.SoonThreshold) {
			continue
		}
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		return statusCmd("nothing to refresh: every token has more than 15 minutes left", false)
	}
	v, now := d.c.Vault, d.now
	return func() tea.Msg {
		var ps []model.Profile
		err := v.View(func(tx *vault.Tx) error {
			for _, n := range names {
				p, err := tx.Profile(n)
				if err != nil {
					return err
				}
				ps = append(ps, p)
			}
			return nil
		})
		if err != nil {
			return statusMsg{text: "refresh failed: " + err.Error(), err: true}
		}
		return refreshThemMsg{names: app.Refreshable(ps, now, model.SoonThreshold)}
	}
}

// refreshThemMsg names the profiles refreshExpiring chose.
type refreshThemMsg struct{ names []string }

// refreshThem starts what refreshExpiring chose, but those a refresh has
// started on meanwhile.
func (d *dashboard) refreshThem(msg refreshThemMsg) tea.Cmd {
	var names []string
	for _, n := range msg.names {
		if !d.refreshing[n] {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return d.startRefresh(names, app.RefreshOptions{Margin: model.SoonThreshold})
}

func (d *dashboard) refreshed(msg refreshBatchMsg) tea.Cmd {
	for _, n := range msg.names {
		delete(d.refreshing, n)
	}
	cmds := []tea.Cmd{loadProfiles(d.c.Vault, false)}
	if msg.err != nil {
		return tea.Batch(append(cmds, statusCmd("refresh failed: "+d.errText(msg.err), true))...)
	}
	var ok, failed []string
	var firstErr error
	for _, f := range msg.out {
		switch {
		case f.Err != nil:
			failed = append(failed, f.Profile.Name)
			if firstErr == nil {
				firstErr = f.Err
			}
		case f.Refreshed:
			ok = append(ok, f.Profile.Name)
		}
	}
	switch {
	case len(failed) > 0 && len(msg.out) == 1:
		cmds = append(cmds, statusCmd(d.errText(firstErr), true))
	case len(failed) > 0:
		cmds = append(cmds, statusCmd(fmt.Sprintf("refreshed %d, %d failed (%s): %s", len(ok), len(failed), strings.Join(failed, ", "), d.errText(firstErr)), true))
	case len(ok) == 1:
		f := msg.out[0]
		cmds = append(cmds, statusCmd(fmt.Sprintf("refreshed %s: valid for %s; %d of 10 refreshes used in 10 minutes",
			f.Profile.Name, model.FormatRemaining(f.Profile.Token.Remaining(d.c.Cfg.Now())), f.Budget.Used), false))
	default:
		cmds = append(cmds, statusCmd(fmt.Sprintf("refreshed %d profiles", len(ok)), false))
	}
	return tea.Batch(cmds...)
}

// keepAliveDue refreshes marked profiles shortly before they expire, once
// per retry period, and never past Zoho's budget.
func (d *dashboard) keepAliveDue() tea.Cmd {
	var names []string
	for _, n := range app.KeepAliveDue(d.keptAlive, d.budgets, d.now, d.keepAlive) {
		if !d.refreshing[n] {
			d.keepAlive[n] = d.now
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return d.startRefresh(names, app.RefreshOptions{Margin: app.KeepAliveLead})
}

func (d *dashboard) deleted(msg deletedMsg) tea.Cmd {
	if msg.err != nil {
		return statusCmd(d.errText(msg.err), true)
	}
	if msg.name == d.table.selected {
		d.table.selected = d.table.neighbour()
	}
	text := "deleted " + msg.name
	switch {
	case msg.already:
		text += "; Zoho had already revoked its refresh token"
	case msg.revoked:
		text += " after revoking its refresh token at Zoho"
	}
	return tea.Batch(statusCmd(text, false), loadProfiles(d.c.Vault, false))
}

// answered acts on a confirmation dialog.
func (d *dashboard) answered(msg confirmMsg) tea.Cmd {
	if !msg.yes || msg.about == nil {
		return nil
	}
	name := msg.about.asks()
	p := d.find(name)
	if p == nil {
		return statusCmd(name+" is gone", true)
	}
	switch msg.about.(type) {
	case deleteQuestion:
		return deleteCmd(d.c, p.Name, msg.option)
	case copyRefreshQuestion:
		return copyCmd(d.c, name, "refresh token")
	case refreshOverQuestion:
		return d.startRefresh([]string{name}, app.RefreshOptions{Force: true, OverBudget: true})
	}
	return nil
}

// errText is an error as the status line shows it: the client ids of the
// profiles are masked (an id is not a secret, but it need not be on
// screen, in a screenshot or a screen share).
func (d *dashboard) errText(err error) string {
	text := err.Error()
	for i := range d.table.profiles {
		if id := d.table.profiles[i].ClientID; len(id) > 8 {
			text = strings.ReplaceAll(text, id, model.Redact(id))
		}
	}
	return text
}

func dcOrCustom(dc string) string {
	if dc != "" {
		return dc
	}
	return "custom server"
}

func orNone(s string) string {
	if s == "" {
		return "no account yet"
	}
	return s
}
