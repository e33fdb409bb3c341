package tui

import (
	"runtime/debug"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/vault"
)

// dashboard is the screen people live in: every profile with a live
// countdown, a filter, a detail pane and the actions. Its parts are in
// dashboard_keys.go (keys and mouse), dashboard_actions.go (what the keys
// start and what comes back), dashboard_view.go, table*.go and detail.go.
type dashboard struct {
	c *Common

	table   profileTable
	arr     arranger // the table's orders and last filter (arrange.go)
	budgets map[string]model.RefreshBudget
	loaded  bool
	loadErr error
	// partial is set while only the first rows are there and the rest
	// load; loading is then how many profiles there are, once counted.
	partial bool
	loading int

	sort      sortMode
	filter    textinput.Model
	filtering bool

	detail bool
	reveal bool
	// full is the selected profile's whole record, secrets and all, which
	// the detail pane shows; rows hold none of that. events are its latest.
	full   *model.Profile
	events []model.Event
	// pane scrolls the detail pane: revealed tokens and the events do not
	// fit a short window.
	pane viewport.Model

	refreshing map[string]bool
	spin       busy
	keepAlive  map[string]time.Time // last keep-alive attempt per profile
	keptAlive  []model.Profile      // stand-ins of the profiles with keep-alive on, as last loaded (profileOf)

	// tickGen is the generation of the heartbeat chain; a tick of an
	// older chain is dropped rather than re-armed.
	tickGen int

	now           time.Time
	width, height int
}

func newDashboard(c *Common) *dashboard {
	f := c.newInput()
	f.Prompt = "/ "
	f.Placeholder = "name, DC, account or tag"
	f.CharLimit = 64
	return &dashboard{
		c: c, filter: f, now: c.Cfg.Now(),
		refreshing: map[string]bool{}, keepAlive: map[string]time.Time{},
		spin: newBusy(c, spinner.MiniDot),
		pane: viewport.New(),
	}
}

func (d *dashboard) Init() tea.Cmd {
	d.tickGen++
	return tea.Batch(loadFirstRows(d.c.Vault), tick(d.c, d.tickGen, d.c.Cfg.Now()))
}

func (d *dashboard) restyle() {
	d.c.styleInput(&d.filter)
	d.spin.restyle(d.c)
}

func (d *dashboard) SetSize(w, h int) {
	d.width, d.height = w, h
	d.filter.SetWidth(max(w-4, 10))
	d.layout()
}

func (d *dashboard) Capturing() bool { return d.filtering }

func (d *dashboard) Help() []key.Binding {
	k := d.c.Keys
	if d.filtering {
		return []key.Binding{k.FilterAccept, k.FilterCancel}
	}
	return k.ShortHelp()
}

// FullHelp is what the help overlay lists.
func (d *dashboard) FullHelp() [][]key.Binding { return d.c.Keys.FullHelp() }

// layout tells the table how many rows it has room for; it runs after
// anything that moves the list (the window, the filter line, the pane, the
// number of rows).
func (d *dashboard) layout() { d.table.setHeight(d.listHeight()) }

// current is the selected profile's row, or nil.
func (d *dashboard) current() *vault.ProfileSummary { return d.table.current() }

func (d *dashboard) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tickMsg:
		if msg.gen != d.tickGen {
			return d, nil // an older chain: one heartbeat is enough
		}
		d.now = d.c.Cfg.Now() // the injected clock, not the timer's, so tests control time
		return d, tea.Batch(tick(d.c, d.tickGen, d.now), checkChanged(d.c.Vault), d.keepAliveDue())
	case profilesMsg:
		return d, d.loadedProfiles(msg)
	case profileCountMsg:
		if !d.partial {
			return d, nil // a whole read came first
		}
		d.loading = msg.n
		return d, loadProfiles(d.c.Vault, false)
	case eventsMsg:
		if p := d.current(); p != nil && p.Name == msg.profile {
			d.full, d.events = msg.full, msg.events
		}
		return d, nil
	case refreshBatchMsg:
		return d, d.refreshed(msg)
	case spinFrameMsg:
		if len(d.refreshing) == 0 {
			d.spin.stop() // no work, no frames, no CPU
		}
		cmd, _ := d.spin.frame(d.c, msg)
		return d, cmd
	case copiedMsg:
		return d, d.copied(msg)
	case clipboardClearMsg:
		return d, clearClipboard(d.c, msg.value)
	case clipboardClearedMsg:
		return d, d.clipboardCleared(msg)
	case deletedMsg:
		return d, d.deleted(msg)
	case savedMsg:
		if msg.err != nil {
			return d, statusCmd(d.errText(msg.err), true)
		}
		return d, tea.Batch(statusCmd(msg.what, false), loadProfiles(d.c.Vault, false))
	case confirmMsg:
		return d, d.answered(msg)
	case notesForMsg:
		return d, d.notesFor(msg)
	case refreshThemMsg:
		return d, d.refreshThem(msg)
	case tea.PasteMsg:
		if d.filtering {
			d.filter.SetValue(d.filter.Value() + strings.TrimSpace(msg.Content))
			d.table.selected = ""
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
		return d, d.wheel(msg.Mouse())
	}
	return d, nil
}

