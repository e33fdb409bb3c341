package oauth

import (
	"net/http"
	"sync"
	"time"
)

// SkewMeter keeps the last measured difference between Zoho's clock and
// this machine's, read from the Date header of token answers. Expiry is
// stamped with the local clock, so a clock minutes off makes tokens look
// fresher (or staler) than they are; the faces can warn when the skew is
// large. The header has one-second resolution, so so does the skew.
//
// It is the one piece of state a [Client] keeps between calls, and it is
// safe for concurrent use.
type SkewMeter struct {
	mu   sync.Mutex
	skew time.Duration
	at   time.Time
	ok   bool
}

// Observe records the skew given a Date header value and the local time
// the answer arrived; a missing or unreadable header is ignored.
func (m *SkewMeter) Observe(date string, local time.Time) {
	if m == nil || date == "" {
		return
	}
	server, err := http.ParseTime(date)
	if err != nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.skew, m.at, m.ok = server.Sub(local.Truncate(time.Second)), local, true
}

// Last returns the last skew measured (Zoho's clock minus the local one:
// positive when the local clock is behind), when it was measured, and
// whether any was.
func (m *SkewMeter) Last() (skew time.Duration, at time.Time, ok bool) {
	if m == nil {
		return 0, time.Time{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.skew, m.at, m.ok
}
