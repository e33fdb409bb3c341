package tui

import (
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

func isWizTick(m tea.Msg) bool { _, ok := m.(wizTickMsg); return ok }

// wizTick delivers the wizard's live tick (the pending one, on the fake
// clock's time now); it fails the test when none is pending.
func (h *harness) wizTick() {
	h.t.Helper()
	if h.fire(isWizTick) == 0 {
		h.t.Fatalf("no wizard tick is pending; last messages: %s", h.lastSeen(10))
	}
}

// fireWizTicks delivers every pending tick of the wizard, as if all came
// due now, and counts them and the ticks armed anew by them: one chain
// lives at a time, so a tick of an ended chain arms none.
func (h *harness) fireWizTicks() (fired, rearmed int) {
	h.t.Helper()
	fired = h.fire(isWizTick)
	return fired, h.pending(isWizTick)
}

// backgroundWaits counts the background commands still running (a
// browser's redirect, a device-flow poll).
func (h *harness) backgroundWaits() int { return h.bgPending }
