package service

import (
	"context"
	"errors"
	"sync"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/vault"
)

// flightTimeout bounds one refresh, whoever waits for it: a reader that
// hangs up must not cancel the refresh every other waiter shares.
const flightTimeout = 90 * time.Second

// flights runs at most one refresh per profile at a time and shares its
// outcome with every caller that arrives meanwhile. A refusal from Zoho is
// also remembered for a back-off window and answered from memory, so a
// thousand readers of a throttled profile cost Zoho nothing more.
type flights struct {
	now     func() time.Time
	backoff time.Duration

	mu      sync.Mutex
	calls   map[string]*call
	refused map[string]refusal
}

type call struct {
	done chan struct{}
	f    vault.Fresh
	err  error
}

type refusal struct {
	err   error
	until time.Time
}

func newFlights(now func() time.Time, backoff time.Duration) *flights {
	return &flights{now: now, backoff: backoff, calls: map[string]*call{}, refused: map[string]refusal{}}
}

// do returns the outcome of fn for name, running fn only when no call for
// name is in flight and no refusal for name is remembered. fn runs detached
// from ctx; ctx only bounds this caller's wait.
func (fl *flights) do(ctx context.Context, name string, fn func(ctx context.Context) (vault.Fresh, error)) (vault.Fresh, error) {
	fl.mu.Lock()
	if r, ok := fl.refused[name]; ok {
		if fl.now().Before(r.until) {
			fl.mu.Unlock()
			return vault.Fresh{}, r.err
		}
		delete(fl.refused, name)
	}
	c, ok := fl.calls[name]
	if !ok {
		c = &call{done: make(chan struct{})}
		fl.calls[name] = c
		go fl.run(context.WithoutCancel(ctx), name, c, fn)
	}
	fl.mu.Unlock()
	select {
	case <-c.done:
		return c.f, c.err
	case <-ctx.Done():
		return vault.Fresh{}, ctx.Err()
	}
}

func (fl *flights) run(ctx context.Context, name string, c *call, fn func(ctx context.Context) (vault.Fresh, error)) {
	ctx, cancel := context.WithTimeout(ctx, flightTimeout)
	defer cancel()
	c.f, c.err = fn(ctx)
	fl.mu.Lock()
	delete(fl.calls, name)
	if isRefusal(c.err) {
		fl.refused[name] = refusal{err: c.err, until: fl.now().Add(fl.backoff)}
	}
	fl.mu.Unlock()
	close(c.done)
}

// forget drops every remembered refusal (the key was forgotten, or a
// person asked for a fresh start).
func (fl *flights) forget() {
	fl.mu.Lock()
	clear(fl.refused)
	fl.mu.Unlock()
}

// isRefusal reports whether err is Zoho (or the budget rule standing in
// for Zoho) saying no: asking again soon would get the same answer and
// spend the budget. Network failures are not refusals.
func isRefusal(err error) bool {
	var zerr *oauth.Error
	return errors.Is(err, model.ErrThrottled) || errors.Is(err, model.ErrRefreshRevoked) ||
		errors.Is(err, vault.ErrBudget) || errors.As(err, &zerr)
}
