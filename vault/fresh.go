package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"ztm/model"
)

// RefreshFunc asks Zoho for a new access token for p, whose Token holds
// the refresh token. It runs while the vault is locked, so it must not call
// back into the vault. Errors wrapping [model.ErrRefreshRevoked] or
// [model.ErrThrottled] mark the profile's refresh-token health.
type RefreshFunc func(ctx context.Context, p model.Profile) (model.Token, error)

// FreshOptions tune [Vault.FreshToken].
type FreshOptions struct {
	// Margin is how long the access token must stay valid; a token closer
	// to expiry is refreshed.
	Margin time.Duration
	// Force refreshes even when the token is still valid for Margin.
	Force bool
	// OverBudget allows a refresh although the profile has used Zoho's 10
	// refreshes in 10 minutes; without it such a refresh is refused with
	// [ErrBudget] before Zoho is asked (Zoho would throttle it).
	OverBudget bool
	// Concurrency bounds parallel refreshes in [Vault.FreshTokens]; default 4.
	Concurrency int
}

// ErrBudget means a refresh was not attempted because Zoho's budget of 10
// refreshes in 10 minutes is spent.
var ErrBudget = errors.New("refresh budget spent")

// Fresh is the outcome for one profile.
type Fresh struct {
	// Profile is the profile as stored after the call, with its token.
	Profile model.Profile
	// Refreshed says this call got a new token from Zoho.
	Refreshed bool
	// Budget is the profile's refresh budget after the call.
	Budget model.RefreshBudget
	// Err is why this profile has no usable token, if so.
	Err error
}

// FreshToken returns profile name with an access token valid for at least
// o.Margin, refreshing it if needed. A valid token costs no lock and no
// write. Otherwise it takes the lock, reloads, checks again (another process
// may just have refreshed), calls refresh, and saves: many callers at once
// cause one refresh.
func (v *Vault) FreshToken(ctx context.Context, name string, o FreshOptions, refresh RefreshFunc) (Fresh, error) {
	out, err := v.FreshTokens(ctx, []string{name}, o, refresh, nil)
	if err != nil {
		return Fresh{}, err
	}
	return out[0], out[0].Err
}

// FreshTokens is [Vault.FreshToken] for several profiles under one lock and
// one save, refreshing up to o.Concurrency at once. progress, if not nil, is
// called as each profile is settled (from several goroutines).
func (v *Vault) FreshTokens(ctx context.Context, names []string, o FreshOptions, refresh RefreshFunc, progress func(Fresh)) ([]Fresh, error) {
	out := make([]Fresh, len(names))
	report := func(i int) {
		if progress != nil {
			progress(out[i])
		}
	}
	// First without the file lock: a valid token costs no lock and no write.
	all := make([]int, len(names))
	for i := range all {
		all[i] = i
	}
	stale, err := v.stale(names, all, o, out, nil, report)
	if err != nil || len(stale) == 0 {
		return out, err
	}

	lock, err := v.lockRefresh(ctx, names, stale)
	if err != nil {
		return nil, err
	}
	defer lock.release()
	// Under the lock, look again: another process may have refreshed.
	todo, err := v.stale(names, stale, o, out, lock, report)
	if err != nil || len(todo) == 0 {
		return out, err
	}

	// The network call holds the file lock (so other processes wait for its
	// result instead of refreshing too) but not the in-memory mutex, so this
	// process can go on reading the vault meanwhile.
	v.refreshAll(ctx, out, todo, o.Concurrency, refresh)

	// In PostgreSQL the refresh held only its profiles' locks; the save
	// takes the change lock too.
	if err := v.widen(ctx, lock); err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	defer v.use(lock)()
	if err := v.sync(); err != nil {
		return nil, err
	}
	// Only a new token is a real change; recording a failure is
	// bookkeeping, which leaves .bak alone (it keeps the version before the
	// last real change).
	realChange := false
	for _, i := range todo {
		realChange = realChange || out[i].Err == nil
	}
	err = v.updateLocked(ctx, func(tx *Tx) error {
		for _, i := range todo {
			if err := recordRefresh(tx, &out[i]); err != nil {
				return err
			}
		}
		return nil
	}, realChange)
	if err != nil {
		return nil, err
	}
	// Report what was stored, with the budget after the refresh.
	v.view(func(tx *Tx) error {
		for _, i := range todo {
			if f := v.settle(tx, names[i]); f.Err == nil {
				out[i].Profile, out[i].Budget = f.Profile, f.Budget
			}
		}
		return nil
	})
	for _, i := range todo {
		report(i)
	}
	return out, nil
}

// stale reloads if needed, settles the profiles at indexes idx in out, and
// returns the indexes of those that need a refresh. Profiles that do not (valid, or
// failing for a reason no refresh can fix) are reported at once. locked
// (not nil) says the caller holds the lock, so refusals are final.
func (v *Vault) stale(names []string, idx []int, o FreshOptions, out []Fresh, lock *heldLock, report func(int)) ([]int, error) {
	locked := lock != nil
	v.mu.Lock()
	defer v.mu.Unlock()
	defer v.use(lock)()
	// Only reading: a lazily opened vault stays lazy. (The locked pass reads
	// too; the change that follows it loads fully through sync.)
	if _, err := v.reloadIfChanged(); err != nil {
		return nil, err
	}
	var todo []int
	err := v.view(func(tx *Tx) error {
		for _, i := range idx {
			name := names[i]
			out[i] = v.settle(tx, name)
			switch {
			case out[i].Err != nil:
			case !o.Force && out[i].Profile.Token.ValidFor(tx.now, o.Margin):
			case v.refused(tx, &out[i], o):
			case !locked:
				todo = append(todo, i)
				continue
			case out[i].Profile.Token.RefreshToken == "" && !out[i].Profile.ClientCredentials:
				out[i].Err = fmt.Errorf("%w for %s: it has no refresh token; it needs a new consent", ErrNoToken, name)
			case out[i].Budget.Left == 0 && !o.OverBudget:
				out[i].Err = fmt.Errorf("%w: %s was refreshed %d times in the last 10 minutes, Zoho's limit; the next refresh is possible at %s",
					ErrBudget, name, out[i].Budget.Used, out[i].Budget.NextFree.Format("15:04:05"))
			default:
				todo = append(todo, i)
				continue
			}
			report(i)
		}
		return nil
	})
	return todo, err
}

