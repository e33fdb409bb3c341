package tui

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
)

// status is the line that reports results and errors, then fades: news for
// a few seconds, dimmed for two more, then gone (errors stay longer). The
// line shows one line of the newest message; every message also goes to a
// log that the messages dialog shows whole.
type status struct {
	text  string
	err   bool
	id    int
	faded bool
	log   []logEntry
}

// logEntry is one message of the log.
type logEntry struct {
	at   time.Time
	text string
	err  bool
}

const (
	statusShown    = 5 * time.Second
	statusErrShown = 12 * time.Second
	statusFading   = 2 * time.Second
	// logSize is how many messages the log keeps.
	logSize = 50
)

// statusMsg shows a line in the status bar.
type statusMsg struct {
	text string
	err  bool
}

// statusExpireMsg fades the status line that has this id.
type statusExpireMsg struct{ id int }

// statusCmd shows text in the status line.
func statusCmd(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return statusMsg{text: text, err: isErr} }
}

func (s *status) set(c *Common, text string, isErr bool) tea.Cmd {
	s.id++
	s.text, s.err, s.faded = text, isErr, false
	s.log = append(s.log, logEntry{at: c.Cfg.Now(), text: text, err: isErr})
	if len(s.log) > logSize {
		s.log = s.log[len(s.log)-logSize:]
	}
	id, shown := s.id, statusShown
	if isErr {
		shown = statusErrShown
	}
	return c.after(shown, func(time.Time) tea.Msg { return statusExpireMsg{id: id} })
}

// expire dims the line, then clears it; a newer message is left alone.
func (s *status) expire(c *Common, id int) tea.Cmd {
	if id != s.id {
		return nil
	}
	if !s.faded {
		s.faded = true
		return c.after(statusFading, func(time.Time) tea.Msg { return statusExpireMsg{id: id} })
	}
	s.text = ""
	return nil
}

// clear drops the line at once: a message about one screen means nothing
// on the next. The log keeps it.
func (s *status) clear() {
	s.id++
	s.text, s.err, s.faded = "", false, false
}

// current is the line to show: the first line of the newest message, and
// whether more of it is in the log.
func (s *status) current() (text string, isErr, faded, more bool) {
	first, rest, cut := strings.Cut(s.text, "\n")
	return first, s.err, s.faded, cut && rest != ""
}
