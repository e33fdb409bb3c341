package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/oauth"
	"ztm/ui/app"
)

// deviceGrant is the device flow for a Non-browser client: the person
// types a short code on any device while ztm polls.
type deviceGrant struct {
	w      *wizard
	device *oauth.DeviceCode
	poll   oauth.DevicePoll
}

func newDeviceGrant(w *wizard) grantPath { return &deviceGrant{w: w} }

func (g *deviceGrant) about() kindAbout {
	return kindAbout{title: "Non-browser (device flow)",
		when:   "you type a short code on any device's browser. For SSH sessions and headless machines.",
		method: model.GrantDeviceFlow, consent: true, waits: true,
		guide: func(*wizard) []string {
			return []string{
				"1. Add Client, then Non-browser Applications.",
				"2. Client Name: letters, digits, _ and & only. Create.",
				"3. Paste the Client ID and Client Secret below.",
			}
		}}
}

func (g *deviceGrant) start() tea.Cmd  { return nil }
func (g *deviceGrant) stop()           {}
func (g *deviceGrant) capturing() bool { return false }

func (g *deviceGrant) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case flowStepMsg:
		switch msg.step.Stage {
		case app.StageDeviceCode:
			d := msg.step.Device
			g.device = &d
		case app.StageDevicePoll:
			g.poll = msg.step.Poll
		}
		return nil
	case tea.KeyPressMsg:
		if g.device == nil {
			return nil
		}
		k := g.w.keys
		switch {
		case key.Matches(msg, k.OpenPage):
			return g.w.openURL(g.device.VerificationURL, nil)
		case key.Matches(msg, k.CopyCode):
			return g.w.copyText(g.device.UserCode, "code")
		}
	}
	return nil
}

func (g *deviceGrant) help() []key.Binding {
	k := g.w.keys
	return []key.Binding{k.OpenPage, k.CopyCode, k.Cancel}
}

func (g *deviceGrant) view() string {
	w, s := g.w, g.w.c.Styles
	b := newLines(w.width)
	if g.device == nil {
		b.line(w.spin.View() + " asking Zoho for a code…")
		return b.String()
	}
	b.line("On any device, open " + s.Accent.Render(g.device.VerificationURL) + " and enter:")
	// The code is a bordered box of three lines: indent each of them.
	b.raw("\n    " + strings.ReplaceAll(s.BigCode.Render(g.device.UserCode), "\n", "\n    ") + "\n\n")
	left := g.device.ExpiresAt.Sub(w.now)
	status := "waiting for you to approve"
	if g.poll.Status == "slow_down" {
		status = "Zoho asked ztm to poll more slowly"
	}
	if g.poll.AccountsServer != "" && g.poll.AccountsServer != w.profile.AccountsServer {
		status += "; your account is in " + w.c.Cfg.DCs.Describe(g.poll.AccountsServer) + ", ztm follows it there"
	}
	b.line(w.spin.View() + " " + status + fmt.Sprintf(" (check %d; the code expires in %s)", g.poll.Attempt, model.FormatRemaining(left)))
	return b.String()
}
