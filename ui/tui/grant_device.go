package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/oauth"
)

// deviceWait bounds a device-flow attempt. Zoho's user code lives five
// minutes and PollDevice stops when it expires; this only guards against
// a poll that never answers.
const deviceWait = 15 * time.Minute

// deviceGrant is the device flow for a Non-browser client: the person
// types a short code on any device while ztm polls.
type deviceGrant struct {
	w      *wizard
	ctx    context.Context
	device *oauth.DeviceCode
	poll   oauth.DevicePoll
}

// Messages of the device flow.
type (
	deviceCodeMsg struct {
		d   oauth.DeviceCode
		err error
	}
	devicePollMsg struct {
		poll oauth.DevicePoll
		ch   <-chan tea.Msg
	}
	deviceDoneMsg struct {
		r   oauth.Result
		err error
	}
)

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

func (g *deviceGrant) start(ctx context.Context) tea.Cmd {
	g.ctx = ctx
	c, p := g.w.c.Cfg.OAuth, g.w.profile
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		d, err := c.StartDevice(ctx, p)
		return tagged(g, deviceCodeMsg{d, err})
	}
}

func (g *deviceGrant) stop()           {}
func (g *deviceGrant) capturing() bool { return false }

func (g *deviceGrant) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case deviceCodeMsg:
		if msg.err != nil {
			return g.w.fail(msg.err)
		}
		d := msg.d
		g.device = &d
		return g.w.c.background(pollDeviceCmd(g.ctx, g, g.w.c.Cfg.OAuth, g.w.profile, d))
	case devicePollMsg:
		g.poll = msg.poll
		return g.w.c.background(readChan(msg.ch))
	case deviceDoneMsg:
		if errors.Is(msg.err, context.Canceled) {
			return nil
		}
		if msg.err != nil {
			return g.w.fail(msg.err)
		}
		return g.w.saveResult(msg.r)
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

// pollDeviceCmd polls in a goroutine and reports each poll on a channel;
// the wizard reads it one message at a time.
func pollDeviceCmd(ctx context.Context, from grantPath, c *oauth.Client, p model.Profile, d oauth.DeviceCode) tea.Cmd {
	ch := make(chan tea.Msg, 4)
	go func() {
		defer close(ch)
		ctx, cancel := context.WithTimeout(ctx, deviceWait)
		defer cancel()
		r, err := c.PollDevice(ctx, p, d, func(poll oauth.DevicePoll) {
			select {
			case ch <- tagged(from, devicePollMsg{poll: poll, ch: ch}):
			default: // the screen is behind: it shows the next one
			}
		})
		ch <- tagged(from, deviceDoneMsg{r, err})
	}()
	return readChan(ch)
}

func readChan(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return nil
		}
		return m
	}
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
