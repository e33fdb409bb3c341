package tui

import (
	"image/color"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"

	"ztm/model"
)

// Styles is every style the screens use, built once for the terminal's
// background. Colours are chosen for both light and dark backgrounds;
// Bubble Tea drops them where the terminal (or NO_COLOR) has none, so
// nothing relies on colour alone: expiry is also spelt out in words.
type Styles struct {
	IsDark bool

	App, Title, Subtle, Faint, Bold, Error, Warn, OK, Accent lipgloss.Style
	Header, HeaderBar, Footer, Status, StatusErr             lipgloss.Style
	ColumnHead, Row, Selected, GroupHead                     lipgloss.Style
	Urgency                                                  map[model.Urgency]lipgloss.Style
	Health                                                   map[model.Health]lipgloss.Style
	Badge                                                    lipgloss.Style
	Pane, PaneTitle, Label, Value, Secret                    lipgloss.Style
	Dialog, DialogTitle, Key, KeyDesc, Input, BigCode        lipgloss.Style

	BarFull, BarEmpty color.Color

	// Help is bubbles/help's styles for this background, in our colours.
	Help help.Styles

	// Paints of the styles a table cell uses: the same escape codes as
	// Render, computed once, since every tick redraws every visible cell.
	UrgencyPaint  map[model.Urgency]Paint
	HealthPaint   map[model.Health]Paint
	BadgePaint    Paint
	SubtlePaint   Paint
	SelectedPaint Paint
}

// Paint is a style reduced to the escape codes around its text, for
// single-line text without padding, borders or width.
type Paint struct{ pre, post string }

func newPaint(st lipgloss.Style) Paint {
	r := st.Render("\x00")
	i := strings.IndexByte(r, 0)
	if i < 0 {
		return Paint{}
	}
	return Paint{r[:i], r[i+1:]}
}

// Render wraps s in the style's escape codes.
func (p Paint) Render(s string) string { return p.pre + s + p.post }

// NewStyles builds the styles for a dark or light background.
func NewStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	var (
		fg      = c("#1f2328", "#e6edf3")
		subtle  = c("#57606a", "#9da7b3")
		faint   = c("#8c959f", "#6e7681")
		accent  = c("#6639ba", "#a78bfa")
		green   = c("#1a7f37", "#3fb950")
		yellow  = c("#9a6700", "#d29922")
		orange  = c("#bc4c00", "#f0883e")
		red     = c("#cf222e", "#f85149")
		selBg   = c("#ddf4ff", "#1f3a5f")
		barBg   = c("#d0d7de", "#30363d")
		border  = c("#d0d7de", "#3d444d")
		dialogB = c("#8250df", "#8b5cf6")
	)
	s := Styles{IsDark: isDark}
	s.App = lipgloss.NewStyle().Foreground(fg)
	s.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Subtle = lipgloss.NewStyle().Foreground(subtle)
	s.Faint = lipgloss.NewStyle().Foreground(faint)
	s.Bold = lipgloss.NewStyle().Bold(true)
	s.Error = lipgloss.NewStyle().Foreground(red).Bold(true)
	s.Warn = lipgloss.NewStyle().Foreground(orange)
	s.OK = lipgloss.NewStyle().Foreground(green)
	s.Accent = lipgloss.NewStyle().Foreground(accent)
	s.Header = lipgloss.NewStyle().Bold(true)
	s.HeaderBar = lipgloss.NewStyle().Foreground(subtle)
	s.Footer = lipgloss.NewStyle().Foreground(faint)
	s.Status = lipgloss.NewStyle().Foreground(green)
	s.StatusErr = lipgloss.NewStyle().Foreground(red)
	s.ColumnHead = lipgloss.NewStyle().Foreground(subtle).Bold(true)
	s.Row = lipgloss.NewStyle()
	// Reverse video marks the selection even without colour.
	s.Selected = lipgloss.NewStyle().Background(selBg).Bold(true)
	s.GroupHead = lipgloss.NewStyle().Foreground(accent).Bold(true)
	s.Urgency = map[model.Urgency]lipgloss.Style{
		model.UrgencyNone:     lipgloss.NewStyle().Foreground(faint),
		model.UrgencyOK:       lipgloss.NewStyle().Foreground(green),
		model.UrgencySoon:     lipgloss.NewStyle().Foreground(yellow),
		model.UrgencyCritical: lipgloss.NewStyle().Foreground(orange).Bold(true),
		model.UrgencyExpired:  lipgloss.NewStyle().Foreground(red),
	}
	s.Health = map[model.Health]lipgloss.Style{
		model.HealthOK:        lipgloss.NewStyle().Foreground(green),
		model.HealthMissing:   lipgloss.NewStyle().Foreground(faint),
		model.HealthRevoked:   lipgloss.NewStyle().Foreground(red).Bold(true),
		model.HealthThrottled: lipgloss.NewStyle().Foreground(orange),
	}
	s.Badge = lipgloss.NewStyle().Foreground(accent).Bold(true)
	s.Pane = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(border).Padding(0, 1)
	s.PaneTitle = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Label = lipgloss.NewStyle().Foreground(subtle)
	s.Value = lipgloss.NewStyle().Foreground(fg)
	s.Secret = lipgloss.NewStyle().Foreground(faint)
	s.Dialog = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(dialogB).Padding(1, 2)
	s.DialogTitle = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Key = lipgloss.NewStyle().Foreground(accent).Bold(true)
	s.KeyDesc = lipgloss.NewStyle().Foreground(subtle)
	s.Input = lipgloss.NewStyle().Border(lipgloss.NormalBorder(), false, false, true, false).BorderForeground(border)
	s.BigCode = lipgloss.NewStyle().Bold(true).Foreground(accent).Padding(0, 2).Border(lipgloss.DoubleBorder()).BorderForeground(dialogB)
	s.BarFull, s.BarEmpty = green, barBg
	s.Help = help.DefaultStyles(isDark)
	s.Help.ShortKey, s.Help.FullKey = s.Key, s.Key
	s.Help.ShortDesc, s.Help.FullDesc = s.KeyDesc, s.KeyDesc
	s.UrgencyPaint = map[model.Urgency]Paint{}
	for u, st := range s.Urgency {
		s.UrgencyPaint[u] = newPaint(st)
	}
	s.HealthPaint = map[model.Health]Paint{}
	for h, st := range s.Health {
		s.HealthPaint[h] = newPaint(st)
	}
	s.BadgePaint, s.SubtlePaint, s.SelectedPaint = newPaint(s.Badge), newPaint(s.Subtle), newPaint(s.Selected)
	return s
}