// loadedProfiles takes a fresh read and keeps the selection on the same
// profile. The first rows come first, alone: they fill the screen at
// once, and the header says the rest are loading until they are there;
// the list's order is the same, so nothing on screen moves when they come.
func (d *dashboard) loadedProfiles(msg profilesMsg) tea.Cmd {
	if msg.err != nil {
		d.loadErr = msg.err
		return statusCmd("could not read the vault: "+msg.err.Error(), true)
	}
	if msg.first && d.loaded {
		return nil // a whole read came first
	}
	d.table.profiles, d.budgets, d.loaded, d.loadErr = msg.rows, msg.budgets, true, nil
	d.partial, d.loading = msg.first, 0
	// The heartbeat looks for keep-alive work every second; only these
	// profiles can have any.
	d.keptAlive = d.keptAlive[:0]
	for i := range msg.rows {
		if msg.rows[i].KeepAlive {
			d.keptAlive = append(d.keptAlive, profileOf(&msg.rows[i]))
		}
	}
	// A token just issued must not show more than its life until the next tick.
	d.now = d.c.Cfg.Now()
	d.rearrange()
	if msg.first {
		return countProfiles(d.c.Vault)
	}
	return tea.Batch(d.loadEvents(), releaseLoadGarbage(len(msg.rows)))
}

// bigLoad is the number of profiles past which a load hands the memory it
// used for reading back to the system.
const bigLoad = 10000

// releaseLoadGarbage returns, after a load of n profiles, what reading
// them left behind: at 100,000 profiles the rows SQLite handed over and
// the previous load's profiles are over 100 MB that the runtime would
// otherwise keep resident until it next needed the space. It runs as a
// command, after the rows are on screen.
func releaseLoadGarbage(n int) tea.Cmd {
	if n < bigLoad {
		return nil
	}
	return func() tea.Msg {
		debug.FreeOSMemory()
		return nil
	}
}

// loadEvents reads the selected profile's record and events again, when
// the detail pane shows them.
func (d *dashboard) loadEvents() tea.Cmd {
	if p := d.current(); p != nil && d.detail {
		return loadDetail(d.c.Vault, p.Name)
	}
	return nil
}

// rearrange rebuilds the rows after the data, filter or order changed.
func (d *dashboard) rearrange() {
	before := d.table.selected
	d.arr.use(d.table.profiles)
	d.table.setRows(d.arr.arrange(d.filter.Value(), d.sort, d.c.Cfg.DCs))
	d.layout()
	d.selectionMoved(before)
}

// selectionMoved masks secrets revealed for one profile when the selection
// moves to another, and scrolls the new one's details to the top.
func (d *dashboard) selectionMoved(before string) {
	if d.table.selected != before {
		d.reveal = false
		d.pane.GotoTop()
	}
}

// afterWizard returns from the wizard: reload, and select what it saved.
func (d *dashboard) afterWizard(saved string) tea.Cmd {
	if saved == "" {
		return loadProfiles(d.c.Vault, false)
	}
	d.table.selected = saved
	d.filter.SetValue("")
	return tea.Batch(loadProfiles(d.c.Vault, false), statusCmd("saved "+saved, false))
}

// names lists the profiles' names, for the wizard's duplicate check.
func (d *dashboard) names() []string {
	out := make([]string, len(d.table.profiles))
	for i := range d.table.profiles {
		out[i] = d.table.profiles[i].Name
	}
	return out
}

func (d *dashboard) find(name string) *vault.ProfileSummary { return d.table.find(name) }

// fullOf is the whole record of p when the detail pane has read it.
func (d *dashboard) fullOf(p *vault.ProfileSummary) *model.Profile {
	if p == nil || d.full == nil || d.full.ID != p.ID || d.full.Name != p.Name {
		return nil
	}
	return d.full
}
