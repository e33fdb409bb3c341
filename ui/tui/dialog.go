package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// dialog is a box drawn over the screen: a yes/no question (with an
// optional extra choice, such as "revoke at Zoho first"), or the help.
type dialog struct {
	id     string
	title  string
	body   string
	yes    string
	no     string
	option string
	// optionOn is the extra choice's state, toggled with space.
	optionOn bool
	// help dialogs close on any key and answer nothing; keys are laid out
	// in as many columns as fit.
	help bool
	keys [][]key.Binding
}

// askMsg puts a dialog in front; the answer comes back as a confirmMsg
// with the dialog's id, to the screen in front.
type askMsg struct{ d *dialog }

func ask(d *dialog) tea.Cmd { return func() tea.Msg { return askMsg{d} } }

func (d *dialog) update(msg tea.KeyPressMsg) (*dialog, tea.Cmd) {
	if d.help {
		return nil, nil
	}
	answer := func(yes bool) tea.Cmd {
		return func() tea.Msg { return confirmMsg{id: d.id, yes: yes, option: d.optionOn} }
	}
	switch msg.String() {
	case "y", "Y", "enter":
		return nil, answer(true)
	case "n", "N", "esc", "q":
		return nil, answer(false)
	case "space", "tab":
		if d.option != "" {
			d.optionOn = !d.optionOn
		}
	}
	return d, nil
}

func (d *dialog) view(c *Common) string {
	s := c.Styles
	width := min(max(c.Width-8, 20), 72)
	var b strings.Builder
	b.WriteString(s.DialogTitle.Render(d.title))
	b.WriteString("\n\n")
	if d.help {
		b.WriteString(helpColumns(c, d.keys, c.Width-8, c.Height-8))
	} else {
		b.WriteString(lipgloss.Wrap(d.body, width, " "))
	}
	if d.option != "" {
		box := "[ ]"
		if d.optionOn {
			box = "[x]"
		}
		b.WriteString("\n\n" + s.Accent.Render(box) + " " + d.option + s.Faint.Render("  (space)"))
	}
	if !d.help {
		b.WriteString("\n\n" + s.Key.Render("y") + " " + s.KeyDesc.Render(d.yes) + "   " + s.Key.Render("n") + " " + s.KeyDesc.Render(d.no))
	} else {
		b.WriteString("\n\n" + s.Faint.Render("any key closes this help"))
	}
	return s.Dialog.Render(b.String())
}

// helpDialog lists every key of the screen in front.
func helpDialog(c *Common, front screen) *dialog {
	cols := [][]key.Binding{front.Help()}
	if fh, ok := front.(interface{ FullHelp() [][]key.Binding }); ok {
		cols = fh.FullHelp()
	}
	return &dialog{title: "Keys", help: true, keys: cols}
}

// helpColumns lays the keys out in as many columns as fit in width and
// height: the screen's own grouping first, then two balanced columns, then
// one, cut to height as a last resort.
func helpColumns(c *Common, cols [][]key.Binding, width, height int) string {
	var all []key.Binding
	for _, col := range cols {
		all = append(all, col...)
	}
	render := func(cols [][]key.Binding) string {
		var rendered []string
		for _, col := range cols {
			var lines []string
			for _, k := range col {
				h := k.Help()
				lines = append(lines, c.Styles.Key.Render(padRight(h.Key, 8))+" "+c.Styles.KeyDesc.Render(h.Desc))
			}
			rendered = append(rendered, strings.Join(lines, "\n"))
		}
		return lipgloss.JoinHorizontal(lipgloss.Top, interleave(rendered, "    ")...)
	}
	half := (len(all) + 1) / 2
	for _, layout := range [][][]key.Binding{cols, {all[:half], all[half:]}} {
		if out := render(layout); lipgloss.Width(out) <= width && lipgloss.Height(out) <= height {
			return out
		}
	}
	lines := strings.Split(render([][]key.Binding{all}), "\n")
	if len(lines) > height {
		lines = append(lines[:max(height-1, 1)], c.Styles.Faint.Render("… (a taller window shows every key)"))
	}
	return strings.Join(lines, "\n")
}

// overlay draws top centred over base, both w×h cells.
func overlay(base, top string, w, h int) string {
	tw, th := lipgloss.Size(top)
	return lipgloss.NewCompositor(
		lipgloss.NewLayer(base),
		lipgloss.NewLayer(top).X(max((w-tw)/2, 0)).Y(max((h-th)/2, 0)).Z(1),
	).Render()
}

// truncate cuts s (which may hold ANSI styles) to width cells.
func truncate(s string, width int) string {
	if isPlainASCII(s) {
		if len(s) <= width {
			return s
		}
		if width <= 0 {
			return ""
		}
		return s[:width-1] + "…"
	}
	return ansi.Truncate(s, width, "…")
}

// padRight pads text to width cells.
func padRight(s string, width int) string {
	if w := cellWidth(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return s
}

// cellWidth is ansi.StringWidth with a fast path for plain ASCII, which is
// most of what the dashboard draws on every tick.
func cellWidth(s string) int {
	if isPlainASCII(s) {
		return len(s)
	}
	return ansi.StringWidth(s)
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x7f || c < 0x20 {
			return false
		}
	}
	return true
}

func interleave(items []string, sep string) []string {
	var out []string
	for i, it := range items {
		if i > 0 {
			out = append(out, sep)
		}
		out = append(out, it)
	}
	return out
}

// fitLines makes s exactly height lines, none wider than width. It is the
// cheap frame of every view: lipgloss's Width and Height would re-wrap the
// whole screen on every tick.
func fitLines(s string, width, height int) string {
	lines := strings.SplitN(s, "\n", height+1)
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		if len(l) > width && cellWidth(l) > width {
			lines[i] = ansi.Truncate(l, width, "")
		}
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// besides puts right to the right of left, left padded to width cells.
func besides(left string, width int, right string) string {
	l, r := strings.Split(left, "\n"), strings.Split(right, "\n")
	n := max(len(l), len(r))
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		line := ""
		if i < len(l) {
			line = l[i]
		}
		if w := cellWidth(line); w < width {
			line += strings.Repeat(" ", width-w)
		} else if w > width {
			line = ansi.Truncate(line, width, "")
		}
		b.WriteString(line)
		if i < len(r) {
			b.WriteString(r[i])
		}
	}
	return b.String()
}
