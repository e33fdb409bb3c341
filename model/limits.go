package model

import (
	"strconv"
	"unicode/utf8"
)

// Size limits for what people type or paste, and for what ztm stores. The
// faces' line readers cap their input at [MaxLine]; validation refuses
// longer values field by field. Zoho's own values are far shorter (a grant
// code is about 70 bytes, a client secret 42), so a longer one is a
// mistake or an attack, never a real value.
const (
	// MaxLine caps one pasted or typed line: a whole redirect URL fits.
	MaxLine = 8 << 10
	// MaxURL caps a pasted redirect URL, a redirect URI or a server URL.
	MaxURL = 8 << 10
	// MaxCode caps a grant code.
	MaxCode = 8 << 10
	// MaxSecret caps a client secret (and any other pasted secret).
	MaxSecret = 512
	// MaxNotes caps a profile's notes.
	MaxNotes = 4 << 10
	// MaxName caps a profile name.
	MaxName = 64
	// MaxAccount caps a profile's account (an email has at most 254 bytes).
	MaxAccount = 254
	// MaxTag caps one tag.
	MaxTag = 32
	// MaxScopes caps how many scopes one profile asks for.
	MaxScopes = 200
	// MaxEcho is how many characters of a refused value an error message
	// repeats; the rest is cut and shown as "…".
	MaxEcho = 40
)

// Echo quotes s for an error message: control characters escaped (as %q
// would), and cut to [MaxEcho] characters followed by "…", so a 100,000
// character paste is not echoed back whole.
func Echo(s string) string {
	cut := false
	if utf8.RuneCountInString(s) > MaxEcho {
		r := []rune(s)
		s, cut = string(r[:MaxEcho]), true
	}
	q := strconv.Quote(s)
	if cut {
		q = q[:len(q)-1] + `…"`
	}
	return q
}
