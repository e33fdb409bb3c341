package tui

import (
	"ztm/model"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// openLinkCmd opens url in the browser. Whatever happens, the person hears
// of it: opened, or no browser here and the URL shown whole (linkMsg).
// Screens call it for every "open in the browser" key.
func openLinkCmd(c *Common, url, what string) tea.Cmd {
	open := c.Cfg.OpenURL
	return func() tea.Msg { return linkMsg{url: url, what: what, err: open(url)} }
}

// linkMsg reports an attempt to open a URL in the browser.
type linkMsg struct {
	url, what string
	err       error
}

// linkDialog shows a URL that could not be opened: on a line of its own,
// never broken (a URL cut by hard line breaks selects and pastes as a
// broken URL), as an OSC 8 hyperlink where the terminal knows them, and
// with a key to copy it.
type linkDialog struct {
	url, what, why string
}

func (d *linkDialog) update(c *Common, msg tea.KeyPressMsg) (dialog, tea.Cmd) {
	if key.Matches(msg, c.Keys.Copy) {
		return nil, copyTextToClipboard(c, d.url, d.what)
	}
	return nil, nil
}

func (d *linkDialog) view(c *Common) string {
	s := c.Styles
	width := dialogWidth(c)
	// The URL is the dialog's widest line, up to the whole screen: only
	// the label is cut on a very narrow screen, never the link's target.
	label := truncate(model.Printable(d.url), max(c.Width-8, 10))
	copyKey := c.Keys.Copy
	copyKey.SetHelp(keyName(copyKey), "copy the URL")
	return s.Dialog.Render(s.DialogTitle.Render("Open the "+d.what+" yourself") + "\n\n" +
		lipgloss.Wrap("No browser could be opened here ("+model.Printable(d.why)+"). Open this URL wherever you are signed in to Zoho:", width, " ") + "\n\n" +
		s.Accent.Render(hyperlinkLabel(d.url, label)) + "\n\n" +
		c.help(width).ShortHelpView([]key.Binding{copyKey, c.Keys.CloseHelp}))
}

// linkOpened tells the person what became of an "open in the browser".
func linkOpened(msg linkMsg) (dialog, tea.Cmd) {
	if msg.err != nil {
		return &linkDialog{url: msg.url, what: msg.what, why: msg.err.Error()},
			statusCmd("no browser could be opened: the "+msg.what+" is shown instead", true)
	}
	return nil, statusCmd("opened the "+msg.what+" in your browser", false)
}

// copyTextToClipboard puts text on the clipboard, through the terminal
// (OSC 52) when the system clipboard is out of reach.
func copyTextToClipboard(c *Common, text, what string) tea.Cmd {
	clip := c.Cfg.Clipboard
	return func() tea.Msg {
		if err := clipWrite(c, clip, text); err != nil {
			return tea.BatchMsg{
				func() tea.Msg { return osc52Msg{value: text} },
				statusCmd("copied the "+what+" through the terminal", false),
			}
		}
		return statusMsg{text: "copied the " + what}
	}
}
