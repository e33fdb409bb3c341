package tui

import (
	"strings"

	"ztm/model"
	"ztm/vault"
)

// column is one column of the profile list. Columns with a lower keep
// value are dropped first when the window is narrow.
type column struct {
	title string
	width int // 0: takes the space left
	keep  int
}

var columns = []column{
	{"NAME", 18, 10},
	{"DC", 4, 9},
	{"EXPIRES", 16, 10},
	{"REFRESH", 9, 8},
	{"ENV", 4, 5},
	{"ACCOUNT", 24, 6},
	{"TYPE", 12, 3},
	{"LAST", 9, 2},
	{"TAGS", 12, 1},
	{"SCOPES", 0, 4},
}

// visibleColumns fits the columns into width, dropping the least
// important first. The flexible column (scopes) stays only with room for
// a useful cell; spare width goes to the account, else the name.
func visibleColumns(width int) []column {
	cols := append([]column(nil), columns...)
	fixed := func() int {
		n := 2 // the selection gutter
		for _, c := range cols {
			n += c.width + 1
		}
		return n
	}
	dropLeast := func() {
		drop := 0
		for i, c := range cols {
			if c.keep < cols[drop].keep {
				drop = i
			}
		}
		cols = append(cols[:drop], cols[drop+1:]...)
	}
	const minFlex = 12
	for len(cols) > 3 {
		spare := width - fixed()
		flex := cols[len(cols)-1].width == 0
		if spare >= 0 && (!flex || spare >= minFlex+1) {
			break
		}
		dropLeast()
	}
	spare := max(width-fixed(), 0)
	for i := range cols {
		if cols[i].width == 0 {
			cols[i].width, spare = max(spare-1, 1), 0
		}
	}
	if spare > 0 {
		grow := 0
		for i, c := range cols {
			if c.title == "ACCOUNT" {
				grow = i
			}
		}
		cols[grow].width += spare
	}
	return cols
}

// list renders the column titles and the visible rows only: the cost of a
// frame does not grow with the number of profiles.
func (d *dashboard) list() string {
	s := d.c.Styles
	w := d.listWidth()
	cols := visibleColumns(w)
	var b strings.Builder
	b.WriteString("  ")
	for _, c := range cols {
		b.WriteString(s.ColumnHead.Render(padRight(c.title, c.width)) + " ")
	}
	b.WriteByte('\n')
	t := &d.table
	switch {
	case d.loadErr != nil && !d.loaded:
		b.WriteString(s.Error.Render("  could not read the vault: " + model.Printable(d.loadErr.Error())))
		return b.String()
	case !d.loaded:
		return b.String() + s.Faint.Render("  loading…")
	case len(t.profiles) == 0:
		return b.String() + d.empty()
	case len(t.rows) == 0:
		return b.String() + s.Faint.Render("  nothing matches the filter; "+keyName(d.c.Keys.ClearFilter)+" clears it")
	}
	end := min(t.offset+t.height, len(t.rows))
	for i := t.offset; i < end; i++ {
		if i > t.offset {
			b.WriteByte('\n')
		}
		r := t.rows[i]
		if r.p < 0 {
			b.WriteString(s.GroupHead.Render(truncate("  "+model.Printable(r.header), w)))
			continue
		}
		b.WriteString(d.renderRow(&t.profiles[r.p], cols, i == t.cursor, w))
	}
	return b.String()
}

func (d *dashboard) empty() string {
	s := d.c.Styles
	return strings.Join([]string{
		"",
		"  " + s.Bold.Render("No profiles yet."),
		"  Press " + s.Key.Render(keyName(d.c.Keys.Add)) + " to add one: ztm walks you through registering a client in",
		"  Zoho's API Console, the consent, and the first token.",
		"  Scripts can add profiles too: " + s.Accent.Render("ztm add --help"),
	}, "\n")
}

func (d *dashboard) renderRow(p *vault.ProfileSummary, cols []column, selected bool, width int) string {
	s := d.c.Styles
	gutter := "  "
	switch {
	case d.refreshing[p.Name]:
		gutter = d.spin.View() + " "
	case selected:
		gutter = "▸ "
	}
	var b strings.Builder
	b.WriteString(gutter)
	for _, c := range cols {
		text, paint := d.cell(p, c.title, c.width)
		cell := padRight(truncate(model.Printable(text), c.width), c.width)
		if paint != nil && !selected {
			cell = paint.Render(cell)
		}
		b.WriteString(cell)
		b.WriteByte(' ')
	}
	line := b.String()
	if selected {
		return s.SelectedPaint.Render(padRight(truncate(line, width), width))
	}
	return line
}

// cell is the text of one column for p, and its paint (nil: plain). The
// caller makes the text printable.
func (d *dashboard) cell(p *vault.ProfileSummary, title string, width int) (string, *Paint) {
	s := &d.c.Styles
	pick := func(p Paint) *Paint { return &p }
	switch title {
	case "NAME":
		if p.KeepAlive {
			return p.Name + " ↻", nil
		}
		return p.Name, nil
	case "DC":
		dc := dcOrCustom(p.DC)
		return dc[:min(len(dc), 4)], &s.BadgePaint
	case "EXPIRES":
		tok := tokenOf(&p.Token)
		u := tok.Urgency(d.now)
		paint := pick(s.UrgencyPaint[u])
		switch u {
		case model.UrgencyNone:
			return "no token", paint
		case model.UrgencyCritical:
			return model.FormatRemaining(tok.Remaining(d.now)) + " !", paint
		}
		return model.FormatRemaining(tok.Remaining(d.now)), paint
	case "REFRESH":
		h := tokenOf(&p.Token).RefreshHealth()
		if b := d.budgets[p.Name]; h == model.HealthOK && b.Left == 0 && b.Used > 0 {
			h = model.HealthThrottled
		}
		return string(h), pick(s.HealthPaint[h])
	case "ENV":
		return envShort(p.Environment), nil
	case "ACCOUNT":
		return orDash(p.Account), nil
	case "TYPE":
		return p.ClientType.Label(), nil
	case "LAST":
		if p.Token.LastRefresh == 0 {
			return "-", nil
		}
		return model.FormatAgo(d.now.Sub(p.Token.LastRefreshAt())), nil
	case "TAGS":
		return orDash(p.Tags), &s.SubtlePaint
	case "SCOPES":
		return model.ShortScopes(p.ScopeList(), width), &s.SubtlePaint
	}
	return "", nil
}

// envShort names an environment in four cells; empty is production.
func envShort(e model.Environment) string {
	switch e.OrDefault() {
	case model.Sandbox:
		return "sbox"
	case model.Developer:
		return "dev"
	}
	return "prod"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
