package tui

import "ztm/vault"

// profileTable is the list's state: the rows in order (profiles and group
// headings), the cursor and the scroll offset. It knows nothing of styles
// or keys; the dashboard drives it and draws it (table_view.go).
type profileTable struct {
	// profiles are the rows read, in storage order (or the first by name,
	// while the rest load).
	profiles []vault.ProfileSummary
	rows     []row
	// cursor indexes rows; selected is the selected profile's name, which
	// survives reloads, filtering and re-sorting.
	cursor   int
	offset   int
	selected string
	// height is how many rows fit on screen.
	height int
}

// current is the selected profile, or nil.
func (t *profileTable) current() *vault.ProfileSummary {
	if t.cursor < 0 || t.cursor >= len(t.rows) || t.rows[t.cursor].p < 0 {
		return nil
	}
	return &t.profiles[t.rows[t.cursor].p]
}

// setRows takes a new arrangement and puts the cursor back on the selected
// profile, or on the first profile when it is gone.
func (t *profileTable) setRows(rows []row) {
	t.rows = rows
	t.cursor = -1
	// A filter keystroke clears the selection: then there is nothing to
	// look for in 100,000 rows.
	for i, r := range t.rows {
		if t.selected == "" {
			break
		}
		if r.p >= 0 && t.profiles[r.p].Name == t.selected {
			t.cursor = i
			break
		}
	}
	if t.cursor < 0 {
		t.cursor = 0
		t.skipHeader(1)
	}
	if p := t.current(); p != nil {
		t.selected = p.Name
	}
	t.scrollToCursor()
}

// setHeight changes how many rows fit, keeping the cursor in view.
func (t *profileTable) setHeight(h int) {
	t.height = max(h, 1)
	t.scrollToCursor()
}

// move shifts the cursor by delta rows, stepping over group headings.
func (t *profileTable) move(delta int) {
	if len(t.rows) == 0 {
		return
	}
	step := 1
	if delta < 0 {
		step = -1
	}
	t.cursor = min(max(t.cursor+delta, 0), len(t.rows)-1)
	if !t.skipHeader(step) {
		t.skipHeader(-step)
	}
	if p := t.current(); p != nil {
		t.selected = p.Name
	}
	t.scrollToCursor()
}

// skipHeader moves the cursor off a heading in direction step; it reports
// whether it landed on a profile.
func (t *profileTable) skipHeader(step int) bool {
	for t.cursor >= 0 && t.cursor < len(t.rows) {
		if t.rows[t.cursor].p >= 0 {
			return true
		}
		t.cursor += step
	}
	t.cursor = min(max(t.cursor, 0), max(len(t.rows)-1, 0))
	return false
}

func (t *profileTable) scrollToCursor() {
	h := max(t.height, 1)
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	t.offset = max(min(t.offset, len(t.rows)-h), 0)
}

// at is the row index drawn on screen line y of the list (0 is the first
// row), or -1 when that line holds no profile.
func (t *profileTable) at(y int) int {
	i := t.offset + y
	if y < 0 || y >= t.height || i < 0 || i >= len(t.rows) || t.rows[i].p < 0 {
		return -1
	}
	return i
}

// selectRow puts the cursor on row i.
func (t *profileTable) selectRow(i int) {
	t.cursor = i
	if p := t.current(); p != nil {
		t.selected = p.Name
	}
	t.scrollToCursor()
}

// neighbour names the profile after the selected one (or before it, at the
// end), where the selection goes when the selected one is deleted.
func (t *profileTable) neighbour() string {
	for _, step := range []int{1, -1} {
		for i := t.cursor + step; i >= 0 && i < len(t.rows); i += step {
			if t.rows[i].p >= 0 {
				return t.profiles[t.rows[i].p].Name
			}
		}
	}
	return ""
}

// shown counts the profiles the rows hold (headings aside).
func (t *profileTable) shown() int {
	n := 0
	for _, r := range t.rows {
		if r.p >= 0 {
			n++
		}
	}
	return n
}

// find is the profile called name, or nil.
func (t *profileTable) find(name string) *vault.ProfileSummary {
	for i := range t.profiles {
		if t.profiles[i].Name == name {
			return &t.profiles[i]
		}
	}
	return nil
}
