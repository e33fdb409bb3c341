package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"ztm/model"
)

// expire makes crm-0000's access token expired at the vault's clock.
func expire(t *testing.T, v *Vault) {
	t.Helper()
	err := v.Update(context.Background(), func(tx *Tx) error {
		p, err := tx.Profile("crm-0000")
		if err != nil {
			return err
		}
		tok := *p.Token
		tok.ExpiresAt = tx.Now().Add(-time.Minute)
		return tx.SetToken(p.Name, tok)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFailedRefreshCostsASaveOnlyWhenHealthChanges: offline, a cron job's
// failing refreshes save once (the first failure), not on every run, and
// never move .bak; a throttle (health changes) is saved, again without
// moving .bak; the next real change does.
func TestFailedRefreshCostsASaveOnlyWhenHealthChanges(t *testing.T) {
	v, now := clockVault(t, 1)
	expire(t, v)
	addProfiles(t, v, 1, 1) // a real change, so .bak holds a version
	bak := v.paths.Vault + backupSuffix
	bakBefore := readFile(t, bak)
	ctx := context.Background()
	offline := &fakeZoho{now: now, err: errors.New("dial tcp: lookup accounts.zoho.eu: no such host")}

	gen := generation(t, v)
	for run := 1; run <= 3; run++ {
		if _, err := v.FreshToken(ctx, "crm-0000", FreshOptions{}, offline.refresh); !errors.Is(err, offline.err) {
			t.Fatalf("run %d: %v", run, err)
		}
		*now = now.Add(time.Minute)
	}
	if got := generation(t, v) - gen; got != 1 {
		t.Errorf("three offline runs saved %d times, want once (the first failure)", got)
	}
	p, _ := v.Profile("crm-0000")
	if p.Token.LastError == "" || p.Token.RefreshHealth() != model.HealthOK {
		t.Errorf("the first failure is not recorded: %+v", p.Token)
	}

	throttled := &fakeZoho{now: now, err: fmt.Errorf("too many requests: %w", model.ErrThrottled)}
	gen = generation(t, v)
	v.FreshToken(ctx, "crm-0000", FreshOptions{}, throttled.refresh)
	if p, _ := v.Profile("crm-0000"); generation(t, v) != gen+1 || p.Token.RefreshHealth() != model.HealthThrottled {
		t.Errorf("a throttle was not saved: %d saves, health %s", generation(t, v)-gen, p.Token.RefreshHealth())
	}
	if !bytes.Equal(readFile(t, bak), bakBefore) {
		t.Error("recording failures moved .bak: it no longer holds the version before the last real change")
	}

	*now = now.Add(model.RefreshWindow)
	ok := &fakeZoho{now: now}
	if _, err := v.FreshToken(ctx, "crm-0000", FreshOptions{}, ok.refresh); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(readFile(t, bak), bakBefore) {
		t.Error("a new token did not move .bak")
	}
}

// TestRefusalIsTheAnswerUntilItExpires: once Zoho throttled a profile,
// callers get the same kind of error without Zoho being asked, until the
// throttle window has passed; a revoked refresh token is not tried again
// until the profile has a new grant.
func TestRefusalIsTheAnswerUntilItExpires(t *testing.T) {
	ctx := context.Background()
	t.Run("throttled", func(t *testing.T) {
		v, now := clockVault(t, 1)
		expire(t, v)
		z := &fakeZoho{now: now, err: fmt.Errorf("too many requests: %w", model.ErrThrottled)}
		for i := 0; i < 5; i++ {
			_, err := v.FreshToken(ctx, "crm-0000", FreshOptions{Force: true}, z.refresh)
			if !errors.Is(err, model.ErrThrottled) {
				t.Fatalf("call %d: %v, want ErrThrottled", i+1, err)
			}
			*now = now.Add(time.Minute)
		}
		if n := z.calls.Load(); n != 1 {
			t.Errorf("Zoho was asked %d times inside the throttle window, want once", n)
		}
		*now = now.Add(model.RefreshWindow)
		z.err = nil
		if f, err := v.FreshToken(ctx, "crm-0000", FreshOptions{}, z.refresh); err != nil || !f.Refreshed {
			t.Errorf("after the window: %v, refreshed %v", err, f.Refreshed)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		v, now := clockVault(t, 1)
		expire(t, v)
		z := &fakeZoho{now: now, err: fmt.Errorf("invalid_code: %w", model.ErrRefreshRevoked)}
		for i := 0; i < 3; i++ {
			*now = now.Add(time.Hour)
			if _, err := v.FreshToken(ctx, "crm-0000", FreshOptions{}, z.refresh); !errors.Is(err, model.ErrRefreshRevoked) {
				t.Fatalf("call %d: %v, want ErrRefreshRevoked", i+1, err)
			}
		}
		if n := z.calls.Load(); n != 1 {
			t.Errorf("Zoho was asked %d times with a revoked token, want once", n)
		}
		err := v.Update(ctx, func(tx *Tx) error { // a new grant
			return tx.SetToken("crm-0000", model.Token{AccessToken: "1000.a", RefreshToken: "1000.new", ExpiresAt: now.Add(-time.Minute)})
		})
		if err != nil {
			t.Fatal(err)
		}
		z.err = nil
		if f, err := v.FreshToken(ctx, "crm-0000", FreshOptions{}, z.refresh); err != nil || !f.Refreshed {
			t.Errorf("after a new grant: %v, refreshed %v", err, f.Refreshed)
		}
	})
}

// TestFailedRefreshesSpendTheBudget: a refresh Zoho refused counts
// against its 10 in 10 minutes like one it granted.
func TestFailedRefreshesSpendTheBudget(t *testing.T) {
	v, now := clockVault(t, 1)
	ctx := context.Background()
	z := &fakeZoho{now: now}
	for i := 0; i < model.RefreshLimit-1; i++ {
		if _, err := v.FreshToken(ctx, "crm-0000", FreshOptions{Force: true}, z.refresh); err != nil {
			t.Fatal(err)
		}
	}
	z.err = errors.New("invalid_client")
	v.FreshToken(ctx, "crm-0000", FreshOptions{Force: true}, z.refresh)
	z.err = nil
	_, err := v.FreshToken(ctx, "crm-0000", FreshOptions{Force: true}, z.refresh)
	if !errors.Is(err, ErrBudget) || z.calls.Load() != model.RefreshLimit {
		t.Errorf("after 9 refreshes and 1 failure: %v after %d calls; want ErrBudget and no 11th call", err, z.calls.Load())
	}
}
