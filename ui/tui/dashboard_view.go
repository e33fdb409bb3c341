package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"ztm/model"
)

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
	h := max(min(max(d.height/2, 10), 22), d.height-d.listTop()-len(d.table.rows))
	return max(min(h, d.height-d.listTop()-3), 0)
}

func (d *dashboard) listHeight() int {
	return max(d.height-d.listTop()-d.detailHeight(), 1)
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
	parts := []string{s.Title.Render("ztm")}
	switch {
	case d.partial && d.loading == 0:
		parts = append(parts, s.Subtle.Render("loading profiles…"))
	case d.partial:
		// Counts of the first rows alone would be wrong: none until all
		// are there.
		parts = append(parts, s.Subtle.Render(fmt.Sprintf("loading %d profiles…", d.loading)))
	default:
		parts = append(parts, d.counts()...)
	}
	parts = append(parts, s.Subtle.Render(d.sort.String()))
	left := strings.Join(parts, s.Faint.Render(" · "))
	if d.c.Cfg.Demo != "" {
		right := s.Badge.Render(model.Printable(d.c.Cfg.Demo))
		gap := d.width - ansi.StringWidth(left) - ansi.StringWidth(right)
		if gap > 1 {
			return left + strings.Repeat(" ", gap) + right
		}
	}
	return truncate(left, d.width)
}

// counts are the header's numbers: profiles, expired, expiring, shown.
func (d *dashboard) counts() []string {
	s := d.c.Styles
	d.arr.use(d.table.profiles)
	expired, soon := d.arr.urgencies(d.now)
	parts := []string{plural(len(d.table.profiles), "profile")}
	if expired > 0 {
		parts = append(parts, s.Urgency[model.UrgencyExpired].Render(fmt.Sprintf("%d expired", expired)))
	}
	if soon > 0 {
		parts = append(parts, s.Urgency[model.UrgencySoon].Render(fmt.Sprintf("%d expiring", soon)))
	}
	if q := d.filter.Value(); q != "" {
		parts = append(parts, fmt.Sprintf("%d shown", d.table.shown()))
	}
	return parts
}

// plural writes "1 profile", "12 profiles".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
