package service

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"ztm/model"
	"ztm/ui/app"
	"ztm/vault"
)

// Defaults for [Options].
const (
	DefaultIdle    = 15 * time.Minute
	DefaultMax     = 12 * time.Hour
	DefaultBackoff = 2 * time.Minute
	// AskedWindow is how recently a reader must have asked for a profile
	// for the service to refresh it ahead of time.
	AskedWindow = time.Hour
	// tickEvery is how often the service checks expiry, the vault file and
	// tokens due for an early refresh, when no Tick channel is given.
	tickEvery = 5 * time.Second
)

// Options configure a [Service].
type Options struct {
	// Env is the clock, HTTP client and environment of the use cases.
	Env app.Env
	// Paths locate the vault and its identity.
	Paths vault.Paths
	// Idle forgets the key after this long without a request; Max after
	// this long whatever happens. Zero means never (a token server).
	Idle, Max time.Duration
	// Backoff is how long a refusal from Zoho (throttled, revoked, budget
	// spent) is answered from memory instead of asking again; default
	// [DefaultBackoff].
	Backoff time.Duration
	// Log receives one JSON line per token served; nil logs nothing.
	Log *slog.Logger
	// Tick drives [Service.Run]; nil makes a ticker of a few seconds. Tests
	// send on their own channel.
	Tick <-chan time.Time
}

// Service is the token service. It is safe for concurrent use.
type Service struct {
	o       Options
	started time.Time
	metrics *metrics
	flights *flights

	mu       sync.RWMutex // guards the session: held for reading while it is used
	sess     *app.Session
	key      *vault.Keyring
	unlocked time.Time

	useMu    sync.Mutex
	lastUsed time.Time
	asked    map[string]time.Time // profile -> when a reader last asked
	tried    map[string]time.Time // profile -> last early refresh attempt
	readers  readerCache
}

// ErrLocked means the service holds no key: unlock it (ztm unlock).
var ErrLocked = errors.New("the agent is locked: run ztm unlock")

// New builds a locked service.
func New(o Options) *Service {
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	s := &Service{o: o, metrics: newMetrics(), asked: map[string]time.Time{}, tried: map[string]time.Time{}}
	s.started = s.now()
	s.flights = newFlights(s.now, o.Backoff)
	return s
}

func (s *Service) now() time.Time {
	if s.o.Env.Now == nil {
		return time.Now()
	}
	return s.o.Env.Now()
}

// Unlock loads the vault's key (asking pass for a passphrase if it needs
// one: one scrypt) and opens the vault with it. An unlocked service is
// unlocked again with the new key.
func (s *Service) Unlock(pass vault.PassphraseFunc) error {
	key, err := vault.LoadKey(s.o.Paths.Identity, pass)
	if err != nil {
		return err
	}
	return s.UnlockWith(key)
}

// UnlockWith opens the vault with a key the caller already loaded.
func (s *Service) UnlockWith(key *vault.Keyring) error {
	dcs, err := app.LoadDataCenters(s.o.Env)
	if err != nil {
		return err
	}
	v, err := vault.Open(s.o.Paths, key, vault.Options{Now: s.o.Env.Now})
	if err != nil {
		return err
	}
	return s.Attach(app.NewSession(s.o.Env, v, dcs), key)
}

// Attach serves an open session (the token server opens its vault as any
// command does). key is what [Service.Unwrap] unwraps with; nil refuses
// to unwrap.
func (s *Service) Attach(sess *app.Session, key *vault.Keyring) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeLocked()
	s.sess, s.key, s.unlocked = sess, key, s.now()
	s.useMu.Lock()
	s.lastUsed = s.unlocked
	s.useMu.Unlock()
	return nil
}

// Lock forgets the key and closes the vault; requests in flight finish
// first.
func (s *Service) Lock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeLocked()
}

func (s *Service) closeLocked() {
	if s.sess != nil {
		s.sess.Close()
	}
	s.sess, s.key, s.unlocked = nil, nil, time.Time{}
	s.flights.forget()
}

// Status is what `ztm agent status` shows.
type Status struct {
	// Unlocked says the service holds a key.
	Unlocked bool `json:"unlocked"`
	// Started is when the service started; UnlockedAt when it was unlocked.
	Started    time.Time `json:"started"`
	UnlockedAt time.Time `json:"unlocked_at,omitzero"`
	// ForgetAt is when the key will be forgotten if nothing else happens
	// (zero: never, or not unlocked).
	ForgetAt time.Time `json:"forget_at,omitzero"`
	// PID is the service's process.
	PID int `json:"pid"`
	// Vault is the vault it serves.
	Vault string `json:"vault"`
}

// Status reports the service's state, forgetting the key first if its
// time is up.
func (s *Service) Status() Status {
	s.expire()
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := Status{Unlocked: s.sess != nil, Started: s.started, PID: os.Getpid(), Vault: s.o.Paths.Vault}
	if st.Unlocked {
		st.UnlockedAt, st.ForgetAt = s.unlocked, s.forgetAt()
	}
	return st
}

