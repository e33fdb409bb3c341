package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// dialog is a box drawn over the screen that takes the keys while it is
// open: a question, the help, the message log, a small form. update
// returns nil when the dialog closes.
type dialog interface {
	update(c *Common, msg tea.KeyPressMsg) (dialog, tea.Cmd)
	view(c *Common) string
}

// question is what a confirmation asks about. Each kind of question is its
// own type, so the answer comes back typed: no ids to parse.
type question interface{ asks() string }

// confirmMsg is the answer to a confirmation, sent to the screen in front.
type confirmMsg struct {
	about question
	yes   bool
	// option is the state of the dialog's extra choice (revoke first, say).
	option bool
}

// confirm is a yes/no question, with an optional extra choice toggled
// with space.
type confirm struct {
	about       question
	title, body string
	yes, no     string
	option      string
	optionOn    bool
}

// askMsg puts a dialog in front.
type askMsg struct{ d dialog }

func ask(d dialog) tea.Cmd { return func() tea.Msg { return askMsg{d} } }

func (d *confirm) update(c *Common, msg tea.KeyPressMsg) (dialog, tea.Cmd) {
	answer := func(yes bool) tea.Cmd {
		m := confirmMsg{about: d.about, yes: yes, option: d.optionOn}
		return func() tea.Msg { return m }
	}
	k := c.Keys
	switch {
	case key.Matches(msg, k.Yes):
		return nil, answer(true)
	case key.Matches(msg, k.No):
		return nil, answer(false)
	case key.Matches(msg, k.Toggle) && d.option != "":
		d.optionOn = !d.optionOn
	}
	return d, nil
}

func (d *confirm) view(c *Common) string {
	s := c.Styles
	width := dialogWidth(c)
	var b strings.Builder
	b.WriteString(s.DialogTitle.Render(lipgloss.Wrap(d.title, width, " ")))
	b.WriteString("\n\n")
	b.WriteString(lipgloss.Wrap(d.body, width, " "))
	if d.option != "" {
		box := "[ ]"
		if d.optionOn {
			box = "[x]"
		}
		b.WriteString("\n\n" + s.Accent.Render(box) + " " + d.option + s.Faint.Render("  ("+keyName(c.Keys.Toggle)+")"))
	}
	yes, no := c.Keys.Yes, c.Keys.No
	yes.SetHelp(keyName(yes), d.yes)
	no.SetHelp(keyName(no), d.no)
	b.WriteString("\n\n" + c.help(width).ShortHelpView([]key.Binding{yes, no}))
	return s.Dialog.Render(b.String())
}

func dialogWidth(c *Common) int { return min(max(c.Width-8, 20), 72) }

// helpDialog lists every key of the screen in front; any key closes it.
type helpDialog struct{ keys [][]key.Binding }

func newHelpDialog(front screen) *helpDialog {
	cols := [][]key.Binding{front.Help()}
	if fh, ok := front.(interface{ FullHelp() [][]key.Binding }); ok {
		cols = fh.FullHelp()
	}
	return &helpDialog{keys: cols}
}

func (d *helpDialog) update(*Common, tea.KeyPressMsg) (dialog, tea.Cmd) { return nil, nil }

func (d *helpDialog) view(c *Common) string {
	s := c.Styles
	body := helpColumns(c, d.keys, c.Width-8, c.Height-8)
	closer := c.Keys.CloseHelp.Help()
	return s.Dialog.Render(s.DialogTitle.Render("Keys") + "\n\n" + body + "\n\n" +
		s.Faint.Render(closer.Key+" closes this help"))
}

// helpColumns lays the keys out with bubbles/help in as many columns as
// fit in width and height: the screen's own grouping first, then two
// balanced columns, then one, cut to height as a last resort.
func helpColumns(c *Common, cols [][]key.Binding, width, height int) string {
	var all []key.Binding
	for _, col := range cols {
		for _, k := range col {
			if k.Enabled() {
				all = append(all, k)
			}
		}
	}
	h := c.help(0) // no width: a layout that does not fit is refused here, not cut
	half := (len(all) + 1) / 2
	for _, layout := range [][][]key.Binding{cols, {all[:half], all[half:]}} {
		if out := h.FullHelpView(layout); lipgloss.Width(out) <= width && lipgloss.Height(out) <= height {
			return out
		}
	}
	lines := strings.Split(h.FullHelpView([][]key.Binding{all}), "\n")
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
