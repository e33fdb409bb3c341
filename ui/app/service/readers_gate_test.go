package service

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A flood of unknown credentials must not become a flood of reads of the
// database: one recheck per recheckEvery, however many callers ask at once.
func TestRecheckIsRateLimited(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	var g recheckGate
	var asked atomic.Int32
	ask := func() error { asked.Add(1); return nil }

	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() { g.do(clock, ask) })
	}
	wg.Wait()
	if n := asked.Load(); n != 1 {
		t.Fatalf("200 unknown credentials at once asked the database %d times, want 1", n)
	}
	advance(recheckEvery - time.Millisecond)
	g.do(clock, ask)
	if n := asked.Load(); n != 1 {
		t.Fatalf("asked again %v after the last time: %d asks, want 1", recheckEvery-time.Millisecond, n)
	}
	advance(time.Millisecond)
	g.do(clock, ask)
	if n := asked.Load(); n != 2 {
		t.Fatalf("not asked again %v after the last time: %d asks, want 2", recheckEvery, n)
	}
}
