package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/ui/app"
)

// Keep-alive refreshes a marked profile this long before expiry, and waits
// this long after a failure before trying again.
const ()

// dashboard is the screen people live in: every profile with a live
// countdown, a filter, a detail pane and the actions.
type dashboard struct {
	c *Common

	profiles []model.Profile
	budgets  map[string]model.RefreshBudget
	loaded   bool
	loadErr  error
	rows     []row
	// cursor indexes rows; selected is the selected profile's name, which
	// survives reloads and re-sorting.
	cursor   int
	offset   int
	selected string

	sort      sortMode
	filter    textinput.Model
	filtering bool

	detail bool
	reveal bool
	events []model.Event

	refreshing map[string]bool
	spin       spinner.Model
	keepAlive  map[string]time.Time // last keep-alive attempt per profile

	now           time.Time
	width, height int
}

func newDashboard(c *Common) *dashboard {
	f := textinput.New()
	f.Prompt = "/ "
	f.Placeholder = "name, DC, account or tag"
	f.CharLimit = 64
	return &dashboard{
		c: c, filter: f, now: c.Cfg.Now(),
		refreshing: map[string]bool{}, keepAlive: map[string]time.Time{},
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot)),
	}
}

func (d *dashboard) Init() tea.Cmd {
	return tea.Batch(loadProfiles(d.c.Vault, false), tick(d.c.Cfg.Now()))
}

func (d *dashboard) SetSize(w, h int) {
	d.width, d.height = w, h
	d.filter.SetWidth(max(w-4, 10))
	d.scrollToCursor()
}

func (d *dashboard) Capturing() bool { return d.filtering }

func (d *dashboard) Help() []key.Binding {
	if d.filtering {
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear")),
		}
	}
	return d.c.Keys.ShortHelp()
}

// FullHelp is what the help overlay lists.
func (d *dashboard) FullHelp() [][]key.Binding { return d.c.Keys.FullHelp() }

// current is the selected profile, or nil.
func (d *dashboard) current() *model.Profile {
	if d.cursor < 0 || d.cursor >= len(d.rows) || d.rows[d.cursor].p < 0 {
		return nil
	}
	return &d.profiles[d.rows[d.cursor].p]
}

func (d *dashboard) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tickMsg:
		d.now = d.c.Cfg.Now() // the injected clock, not the timer's, so tests control time
		return d, tea.Batch(tick(d.now), checkChanged(d.c.Vault), d.keepAliveDue())
	case profilesMsg:
		return d, d.loadedProfiles(msg)
	case eventsMsg:
		if p := d.current(); p != nil && p.Name == msg.profile {
			d.events = msg.events
		}
		return d, nil
	case refreshStartMsg:
		for _, n := range msg.names {
			d.refreshing[n] = true
		}
		return d, d.spin.Tick
	case refreshBatchMsg:
		return d, d.refreshed(msg)
	case spinner.TickMsg:
		if len(d.refreshing) == 0 {
			return d, nil // stop ticking: no work, no CPU
		}
		var cmd tea.Cmd
		d.spin, cmd = d.spin.Update(msg)
		return d, cmd
	case copiedMsg:
		return d, d.copied(msg)
	case clipboardClearMsg:
		return d, clearClipboard(d.c.Cfg.Clipboard, msg.value)
	case clipboardClearedMsg:
		if msg.cleared {
			return d, statusCmd("cleared the clipboard", false)
		}
		return d, nil
	case deletedMsg:
		if msg.err != nil {
			return d, statusCmd(msg.err.Error(), true)
		}
		if msg.name == d.selected {
			d.selected = d.neighbour()
		}
		text := "deleted " + msg.name
		switch {
		case msg.already:
			text += "; Zoho had already revoked its refresh token"
		case msg.revoked:
			text += " after revoking its refresh token at Zoho"
		}
		return d, tea.Batch(statusCmd(text, false), loadProfiles(d.c.Vault, false))
	case savedMsg:
		if msg.err != nil {
			return d, statusCmd(msg.err.Error(), true)
		}
		return d, tea.Batch(statusCmd(msg.what, false), loadProfiles(d.c.Vault, false))
	case confirmMsg:
		return d, d.answered(msg)
	case tea.PasteMsg:
		if d.filtering {
			d.filter.SetValue(d.filter.Value() + strings.TrimSpace(msg.Content))
			d.selected = ""
			d.rearrange()
		}
		return d, nil
	case tea.KeyPressMsg:
		if d.filtering {
			return d, d.filterKey(msg)
		}
		return d, d.key(msg)
	case tea.MouseClickMsg:
		return d, d.click(msg.Mouse())
	case tea.MouseWheelMsg:
		switch msg.Mouse().Button {
		case tea.MouseWheelUp:
			d.move(-3)
		case tea.MouseWheelDown:
			d.move(3)
		}
		return d, d.selectionChanged()
	}
	return d, nil
}

