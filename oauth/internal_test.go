package oauth

import (
	"strings"
	"testing"
	"time"
)

// RFC 7636 appendix B: the example verifier and its S256 challenge.
func TestPKCEChallengeMatchesRFC7636(t *testing.T) {
	if ch := pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); ch != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Errorf("challenge %q", ch)
	}
}

func TestScrub(t *testing.T) {
	got := scrub("bad\ttoken SECRETVALUE\nhere ", []string{"SECRETVALUE", "ab"})
	if got != "bad token [redacted] here" {
		t.Errorf("scrub = %q", got)
	}
	long := scrub(strings.Repeat("é", 500), nil)
	if n := len([]rune(long)); n != 160 {
		t.Errorf("scrubbed length %d, want 160", n)
	}
}

func TestDeviceDurationReadsMilliseconds(t *testing.T) {
	cases := []struct {
		n    looseNumber
		want time.Duration
	}{
		{looseNumber{}, DefaultDeviceLifetime},
		{looseNumber{v: 300, set: true}, 5 * time.Minute},
		{looseNumber{v: 300000, set: true}, 5 * time.Minute},
		{looseNumber{v: -1, set: true}, DefaultDeviceLifetime},
		{looseNumber{v: 1e12, set: true}, time.Hour},
	}
	for _, c := range cases {
		if got := deviceDuration(c.n, DefaultDeviceLifetime, time.Hour); got != c.want {
			t.Errorf("deviceDuration(%v) = %v, want %v", c.n, got, c.want)
		}
	}
}
