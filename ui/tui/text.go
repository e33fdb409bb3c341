package tui

import (
	"strings"
	"ztm/model"

	"github.com/charmbracelet/x/ansi"
)

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

// hyperlinkLabel draws label as an OSC 8 link to url, where the terminal
// knows them: clicking gives the whole URL even when the label is cut.
func hyperlinkLabel(url, label string) string {
	url = model.Printable(url)
	return ansi.SetHyperlink(url) + label + ansi.ResetHyperlink()
}
