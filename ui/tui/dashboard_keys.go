package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// key handles a key on the list. Every case is a binding of the key map.
func (d *dashboard) key(msg tea.KeyPressMsg) tea.Cmd {
	k := d.c.Keys
	before := d.table.selected
	switch {
	case key.Matches(msg, k.Up):
		d.table.move(-1)
	case key.Matches(msg, k.Down):
		d.table.move(1)
	case key.Matches(msg, k.PageUp):
		d.table.move(-max(d.listHeight()-1, 1))
	case key.Matches(msg, k.PageDown):
		d.table.move(max(d.listHeight()-1, 1))
	case key.Matches(msg, k.Top):
		d.table.move(-len(d.table.rows))
	case key.Matches(msg, k.Bottom):
		d.table.move(len(d.table.rows))
	case key.Matches(msg, k.DetailUp):
		d.pane.ScrollUp(max(d.pane.Height()/2, 1))
		return nil
	case key.Matches(msg, k.DetailDown):
		d.pane.ScrollDown(max(d.pane.Height()/2, 1))
		return nil
	default:
		return d.command(msg)
	}
	d.selectionMoved(before)
	return d.selectionChanged()
}

// command handles the keys that act, rather than move.
func (d *dashboard) command(msg tea.KeyPressMsg) tea.Cmd {
	k := d.c.Keys
	p := d.current()
	switch {
	case key.Matches(msg, k.Filter):
		d.filtering = true
		d.layout()
		return d.filter.Focus()
	case key.Matches(msg, k.ClearFilter):
		if d.filter.Value() != "" {
			d.filter.SetValue("")
			d.rearrange()
		} else if d.detail {
			d.detail, d.reveal = false, false
			d.layout()
		}
		return nil
	case key.Matches(msg, k.Sort):
		d.sort = (d.sort + 1) % 3
		d.rearrange()
		return statusCmd(d.sort.announce(), false)
	case key.Matches(msg, k.Details):
		d.detail = !d.detail
		d.reveal = false
		d.pane.GotoTop()
		d.layout()
		return d.loadEvents()
	case key.Matches(msg, k.Reveal):
		if p != nil {
			d.detail, d.reveal = true, !d.reveal
			d.pane.GotoTop()
			d.layout()
			return d.loadEvents()
		}
		return nil
	case key.Matches(msg, k.Add):
		return func() tea.Msg { return openWizardMsg{} }
	case p == nil:
		return nil
	}
	return d.act(msg, p.Name)
}

func (d *dashboard) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	k := d.c.Keys
	before := d.table.selected
	switch {
	case key.Matches(msg, k.FilterAccept):
		d.filtering = false
		d.filter.Blur()
		d.layout()
		return nil
	case key.Matches(msg, k.FilterCancel):
		d.filtering = false
		d.filter.Blur()
		d.filter.SetValue("")
		d.rearrange()
		return nil
	case key.Matches(msg, k.FilterUp):
		d.table.move(-1)
		d.selectionMoved(before)
		return nil
	case key.Matches(msg, k.FilterDown):
		d.table.move(1)
		d.selectionMoved(before)
		return nil
	}
	var cmd tea.Cmd
	value := d.filter.Value()
	d.filter, cmd = d.filter.Update(msg)
	if d.filter.Value() != value {
		d.table.selected = ""
		d.rearrange()
	}
	return cmd
}

// selectionChanged loads the record and events of a newly selected
// profile when the detail pane shows them.
func (d *dashboard) selectionChanged() tea.Cmd {
	if p := d.current(); p != nil && d.detail && d.fullOf(p) == nil {
		d.events = nil
		return loadDetail(d.c.Vault, p.Name)
	}
	return nil
}

// click selects the row under the pointer; a click on the selected row
// opens or closes its details.
func (d *dashboard) click(m tea.Mouse) tea.Cmd {
	if m.X >= d.listWidth() {
		return nil
	}
	i := d.table.at(m.Y - d.listTop())
	if i < 0 {
		return nil
	}
	if i == d.table.cursor && m.Button == tea.MouseLeft {
		d.detail = !d.detail
		d.layout()
	}
	before := d.table.selected
	d.table.selectRow(i)
	d.selectionMoved(before)
	return d.selectionChanged()
}

// wheel scrolls the detail pane under the pointer, else the selection.
func (d *dashboard) wheel(m tea.Mouse) tea.Cmd {
	delta := 0
	switch m.Button {
	case tea.MouseWheelUp:
		delta = -3
	case tea.MouseWheelDown:
		delta = 3
	default:
		return nil
	}
	if d.overPane(m) {
		if delta < 0 {
			d.pane.ScrollUp(-delta)
		} else {
			d.pane.ScrollDown(delta)
		}
		return nil
	}
	before := d.table.selected
	d.table.move(delta)
	d.selectionMoved(before)
	return d.selectionChanged()
}

// overPane reports whether the pointer is over the detail pane.
func (d *dashboard) overPane(m tea.Mouse) bool {
	switch {
	case !d.detail:
		return false
	case d.sideBySide():
		return m.X >= d.listWidth()
	}
	return m.Y >= d.listTop()+d.listHeight()
}
