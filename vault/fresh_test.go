package vault

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"ztm/model"
)

// clockVault is a key-file vault whose clock the test moves.
func clockVault(t *testing.T, profiles int) (*Vault, *time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	p := testPaths(t, "")
	p.Identity = filepath.Join(p.Dir, KeyFileIdentity)
	v, err := Create(p, CreateOptions{GenerateKeyFile: true}, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	err = v.Update(context.Background(), func(tx *Tx) error {
		for i := 0; i < profiles; i++ {
			p := sampleProfile(i, now)
			if err := tx.CreateProfile(&p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return v, &now
}

// fakeZoho counts refreshes and answers with a token valid for an hour.
type fakeZoho struct {
	calls atomic.Int32
	now   *time.Time
	err   error
}

func (z *fakeZoho) refresh(ctx context.Context, p model.Profile) (model.Token, error) {
	n := z.calls.Add(1)
	if z.err != nil {
		return model.Token{}, z.err
	}
	return model.Token{AccessToken: fmt.Sprintf("1000.fresh-%d", n), ObtainedAt: *z.now, ExpiresAt: z.now.Add(time.Hour)}, nil
}

func generation(t *testing.T, v *Vault) int64 {
	in, err := v.Info()
	if err != nil {
		t.Fatal(err)
	}
	return in.Generation
}

func TestFreshTokenUsesAValidToken(t *testing.T) {
	v, now := clockVault(t, 1)
	z := &fakeZoho{now: now}
	gen := generation(t, v)
	*now = now.Add(50 * time.Minute) // 10 minutes left, margin 5
	f, err := v.FreshToken(context.Background(), "crm-0000", FreshOptions{Margin: 5 * time.Minute}, z.refresh)
	if err != nil {
		t.Fatal(err)
	}
	if f.Refreshed || z.calls.Load() != 0 || f.Profile.Token.AccessToken != "1000.access000000000000000000000000" {
		t.Errorf("a token valid for the margin was refreshed: %+v, %d calls", f, z.calls.Load())
	}
	if generation(t, v) != gen {
		t.Error("using a valid token wrote the vault")
	}
}

func TestFreshTokenRefreshesWithinMargin(t *testing.T) {
	v, now := clockVault(t, 1)
	z := &fakeZoho{now: now}
	*now = now.Add(57 * time.Minute) // 3 minutes left, margin 5
	f, err := v.FreshToken(context.Background(), "crm-0000", FreshOptions{Margin: 5 * time.Minute}, z.refresh)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Refreshed || f.Profile.Token.AccessToken != "1000.fresh-1" || z.calls.Load() != 1 {
		t.Fatalf("got %+v after %d calls", f.Profile.Token, z.calls.Load())
	}
	if f.Profile.Token.RefreshToken != "1000.refresh000000000000000000000000" {
		t.Error("the refresh token was lost: Zoho does not send it back on refresh")
	}
	if f.Budget.Used != 1 || f.Budget.Left != 9 {
		t.Errorf("budget after one refresh: %+v", f.Budget)
	}
	stored, _ := v.Profile("crm-0000")
	if stored.Token.AccessToken != "1000.fresh-1" || stored.Token.LastRefreshAt.IsZero() {
		t.Errorf("stored token: %+v", stored.Token)
	}
	events, _ := eventsOf(v, "crm-0000")
	if events[0].Kind != model.EventRefresh {
		t.Errorf("newest event is %+v, want a refresh", events[0])
	}
}

func TestFreshTokenRecordsWhatZohoSaid(t *testing.T) {
	cases := []struct {
		err    error
		health model.Health
	}{
		{fmt.Errorf("zoho: invalid_code: %w", model.ErrRefreshRevoked), model.HealthRevoked},
		{fmt.Errorf("zoho: too many requests: %w", model.ErrThrottled), model.HealthThrottled},
		{errors.New("could not reach accounts.zoho.eu"), model.HealthOK},
	}
	for _, c := range cases {
		t.Run(string(c.health), func(t *testing.T) {
			v, now := clockVault(t, 1)
			*now = now.Add(2 * time.Hour)
			z := &fakeZoho{now: now, err: c.err}
			_, err := v.FreshToken(context.Background(), "crm-0000", FreshOptions{}, z.refresh)
			if !errors.Is(err, c.err) {
				t.Fatalf("got %v, want %v", err, c.err)
			}
			p, _ := v.Profile("crm-0000")
			if p.Token.RefreshHealth() != c.health || p.Token.LastError != c.err.Error() {
				t.Errorf("health %s, last error %q", p.Token.RefreshHealth(), p.Token.LastError)
			}
			if p.Token.AccessToken != "1000.access000000000000000000000000" {
				t.Error("a failed refresh changed the access token")
			}
			events, _ := eventsOf(v, "crm-0000")
			if events[0].Kind != model.EventFailure {
				t.Errorf("newest event %+v, want a failure", events[0])
			}
		})
	}
}

// TestFreshTokenKeepsWithinZohoBudget: after 10 refreshes in 10 minutes the
// 11th is refused before Zoho is asked, unless the caller insists; once the
// oldest refresh leaves the window, refreshing works again.
func TestFreshTokenKeepsWithinZohoBudget(t *testing.T) {
	v, now := clockVault(t, 1)
	z := &fakeZoho{now: now}
	ctx := context.Background()
	force := FreshOptions{Force: true}
	for i := 0; i < model.RefreshLimit; i++ {
		if _, err := v.FreshToken(ctx, "crm-0000", force, z.refresh); err != nil {
			t.Fatalf("refresh %d: %v", i+1, err)
		}
		*now = now.Add(30 * time.Second)
	}
	_, err := v.FreshToken(ctx, "crm-0000", force, z.refresh)
	if !errors.Is(err, ErrBudget) || z.calls.Load() != model.RefreshLimit {
		t.Fatalf("11th refresh: %v after %d calls; want ErrBudget and no call", err, z.calls.Load())
	}
	if _, err := v.FreshToken(ctx, "crm-0000", FreshOptions{Force: true, OverBudget: true}, z.refresh); err != nil {
		t.Fatalf("insisting: %v", err)
	}
	*now = now.Add(6 * time.Minute) // the first refreshes leave the window
	f, err := v.FreshToken(ctx, "crm-0000", force, z.refresh)
	if err != nil || f.Budget.Used >= model.RefreshLimit {
		t.Fatalf("after the window moved: %v, budget %+v", err, f.Budget)
	}
}

func TestFreshTokenNeedsAGrant(t *testing.T) {
	v, now := clockVault(t, 1)
	z := &fakeZoho{now: now}
	ctx := context.Background()
	if _, err := v.FreshToken(ctx, "nope", FreshOptions{}, z.refresh); !errors.Is(err, ErrNoProfile) {
		t.Errorf("unknown profile: %v", err)
	}
	v.Update(ctx, func(tx *Tx) error {
		tok := model.Token{AccessToken: "1000.a", ExpiresAt: now.Add(-time.Minute)}
		return tx.SetToken("crm-0000", tok)
	})
	if _, err := v.FreshToken(ctx, "crm-0000", FreshOptions{}, z.refresh); !errors.Is(err, ErrNoToken) || z.calls.Load() != 0 {
		t.Errorf("no refresh token: %v", err)
	}
}

// TestFreshTokensBatch refreshes only the stale profiles, in one save.
func TestFreshTokensBatch(t *testing.T) {
	v, now := clockVault(t, 5)
	z := &fakeZoho{now: now}
	ctx := context.Background()
	v.Update(ctx, func(tx *Tx) error {
		for _, name := range []string{"crm-0001", "crm-0003"} {
			p, _ := tx.Profile(name)
			tok := *p.Token
			tok.ExpiresAt = now.Add(time.Minute)
			tx.SetToken(name, tok)
		}
		return nil
	})
	gen := generation(t, v)
	names := []string{"crm-0000", "crm-0001", "crm-0002", "crm-0003", "crm-0004"}
	var seen atomic.Int32
	out, err := v.FreshTokens(ctx, names, FreshOptions{Margin: 5 * time.Minute, Concurrency: 2}, z.refresh, func(Fresh) { seen.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if z.calls.Load() != 2 || generation(t, v) != gen+1 || seen.Load() != 5 {
		t.Errorf("%d calls, %d saves, %d progress reports; want 2, 1, 5", z.calls.Load(), generation(t, v)-gen, seen.Load())
	}
	for i, f := range out {
		if f.Err != nil || !f.Profile.Token.ValidFor(*now, 5*time.Minute) || f.Refreshed != (i == 1 || i == 3) {
			t.Errorf("%s: %+v", names[i], f)
		}
	}
}

// TestReadsDuringARefresh: while a refresh waits on Zoho, the same process
// can read the vault (the dashboard keeps drawing), and a change waits for
// the refresh to finish instead of deadlocking.
func TestReadsDuringARefresh(t *testing.T) {
	v, now := clockVault(t, 2)
	*now = now.Add(2 * time.Hour)
	inZoho, release := make(chan struct{}), make(chan struct{})
	slow := func(ctx context.Context, p model.Profile) (model.Token, error) {
		close(inZoho)
		<-release
		return model.Token{AccessToken: "1000.slow", ExpiresAt: now.Add(time.Hour)}, nil
	}
	done := make(chan error)
	go func() {
		_, err := v.FreshToken(context.Background(), "crm-0000", FreshOptions{}, slow)
		done <- err
	}()
	<-inZoho
	read := make(chan error)
	go func() { _, err := v.Profiles(); read <- err }()
	select {
	case err := <-read:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("reading the vault blocked behind a refresh's network call")
	}
	changed := make(chan error)
	go func() {
		changed <- v.Update(context.Background(), func(tx *Tx) error { return tx.SetSetting("k", "v") })
	}()
	close(release)
	for _, ch := range []chan error{done, changed} {
		select {
		case err := <-ch:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("deadlock between a refresh and a change")
		}
	}
	p, _ := v.Profile("crm-0000")
	if p.Token.AccessToken != "1000.slow" {
		t.Errorf("the refresh was lost: %q", p.Token.AccessToken)
	}
}