// forgetAt is when the key expires; callers hold mu.
func (s *Service) forgetAt() time.Time {
	var at time.Time
	if s.o.Max > 0 {
		at = s.unlocked.Add(s.o.Max)
	}
	if s.o.Idle > 0 {
		s.useMu.Lock()
		idle := s.lastUsed.Add(s.o.Idle)
		s.useMu.Unlock()
		if at.IsZero() || idle.Before(at) {
			at = idle
		}
	}
	return at
}

// expire forgets the key when the idle time or the maximum has passed.
func (s *Service) expire() {
	s.mu.RLock()
	due := s.sess != nil && !s.forgetAt().IsZero() && !s.now().Before(s.forgetAt())
	s.mu.RUnlock()
	if due {
		s.o.Log.Info("forgetting the key", "reason", "timeout")
		s.Lock()
	}
}

// touch records a use, which postpones the idle expiry.
func (s *Service) touch() {
	s.useMu.Lock()
	s.lastUsed = s.now()
	s.useMu.Unlock()
}

// session returns the open session with mu held for reading, and the
// function that releases it; ErrLocked when there is none.
func (s *Service) session() (*app.Session, func(), error) {
	s.expire()
	s.mu.RLock()
	if s.sess == nil {
		s.mu.RUnlock()
		return nil, nil, ErrLocked
	}
	s.touch()
	return s.sess, s.mu.RUnlock, nil
}

// Run does the service's background work until ctx ends: it forgets the key
// when its time is up, picks up changes other processes saved (a reader
// granted or revoked), and refreshes ahead of time the tokens readers asked
// for in the last hour. It locks the service when it returns.
func (s *Service) Run(ctx context.Context) error {
	tick := s.o.Tick
	if tick == nil {
		t := time.NewTicker(tickEvery)
		defer t.Stop()
		tick = t.C
	}
	defer s.Lock()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
			s.Tick(ctx)
		}
	}
}

// Tick does one round of [Service.Run]'s work.
func (s *Service) Tick(ctx context.Context) {
	s.expire()
	sess, release, err := s.sessionQuiet()
	if err != nil {
		return
	}
	if _, err := sess.Vault.ReloadIfChanged(); err != nil {
		s.o.Log.Warn("cannot reload the vault", "err", err.Error())
	}
	ps, budgets, err := sess.Profiles()
	release()
	if err == nil {
		s.refreshAhead(ctx, sess, ps, budgets)
	}
}

// sessionQuiet is session without counting as a use: background work must
// not keep an idle agent unlocked.
func (s *Service) sessionQuiet() (*app.Session, func(), error) {
	s.mu.RLock()
	if s.sess == nil {
		s.mu.RUnlock()
		return nil, nil, ErrLocked
	}
	return s.sess, s.mu.RUnlock, nil
}

// noteAsked remembers that a reader asked for profile.
func (s *Service) noteAsked(profile string) {
	s.useMu.Lock()
	s.asked[profile] = s.now()
	s.useMu.Unlock()
}

// refreshAhead refreshes, a few minutes before expiry, the tokens readers
// asked for within AskedWindow and the profiles marked keep-alive, by the
// same rule as the dashboard's keep-alive (which keeps a budget margin).
func (s *Service) refreshAhead(ctx context.Context, sess *app.Session, ps []model.Profile, budgets map[string]model.RefreshBudget) {
	now := s.now()
	s.useMu.Lock()
	for i := range ps {
		if at, ok := s.asked[ps[i].Name]; ok && now.Sub(at) < AskedWindow {
			ps[i].KeepAlive = true
		}
	}
	tried := make(map[string]time.Time, len(s.tried))
	for k, v := range s.tried {
		tried[k] = v
	}
	s.useMu.Unlock()
	for _, name := range app.KeepAliveDue(ps, budgets, now, tried) {
		if b, ok := budgets[name]; ok && b.Left <= 1 {
			continue // leave the last refresh of the window to a person
		}
		s.useMu.Lock()
		s.tried[name] = now
		s.useMu.Unlock()
		_, err := s.flights.do(ctx, name, func(ctx context.Context) (vault.Fresh, error) {
			return s.fresh(ctx, sess, name, app.KeepAliveLead+time.Minute)
		})
		if err != nil {
			s.o.Log.Warn("early refresh failed", "profile", name, "err", err.Error())
		}
	}
}

// fresh gets a fresh token from the session and counts what it cost. It
// holds the session for reading, and fails with ErrLocked when the key was
// forgotten meanwhile: a closed vault must not be loaded again.
func (s *Service) fresh(ctx context.Context, sess *app.Session, name string, minValid time.Duration) (vault.Fresh, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sess != sess {
		return vault.Fresh{}, ErrLocked
	}
	f, err := sess.FreshToken(ctx, name, minValid)
	s.metrics.budget(name, f.Budget)
	if f.Refreshed || isRefusal(err) {
		s.metrics.refresh(name, err)
	}
	return f, err
}
