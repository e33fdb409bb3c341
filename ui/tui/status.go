package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// status is the line that reports results and errors, then fades: news for
// a few seconds, dimmed for two more, then gone (errors stay longer).
type status struct {
	text  string
	err   bool
	id    int
	faded bool
}

const (
	statusShown    = 5 * time.Second
	statusErrShown = 12 * time.Second
	statusFading   = 2 * time.Second
)

func (s *status) set(text string, isErr bool) tea.Cmd {
	s.id++
	s.text, s.err, s.faded = text, isErr, false
	id, shown := s.id, statusShown
	if isErr {
		shown = statusErrShown
	}
	return tea.Tick(shown, func(time.Time) tea.Msg { return statusExpireMsg{id: id} })
}

// expire dims the line, then clears it; a newer message is left alone.
func (s *status) expire(id int) tea.Cmd {
	if id != s.id {
		return nil
	}
	if !s.faded {
		s.faded = true
		return tea.Tick(statusFading, func(time.Time) tea.Msg { return statusExpireMsg{id: id} })
	}
	s.text = ""
	return nil
}

func (s *status) current() (text string, isErr, faded bool) {
	return s.text, s.err, s.faded
}