// loadedProfiles takes a fresh read and keeps the selection on the same
// profile.
func (d *dashboard) loadedProfiles(msg profilesMsg) tea.Cmd {
	if msg.err != nil {
		d.loadErr = msg.err
		return statusCmd("could not read the vault: "+msg.err.Error(), true)
	}
	d.profiles, d.budgets, d.loaded, d.loadErr = msg.profiles, msg.budgets, true, nil
	// A token just issued must not show more than its life until the next tick.
	d.now = d.c.Cfg.Now()
	d.rearrange()
	return loadEventsFor(d)
}

func loadEventsFor(d *dashboard) tea.Cmd {
	if p := d.current(); p != nil && d.detail {
		return loadEvents(d.c.Vault, p.Name)
	}
	return nil
}

// rearrange rebuilds the rows after the data, filter or order changed.
func (d *dashboard) rearrange() {
	d.rows = arrange(d.profiles, d.filter.Value(), d.sort, d.c.Cfg.DCs)
	d.cursor = -1
	for i, r := range d.rows {
		if r.p >= 0 && d.profiles[r.p].Name == d.selected {
			d.cursor = i
			break
		}
	}
	if d.cursor < 0 {
		d.cursor = 0
		d.skipHeader(1)
	}
	d.selectName()
	d.scrollToCursor()
}

// selectName follows the cursor; secrets revealed for one profile are
// masked again when the selection moves to another.
func (d *dashboard) selectName() {
	if p := d.current(); p != nil {
		if p.Name != d.selected {
			d.reveal = false
		}
		d.selected = p.Name
	}
}

// afterWizard returns from the wizard: reload, and select what it saved.
func (d *dashboard) afterWizard(saved string) tea.Cmd {
	if saved == "" {
		return loadProfiles(d.c.Vault, false)
	}
	d.selected = saved
	d.filter.SetValue("")
	return tea.Batch(loadProfiles(d.c.Vault, false), statusCmd("saved "+saved, false))
}

func (d *dashboard) key(msg tea.KeyPressMsg) tea.Cmd {
	k := d.c.Keys
	p := d.current()
	switch {
	case key.Matches(msg, k.Up):
		d.move(-1)
	case key.Matches(msg, k.Down):
		d.move(1)
	case key.Matches(msg, k.PageUp):
		d.move(-max(d.listHeight()-1, 1))
	case key.Matches(msg, k.PageDown):
		d.move(max(d.listHeight()-1, 1))
	case key.Matches(msg, k.Top):
		d.move(-len(d.rows))
	case key.Matches(msg, k.Bottom):
		d.move(len(d.rows))
	case key.Matches(msg, k.Filter):
		d.filtering = true
		return d.filter.Focus()
	case key.Matches(msg, k.ClearFilter):
		if d.filter.Value() != "" {
			d.filter.SetValue("")
			d.rearrange()
		} else if d.detail {
			d.detail, d.reveal = false, false
		}
		return nil
	case key.Matches(msg, k.Sort):
		d.sort = (d.sort + 1) % 3
		d.rearrange()
		return statusCmd(map[sortMode]string{sortByName: "sorted by name", sortByExpiry: "sorted by expiry, soonest first", groupByDC: "grouped by data center"}[d.sort], false)
	case key.Matches(msg, k.Details):
		d.detail = !d.detail
		d.reveal = false
		return loadEventsFor(d)
	case key.Matches(msg, k.Reveal):
		if p != nil {
			d.detail, d.reveal = true, !d.reveal
			return loadEventsFor(d)
		}
	case key.Matches(msg, k.Add):
		return func() tea.Msg { return openWizardMsg{} }
	case p == nil:
		return nil
	case key.Matches(msg, k.Copy):
		return d.copy(p, "access token")
	case key.Matches(msg, k.CopyHeader):
		return d.copy(p, "header")
	case key.Matches(msg, k.CopyRefresh):
		return ask(&dialog{id: "copy-refresh:" + p.Name, title: "Copy the refresh token of " + p.Name + "?",
			body: "A refresh token does not expire: anyone who has it can get access tokens until it is revoked. ztm clears the clipboard after " + d.c.Cfg.ClipboardClear.String() + " if it still holds it.",
			yes:  "copy it", no: "cancel"})
	case key.Matches(msg, k.Refresh):
		return d.refresh(p)
	case key.Matches(msg, k.RefreshAll):
		return d.refreshExpiring()
	case key.Matches(msg, k.Edit):
		cp := *p
		return func() tea.Msg { return openWizardMsg{profile: &cp} }
	case key.Matches(msg, k.Grant):
		cp := *p
		return func() tea.Msg { return openWizardMsg{profile: &cp, consentOnly: true} }
	case key.Matches(msg, k.Delete):
		hasRT := p.Token != nil && p.Token.RefreshToken != ""
		body := fmt.Sprintf("%s (%s, %s) and its tokens leave the vault.", p.Name, dcOrCustom(p), orNone(p.Account))
		opt := ""
		if hasRT {
			opt = "revoke the refresh token at Zoho first"
		}
		return ask(&dialog{id: "delete:" + p.Name, title: "Delete " + p.Name + "?", body: body,
			yes: "delete", no: "keep it", option: opt, optionOn: hasRT})
	case key.Matches(msg, k.KeepAlive):
		return keepAliveCmd(d.c.App, p.Name, !p.KeepAlive)
	}
	return d.selectionChanged()
}

