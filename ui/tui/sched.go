package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// Scheduler is how screens wait. Every timer (the countdown's heartbeat,
// spinner frames, status fading, clearing the clipboard) and every command
// that waits on the outside world for as long as it takes (a browser's
// redirect, a device-flow poll) goes through it, so a test can hold timers
// as data and fire them on its own clock, and can run background waits
// without guessing which command is which.
type Scheduler interface {
	// After answers fn's message once d has passed.
	After(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
	// Background marks cmd as one that waits on the outside world for an
	// unbounded time; it answers cmd's message.
	Background(cmd tea.Cmd) tea.Cmd
}

// realScheduler is Bubble Tea's own timers: what a running program uses.
type realScheduler struct{}

// After implements Scheduler with tea.Tick.
func (realScheduler) After(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	return tea.Tick(d, fn)
}

// Background implements Scheduler: Bubble Tea runs every command in its
// own goroutine already.
func (realScheduler) Background(cmd tea.Cmd) tea.Cmd { return cmd }
