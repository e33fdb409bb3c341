package model

import (
	"testing"
	"time"
)

// Every shape a countdown and an age take, padding included: the table and
// the dashboard line these up in columns.
func TestFormatSpans(t *testing.T) {
	for d, want := range map[time.Duration]string{
		59*time.Minute + 5*time.Second:        "59m 05s",
		time.Hour + 5*time.Minute:             "1h 05m",
		13*time.Hour + 45*time.Minute:         "13h 45m",
		50*time.Hour + 10*time.Minute:         "2d 02h",
		30*24*time.Hour + 23*time.Hour:        "30d 23h",
		9 * time.Second:                       "9s",
		time.Minute:                           "1m 00s",
		-(3 * time.Second):                    "expired 3s ago",
		-(90 * time.Minute):                   "expired 1h ago",
		-(47 * time.Hour):                     "expired 47h ago",
		-(72 * time.Hour):                     "expired 3d ago",
		-(300 * time.Millisecond):             "expired just now",
		time.Hour - 1:                         "1h 00m",
		10*time.Minute + 500*time.Millisecond: "10m 01s",
	} {
		if got := FormatRemaining(d); got != want {
			t.Errorf("FormatRemaining(%v) = %q, want %q", d, got, want)
		}
	}
}

func BenchmarkFormatRemaining(b *testing.B) {
	for i := range b.N {
		FormatRemaining(time.Duration(i%7200) * time.Second)
	}
}
