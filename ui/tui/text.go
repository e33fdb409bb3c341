package tui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// printable makes stored or received text safe to draw: C0 and C1 control
// characters (ESC among them), DEL, bidirectional overrides and invalid
// UTF-8 become a visible escape such as `\x1b` or `\u202e`. A profile's
// name, account, notes or an error from Zoho can then neither move the
// cursor, retitle the window, nor reorder what is drawn. Every stored text
// the dashboard prints goes through it; line breaks are escaped too, so a
// value stays on its line.
func printable(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s // the common case costs one pass and no allocation
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case isBidiControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// isBidiControl reports the characters that change the order text is
// drawn in: embeddings, overrides, isolates and the invisible marks.
func isBidiControl(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
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
	url = printable(url)
	return ansi.SetHyperlink(url) + label + ansi.ResetHyperlink()
}
