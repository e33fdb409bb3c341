package tui

import "ztm/model"

// sortMode orders the dashboard; s cycles through them.
type sortMode int

const (
	sortByName sortMode = iota
	sortByExpiry
	groupByDC
)

func (m sortMode) String() string {
	return [...]string{"by name", "by expiry", "grouped by DC"}[m]
}

// announce is what the status line says when s switches to m.
func (m sortMode) announce() string {
	return [...]string{"sorted by name", "sorted by expiry, soonest first", "grouped by data center"}[m]
}

// row is a line of the profile list: a profile, or a DC group's heading.
type row struct {
	// p indexes the profile slice; -1 for a heading.
	p      int
	header string
}

// expiryKey sorts profiles without a token last.
func expiryKey(t *model.Token) (k timeKey) {
	if t == nil || t.AccessToken == "" {
		return timeKey{none: true}
	}
	return timeKey{t: t.ExpiresAt.UnixNano()}
}

type timeKey struct {
	t    int64
	none bool
}

func (a timeKey) Equal(b timeKey) bool { return a == b }
func (a timeKey) Before(b timeKey) bool {
	if a.none != b.none {
		return !a.none
	}
	return a.t < b.t
}
