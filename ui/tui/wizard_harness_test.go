package tui

import (
	"sync"

	tea "charm.land/bubbletea/v2"

	"ztm/oauth"
)

// Test helpers that look into the wizard's grant step.

// deviceCode is the device flow's user code on screen, or nil.
func (w *wizard) deviceCode() *oauth.DeviceCode {
	if g, ok := w.path.(*deviceGrant); ok {
		return g.device
	}
	return nil
}

// devicePoll is the device flow's last poll.
func (w *wizard) devicePoll() oauth.DevicePoll {
	if g, ok := w.path.(*deviceGrant); ok {
		return g.poll
	}
	return oauth.DevicePoll{}
}

// pasteValue is what the grant step's paste box holds.
func (w *wizard) pasteValue() string {
	switch g := w.path.(type) {
	case *selfGrant:
		return g.paste.Value()
	case *pasteGrant:
		return g.paste.Value()
	case *loopbackGrant:
		return g.paste.Value()
	}
	return ""
}

// wizTick moves the clock and delivers the wizard's live tick.
func (h *harness) wizTick() {
	h.t.Helper()
	h.send(wizTickMsg{gen: h.app.wiz.tickGen, t: h.clock.Now()})
}

// fireWizTicks runs every armed timer once, all at the same time, hands
// the wizard's ticks among their messages to the App, and counts those
// ticks and how many of them armed a next one. The other timers'
// messages are dropped.
func (h *harness) fireWizTicks() (fired, rearmed int) {
	h.t.Helper()
	msgs := make([]tea.Msg, len(h.timers))
	var wg sync.WaitGroup
	for i, tm := range h.timers {
		wg.Add(1)
		go func() { defer wg.Done(); msgs[i] = tm.cmd() }()
	}
	wg.Wait()
	h.timers = nil
	for _, m := range msgs {
		if tick, ok := m.(wizTickMsg); ok {
			fired++
			if _, cmd := h.app.Update(tick); cmd != nil {
				rearmed++
				h.timers = append(h.timers, &pendingTimer{cmd: cmd, name: "wizard tick"})
			}
		}
	}
	return fired, rearmed
}