func (d *dashboard) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "enter":
		d.filtering = false
		d.filter.Blur()
		return nil
	case "esc":
		d.filtering = false
		d.filter.Blur()
		d.filter.SetValue("")
		d.rearrange()
		return nil
	case "up", "down":
		d.move(map[string]int{"up": -1, "down": 1}[msg.String()])
		return nil
	}
	var cmd tea.Cmd
	before := d.filter.Value()
	d.filter, cmd = d.filter.Update(msg)
	if d.filter.Value() != before {
		d.selected = ""
		d.rearrange()
	}
	return cmd
}

// move shifts the cursor by delta rows, stepping over group headings.
func (d *dashboard) move(delta int) {
	if len(d.rows) == 0 {
		return
	}
	step := 1
	if delta < 0 {
		step = -1
	}
	d.cursor = min(max(d.cursor+delta, 0), len(d.rows)-1)
	if !d.skipHeader(step) {
		d.skipHeader(-step)
	}
	if p := d.current(); p != nil {
		d.selected = p.Name
	}
	d.scrollToCursor()
}

// skipHeader moves the cursor off a heading in direction step; it reports
// whether it landed on a profile.
func (d *dashboard) skipHeader(step int) bool {
	for d.cursor >= 0 && d.cursor < len(d.rows) {
		if d.rows[d.cursor].p >= 0 {
			return true
		}
		d.cursor += step
	}
	d.cursor = min(max(d.cursor, 0), max(len(d.rows)-1, 0))
	return false
}

func (d *dashboard) selectionChanged() tea.Cmd {
	if p := d.current(); p != nil && d.detail && (len(d.events) == 0 || d.events[0].Profile != p.Name) {
		d.events = nil
		return loadEvents(d.c.Vault, p.Name)
	}
	return nil
}

func (d *dashboard) click(m tea.Mouse) tea.Cmd {
	first := d.listTop()
	i := d.offset + m.Y - first
	if m.Y < first || i < 0 || i >= len(d.rows) || m.X >= d.listWidth() {
		return nil
	}
	if d.rows[i].p < 0 {
		return nil
	}
	if i == d.cursor && m.Button == tea.MouseLeft {
		d.detail = !d.detail
	}
	d.cursor = i
	d.selectName()
	return d.selectionChanged()
}

func (d *dashboard) copy(p *model.Profile, what string) tea.Cmd {
	if p.Token == nil || p.Token.AccessToken == "" {
		return statusCmd(p.Name+" has no token yet: press n to get a grant", true)
	}
	return copyCmd(d.c, p.Name, what)
}

func (d *dashboard) copied(msg copiedMsg) tea.Cmd {
	if msg.err != nil {
		return statusCmd("copy failed: "+msg.err.Error(), true)
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
		cmds = append(cmds, tea.SetClipboard(msg.value))
	} else {
		text += fmt.Sprintf("; cleared in %s", d.c.Cfg.ClipboardClear)
		value := msg.value
		cmds = append(cmds, tea.Tick(d.c.Cfg.ClipboardClear, func(time.Time) tea.Msg { return clipboardClearMsg{value: value} }))
	}
	return tea.Batch(append(cmds, statusCmd(text, false))...)
}

