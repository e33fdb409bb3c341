package tui

import (
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

// busy is a spinner that turns only while there is work, on one chain of
// frames at a time: each start begins a new generation, and a frame of an
// older generation (one already on its way when the work stopped and
// started again) is dropped instead of doubling the speed.
type busy struct {
	spin spinner.Model
	gen  int
	on   bool
}

// spinFrameMsg is one frame of a busy spinner.
type spinFrameMsg struct {
	id, gen int
}

func newBusy(c *Common, s spinner.Spinner) busy {
	b := busy{spin: spinner.New(spinner.WithSpinner(s))}
	b.restyle(c)
	return b
}

// restyle follows the terminal's background.
func (b *busy) restyle(c *Common) { b.spin.Style = c.Styles.Accent }

// start turns the spinner on; it is a no-op while it already turns.
func (b *busy) start(c *Common) tea.Cmd {
	if b.on {
		return nil
	}
	b.on = true
	b.gen++
	return b.next(c)
}

// stop lets the current chain end at its next frame.
func (b *busy) stop() { b.on = false }

func (b *busy) next(c *Common) tea.Cmd {
	id, gen := b.spin.ID(), b.gen
	return c.after(b.spin.Spinner.FPS, func(time.Time) tea.Msg { return spinFrameMsg{id: id, gen: gen} })
}

// frame takes a frame message; it reports whether the message was this
// spinner's, and the next frame when the chain goes on.
func (b *busy) frame(c *Common, msg spinFrameMsg) (tea.Cmd, bool) {
	if msg.id != b.spin.ID() {
		return nil, false
	}
	if !b.on || msg.gen != b.gen {
		return nil, true
	}
	b.spin, _ = b.spin.Update(spinner.TickMsg{ID: msg.id})
	return b.next(c), true
}

func (b *busy) View() string { return b.spin.View() }