// settle reads a profile and its budget.
func (v *Vault) settle(tx *Tx, name string) Fresh {
	p, err := tx.Profile(name)
	if err != nil {
		return Fresh{Err: err}
	}
	f := Fresh{Profile: p}
	if p.Token == nil {
		f.Err = fmt.Errorf("%w for %s: finish its set-up first (get a grant)", ErrNoToken, name)
		return f
	}
	f.Budget, f.Err = tx.RefreshBudget(p.Name)
	return f
}

// refreshAll calls refresh for out[i], i in todo, up to n at a time.
func (v *Vault) refreshAll(ctx context.Context, out []Fresh, todo []int, n int, refresh RefreshFunc) {
	if n <= 0 {
		n = 4
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, i := range todo {
		wg.Add(1)
		sem <- struct{}{}
		go func(f *Fresh) {
			defer func() { <-sem; wg.Done() }()
			tok, err := refresh(ctx, f.Profile)
			if err != nil {
				f.Err = err
				return
			}
			// Zoho sends no refresh token on refresh: keep the one we have.
			if tok.RefreshToken == "" {
				tok.RefreshToken = f.Profile.Token.RefreshToken
			}
			f.Profile.Token, f.Refreshed = &tok, true
		}(&out[i])
	}
	wg.Wait()
}

// refused answers f with the refusal Zoho gave last time, if it still
// holds, instead of asking again: a revoked refresh token stays revoked
// until the profile gets a new grant, and throttling lasts Zoho's window
// (unless the caller insists with OverBudget). Twenty callers waiting on a
// refused profile then cause one call to Zoho, not twenty. The error keeps
// its kind for errors.Is, so exit codes do not change.
func (v *Vault) refused(tx *Tx, f *Fresh, o FreshOptions) bool {
	tok := f.Profile.Token
	switch tok.RefreshHealth() {
	case model.HealthRevoked:
		f.Err = &refusal{kind: model.ErrRefreshRevoked, msg: tok.LastError +
			" (Zoho is not asked again with this refresh token until a new consent replaces it)"}
	case model.HealthThrottled:
		at, err := tx.lastFailure(f.Profile.Name)
		until := at.Add(model.RefreshWindow)
		if err != nil || o.OverBudget || !tx.now.Before(until) {
			return false
		}
		f.Err = &refusal{kind: model.ErrThrottled, msg: fmt.Sprintf(
			"%s (Zoho throttled this profile at %s; ztm asks again after %s)",
			tok.LastError, at.Format("15:04:05"), until.Format("15:04:05"))}
	default:
		return false
	}
	return true
}

// refusal is a refusal from Zoho recorded earlier, answered again without
// asking. It matches the recorded kind ([model.ErrRefreshRevoked] or
// [model.ErrThrottled]) with errors.Is.
type refusal struct {
	kind error
	msg  string
}

func (r *refusal) Error() string { return r.msg }
func (r *refusal) Unwrap() error { return r.kind }

// lastFailure is when the profile's last failure was recorded.
func (t *Tx) lastFailure(profile string) (time.Time, error) {
	var at sql.NullInt64
	err := t.queryRow(`SELECT max(at) FROM events WHERE profile = ? AND kind = ?`,
		profile, string(model.EventFailure)).Scan(&at)
	if err == nil && !at.Valid {
		err = sql.ErrNoRows
	}
	return fromMillis(at.Int64), err
}

// recordRefresh stores a refresh's outcome: the new token and a refresh
// event, or the failure, its event and what it says of the refresh token.
// A failure that tells nothing new (same health as recorded, and an error
// already recorded) changes nothing, so it costs no save: offline, a cron
// job would otherwise rewrite the vault on every run.
func recordRefresh(tx *Tx, f *Fresh) error {
	name := f.Profile.Name
	if f.Err == nil {
		tok := *f.Profile.Token
		tok.Health, tok.LastError = model.HealthOK, ""
		if tok.LastRefreshAt.IsZero() {
			tok.LastRefreshAt = tx.now
		}
		if err := tx.SetToken(name, tok); err != nil {
			return err
		}
		return tx.AddEvent(model.Event{Profile: name, Kind: model.EventRefresh,
			Detail: "valid until " + tok.ExpiresAt.Format("15:04:05")})
	}
	tok, err := tx.Profile(name)
	if err != nil || tok.Token == nil {
		return err
	}
	t := *tok.Token
	health := t.RefreshHealth()
	switch {
	case errors.Is(f.Err, model.ErrRefreshRevoked):
		health = model.HealthRevoked
	case errors.Is(f.Err, model.ErrThrottled):
		health = model.HealthThrottled
	}
	if health == t.RefreshHealth() && t.LastError != "" {
		return nil
	}
	if health != t.RefreshHealth() {
		t.Health = health
	}
	t.LastError = f.Err.Error()
	if err := tx.SetToken(name, t); err != nil {
		return err
	}
	return tx.AddEvent(model.Event{Profile: name, Kind: model.EventFailure, Detail: "refresh: " + f.Err.Error()})
}