// refresh refreshes one profile now, asking first when Zoho's budget of 10
// refreshes in 10 minutes is spent (Zoho would throttle it).
func (d *dashboard) refresh(p *model.Profile) tea.Cmd {
	if d.refreshing[p.Name] {
		return nil
	}
	if p.Token == nil || p.Token.RefreshToken == "" {
		return statusCmd(p.Name+" has no refresh token: press n to consent again", true)
	}
	if b := d.budgets[p.Name]; b.Used >= model.RefreshLimit {
		return ask(&dialog{id: "refresh-over:" + p.Name, title: "Zoho's refresh budget is spent",
			body: fmt.Sprintf("%s was refreshed %d times in the last 10 minutes. Zoho allows 10 and throttles past that, which can lock the refresh token out for a while. The budget frees up at %s.",
				p.Name, b.Used, b.NextFree.Local().Format("15:04:05")),
			yes: "refresh anyway", no: "wait"})
	}
	return refreshCmd(d.c, []string{p.Name}, app.RefreshOptions{Force: true})
}

// refreshExpiring refreshes every profile that is expired or expiring, a
// few at a time, in one save.
func (d *dashboard) refreshExpiring() tea.Cmd {
	var names []string
	for _, n := range app.Refreshable(d.profiles, d.now, model.SoonThreshold) {
		if !d.refreshing[n] {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return statusCmd("nothing to refresh: every token has more than 15 minutes left", false)
	}
	return refreshCmd(d.c, names, app.RefreshOptions{Margin: model.SoonThreshold})
}

func (d *dashboard) refreshed(msg refreshBatchMsg) tea.Cmd {
	for _, n := range msg.names {
		delete(d.refreshing, n)
	}
	cmds := []tea.Cmd{loadProfiles(d.c.Vault, false)}
	if msg.err != nil {
		return tea.Batch(append(cmds, statusCmd("refresh failed: "+msg.err.Error(), true))...)
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
		cmds = append(cmds, statusCmd(firstErr.Error(), true))
	case len(failed) > 0:
		cmds = append(cmds, statusCmd(fmt.Sprintf("refreshed %d, %d failed (%s): %v", len(ok), len(failed), strings.Join(failed, ", "), firstErr), true))
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
	for _, n := range app.KeepAliveDue(d.profiles, d.budgets, d.now, d.keepAlive) {
		if !d.refreshing[n] {
			d.keepAlive[n] = d.now
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return refreshCmd(d.c, names, app.RefreshOptions{Margin: app.KeepAliveLead})
}

// answered acts on a confirmation dialog.
func (d *dashboard) answered(msg confirmMsg) tea.Cmd {
	kind, name, _ := strings.Cut(msg.id, ":")
	if !msg.yes {
		return nil
	}
	p := d.find(name)
	if p == nil {
		return statusCmd(name+" is gone", true)
	}
	switch kind {
	case "delete":
		return deleteCmd(d.c, *p, msg.option)
	case "copy-refresh":
		return copyCmd(d.c, name, "refresh token")
	case "refresh-over":
		return refreshCmd(d.c, []string{name}, app.RefreshOptions{Force: true, OverBudget: true})
	}
	return nil
}

// neighbour names the profile after the selected one (or before it, at the
// end), where the selection goes when the selected one is deleted.
func (d *dashboard) neighbour() string {
	for _, step := range []int{1, -1} {
		for i := d.cursor + step; i >= 0 && i < len(d.rows); i += step {
			if d.rows[i].p >= 0 {
				return d.profiles[d.rows[i].p].Name
			}
		}
	}
	return ""
}

// names lists the profiles' names, for the wizard's duplicate check.
func (d *dashboard) names() []string {
	out := make([]string, len(d.profiles))
	for i, p := range d.profiles {
		out[i] = p.Name
	}
	return out
}

func (d *dashboard) find(name string) *model.Profile {
	for i := range d.profiles {
		if d.profiles[i].Name == name {
			return &d.profiles[i]
		}
	}
	return nil
}

func dcOrCustom(p *model.Profile) string {
	if p.DC != "" {
		return p.DC
	}
	return "custom server"
}

func orNone(s string) string {
	if s == "" {
		return "no account yet"
	}
	return s
}
