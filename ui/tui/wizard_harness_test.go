package tui

import (
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
