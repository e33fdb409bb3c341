package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"ztm/model"
)

// column is one column of the profile list. Columns with a lower keep
// value are dropped first when the window is narrow.
type column struct {
	title string
	width int // 0: takes the space left
	keep  int
}

var columns = []column{
	{"NAME", 18, 9},
	{"DC", 4, 8},
	{"EXPIRES", 16, 9},
	{"REFRESH", 9, 7},
	{"ACCOUNT", 24, 5},
	{"TYPE", 12, 3},
	{"LAST", 9, 2},
	{"SCOPES", 0, 4},
}

// detailSideWidth is the detail pane's width beside the list, on wide
// windows; narrower windows put it under the list.
const (
	detailSideWidth = 46
	sideBySideMin   = 110
)

func (d *dashboard) sideBySide() bool { return d.detail && d.width >= sideBySideMin }

func (d *dashboard) listWidth() int {
	if d.sideBySide() {
		return d.width - detailSideWidth
	}
	return d.width
}

// listTop is the screen line of the first list row: header, filter line
// (when shown), column titles.
func (d *dashboard) listTop() int {
	top := 2
	if d.filtering || d.filter.Value() != "" {
		top++
	}
	return top
}

// detailHeight is the height of the detail pane under the list.
func (d *dashboard) detailHeight() int {
	if !d.detail || d.sideBySide() {
		return 0
	}
	// Half the screen, or whatever a short list leaves, keeping at least
	// three rows of the list.
	h := max(min(max(d.height/2, 10), 22), d.height-d.listTop()-len(d.rows))
	return max(min(h, d.height-d.listTop()-3), 0)
}

func (d *dashboard) listHeight() int {
	return max(d.height-d.listTop()-d.detailHeight(), 1)
}

func (d *dashboard) scrollToCursor() {
	h := d.listHeight()
	if d.cursor < d.offset {
		d.offset = d.cursor
	}
	if d.cursor >= d.offset+h {
		d.offset = d.cursor - h + 1
	}
	d.offset = max(min(d.offset, len(d.rows)-h), 0)
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

func (d *dashboard) View() string {
	if d.width == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(d.header())
	b.WriteByte('\n')
	if d.filtering || d.filter.Value() != "" {
		b.WriteString(truncate(d.filter.View(), d.width))
		b.WriteByte('\n')
	}
	list := d.list()
	if d.sideBySide() {
		pane := d.detailView(detailSideWidth, d.height-1)
		b.WriteString(besides(list, d.listWidth(), pane))
		return b.String()
	}
	b.WriteString(list)
	if h := d.detailHeight(); h > 0 {
		b.WriteByte('\n')
		b.WriteString(d.detailView(d.width, h))
	}
	return b.String()
}

// header: title, counts by urgency, sort order, and the demo banner.
func (d *dashboard) header() string {
	s := d.c.Styles
	expired, soon := 0, 0
	for i := range d.profiles {
		switch d.profiles[i].Token.Urgency(d.now) {
		case model.UrgencyExpired:
			expired++
		case model.UrgencySoon, model.UrgencyCritical:
			soon++
		}
	}
	parts := []string{s.Title.Render("ztm"), plural(len(d.profiles), "profile")}
	if expired > 0 {
		parts = append(parts, s.Urgency[model.UrgencyExpired].Render(fmt.Sprintf("%d expired", expired)))
	}
	if soon > 0 {
		parts = append(parts, s.Urgency[model.UrgencySoon].Render(fmt.Sprintf("%d expiring", soon)))
	}
	if q := d.filter.Value(); q != "" {
		parts = append(parts, fmt.Sprintf("%d shown", d.shownProfiles()))
	}
	parts = append(parts, s.Subtle.Render(d.sort.String()))
	left := strings.Join(parts, s.Faint.Render(" · "))
	if d.c.Cfg.Demo != "" {
		right := s.Badge.Render(d.c.Cfg.Demo)
		gap := d.width - ansi.StringWidth(left) - ansi.StringWidth(right)
		if gap > 1 {
			return left + strings.Repeat(" ", gap) + right
		}
	}
	return truncate(left, d.width)
}

func (d *dashboard) shownProfiles() int {
	n := 0
	for _, r := range d.rows {
		if r.p >= 0 {
			n++
		}
	}
	return n
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
	h := d.listHeight()
	switch {
	case d.loadErr != nil && !d.loaded:
		b.WriteString(s.Error.Render("  could not read the vault: " + d.loadErr.Error()))
		return b.String()
	case !d.loaded:
		return b.String() + s.Faint.Render("  loading…")
	case len(d.profiles) == 0:
		return b.String() + d.empty()
	case len(d.rows) == 0:
		return b.String() + s.Faint.Render("  nothing matches the filter; esc clears it")
	}
	end := min(d.offset+h, len(d.rows))
	for i := d.offset; i < end; i++ {
		if i > d.offset {
			b.WriteByte('\n')
		}
		r := d.rows[i]
		if r.p < 0 {
			b.WriteString(s.GroupHead.Render(truncate("  "+r.header, w)))
			continue
		}
		b.WriteString(d.renderRow(&d.profiles[r.p], cols, i == d.cursor, w))
	}
	return b.String()
}

func (d *dashboard) empty() string {
	s := d.c.Styles
	return strings.Join([]string{
		"",
		"  " + s.Bold.Render("No profiles yet."),
		"  Press " + s.Key.Render("a") + " to add one: ztm walks you through registering a client in",
		"  Zoho's API Console, the consent, and the first token.",
		"  Scripts can add profiles too: " + s.Accent.Render("ztm add --help"),
	}, "\n")
}

func (d *dashboard) renderRow(p *model.Profile, cols []column, selected bool, width int) string {
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
		cell := padRight(truncate(text, c.width), c.width)
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

// cell is the text of one column for p, and its paint (nil: plain).
func (d *dashboard) cell(p *model.Profile, title string, width int) (string, *Paint) {
	s := &d.c.Styles
	pick := func(p Paint) *Paint { return &p }
	switch title {
	case "NAME":
		if p.KeepAlive {
			return p.Name + " ↻", nil
		}
		return p.Name, nil
	case "DC":
		dc := dcOrCustom(p)
		return dc[:min(len(dc), 4)], &s.BadgePaint
	case "EXPIRES":
		u := p.Token.Urgency(d.now)
		paint := pick(s.UrgencyPaint[u])
		switch u {
		case model.UrgencyNone:
			return "no token", paint
		case model.UrgencyCritical:
			return model.FormatRemaining(p.Token.Remaining(d.now)) + " !", paint
		}
		return model.FormatRemaining(p.Token.Remaining(d.now)), paint
	case "REFRESH":
		h := p.Token.RefreshHealth()
		if b := d.budgets[p.Name]; h == model.HealthOK && b.Left == 0 && b.Used > 0 {
			h = model.HealthThrottled
		}
		return string(h), pick(s.HealthPaint[h])
	case "ACCOUNT":
		return orDash(p.Account), nil
	case "TYPE":
		return p.ClientType.Label(), nil
	case "LAST":
		if p.Token == nil || p.Token.LastRefreshAt.IsZero() {
			return "-", nil
		}
		return model.FormatAgo(d.now.Sub(p.Token.LastRefreshAt)), nil
	case "SCOPES":
		return model.ShortScopes(p.Scopes, width), &s.SubtlePaint
	}
	return "", nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// plural writes "1 profile", "12 profiles".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
