package fakezohotest

import (
	"context"
	"sync"
	"time"
)

// Epoch is where a [Fixture]'s clock starts unless [At] says otherwise: a
// fixed instant, so that golden files and logs are the same every run.
var Epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Clock is a clock a test moves by hand, shared by the fake Zoho and the
// code under test. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock {
	return &Clock{t: t}
}

// Now is the clock's time; pass the method value wherever a
// func() time.Time is injected.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t, backwards too (for clock-skew tests).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Sleep advances the clock by d at once instead of waiting, so a
// five-minute device flow takes microseconds; it fails only when ctx is
// already done. It fits the Sleep hooks that take a context.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}
