package tui

import (
	"strings"
	"ztm/model"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// logDialog shows the recent messages whole, newest last: the status line
// shows only one line of one message for a few seconds.
type logDialog struct {
	vp viewport.Model
}

func newLogDialog(c *Common, log []logEntry) *logDialog {
	width := dialogWidth(c)
	s := c.Styles
	var lines []string
	for _, e := range log {
		st := s.Status
		if e.err {
			st = s.StatusErr
		}
		text := lipgloss.Wrap(model.PrintableLines(e.text), width-9, " ")
		for i, l := range strings.Split(text, "\n") {
			prefix := strings.Repeat(" ", 9)
			if i == 0 {
				prefix = s.Faint.Render(e.at.Local().Format("15:04:05")) + " "
			}
			lines = append(lines, prefix+st.Render(l))
		}
	}
	if len(lines) == 0 {
		lines = []string{s.Faint.Render("no messages yet")}
	}
	vp := viewport.New(viewport.WithWidth(width), viewport.WithHeight(max(min(len(lines), c.Height-10), 1)))
	vp.SetContentLines(lines)
	vp.GotoBottom()
	return &logDialog{vp: vp}
}

func (d *logDialog) update(c *Common, msg tea.KeyPressMsg) (dialog, tea.Cmd) {
	switch k := c.Keys; {
	case key.Matches(msg, k.Up):
		d.vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		d.vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		d.vp.PageUp()
	case key.Matches(msg, k.PageDown):
		d.vp.PageDown()
	default:
		return nil, nil
	}
	return d, nil
}

func (d *logDialog) view(c *Common) string {
	s := c.Styles
	hint := c.help(dialogWidth(c)).ShortHelpView([]key.Binding{c.Keys.Up, c.Keys.Down, c.Keys.CloseHelp})
	return s.Dialog.Render(s.DialogTitle.Render("Messages") + "\n\n" + d.vp.View() + "\n\n" + hint)
}
