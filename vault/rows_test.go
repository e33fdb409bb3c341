package vault

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"ztm/model"
)

// rowVariety stores profiles that differ in every way a row shows: with
// and without a token, an access token or a refresh token, a custom
// server, client credentials, a soid, no tags, and names whose order
// depends on case.
func rowVariety(t *testing.T, v *Vault) {
	t.Helper()
	err := v.Update(context.Background(), func(tx *Tx) error {
		now := tx.Now()
		for i, name := range []string{"Zeta", "alpha", "Mid-2", "beta"} {
			p := sampleProfile(i, now)
			p.Name = name
			switch i {
			case 0:
				p.Token = nil
				p.DC, p.Tags, p.Notes = "", nil, ""
			case 1:
				p.Token.AccessToken, p.Token.Health = "", model.HealthRevoked
				p.Token.LastRefreshAt = now.Add(-time.Minute)
			case 2:
				p.Token.RefreshToken, p.ClientCredentials, p.SOID = "", true, "ZohoCRM.12345678"
				p.ClientType, p.Environment = model.SelfClient, model.Sandbox
			}
			if err := tx.CreateProfile(&p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Every row says of its profile what the profile itself says, in the
// profiles' name order, and holds none of its secrets.
func TestEachProfileRowMatchesProfiles(t *testing.T) {
	v, _ := newKeyFileVault(t)
	rowVariety(t, v)
	profiles, err := v.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, cols := range []RowColumns{TableColumns, AllColumns} {
		var rows []ProfileRow
		err := v.EachProfileRow(cols, func(r *ProfileRow) error {
			rows = append(rows, *r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(profiles) {
			t.Fatalf("columns %d: %d rows for %d profiles", cols, len(rows), len(profiles))
		}
		for i, p := range profiles {
			r := rows[i]
			want := ProfileRow{ID: p.ID, Name: p.Name, DC: p.DC, Account: p.Account, Environment: p.Environment,
				ClientType: p.ClientType, Tags: p.Tags, KeepAlive: p.KeepAlive, ClientCredentials: p.ClientCredentials}
			if cols == AllColumns {
				want.AccountsServer, want.APIDomain, want.ClientID, want.RedirectURI = p.AccountsServer, p.APIDomain, p.ClientID, p.RedirectURI
				want.Notes, want.SOID, want.Consent, want.Scopes = p.Notes, p.SOID, p.Consent, p.Scopes
			}
			if tok := p.Token; tok != nil {
				want.HasToken, want.HasAccessToken, want.HasRefreshToken = true, tok.AccessToken != "", tok.RefreshToken != ""
				want.ExpiresAt, want.LastRefreshAt, want.Health = tok.ExpiresAt, tok.LastRefreshAt, tok.Health
			}
			if !reflect.DeepEqual(r, want) {
				t.Errorf("columns %d, row %d:\n got %+v\nwant %+v", cols, i, r, want)
			}
			if r.RefreshHealth() != p.Token.RefreshHealth() || r.Remaining(now) != p.Token.Remaining(now) {
				t.Errorf("%s: health %s, remaining %v; the profile says %s, %v", p.Name, r.RefreshHealth(), r.Remaining(now), p.Token.RefreshHealth(), p.Token.Remaining(now))
			}
			if cols == AllColumns && r.GrantMethod() != p.GrantMethod() {
				t.Errorf("%s: grant %s, the profile says %s", p.Name, r.GrantMethod(), p.GrantMethod())
			}
			text := fmt.Sprintf("%+v", r)
			for _, secret := range []string{p.ClientSecret, tokenField(p, true), tokenField(p, false)} {
				if secret != "" && strings.Contains(text, secret) {
					t.Errorf("%s: a row holds a secret", p.Name)
				}
			}
		}
	}
}

func tokenField(p model.Profile, access bool) string {
	switch {
	case p.Token == nil:
		return ""
	case access:
		return p.Token.AccessToken
	}
	return p.Token.RefreshToken
}

// An error from fn stops the read at once and is what the read returns;
// the vault is usable after it.
func TestEachProfileRowStopsAtAnError(t *testing.T) {
	v, _ := newKeyFileVault(t)
	addProfiles(t, v, 0, 5)
	stop := errors.New("the reader went away")
	calls := 0
	err := v.EachProfileRow(TableColumns, func(*ProfileRow) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 2 {
		t.Errorf("read returned %v after %d calls, want the reader's error after 2", err, calls)
	}
	if names := profileNames(t, v); len(names) != 5 {
		t.Errorf("after a stopped read the vault lists %d profiles", len(names))
	}
	if err := v.EachProfileRow(RowColumns(9), func(*ProfileRow) error { return nil }); err == nil {
		t.Error("an unknown set of columns was read")
	}
}

// A lazily opened vault (what ztm list opens) reads the same rows.
func TestEachProfileRowLazy(t *testing.T) {
	v, p := newKeyFileVault(t)
	rowVariety(t, v)
	lazy := openLazyVault(t, p)
	var got, want []string
	collect := func(out *[]string) func(*ProfileRow) error {
		return func(r *ProfileRow) error {
			*out = append(*out, fmt.Sprintf("%+v", *r))
			return nil
		}
	}
	if err := v.EachProfileRow(AllColumns, collect(&want)); err != nil {
		t.Fatal(err)
	}
	if err := lazy.EachProfileRow(AllColumns, collect(&got)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || len(got) != 4 {
		t.Errorf("lazy rows\n%v\nwant\n%v", got, want)
	}
}

// Stored text holding the character rows are joined with (a vault written
// by something else may have it anywhere) is read back whole, in both
// sets of columns, in a full and a lazy open.
func TestEachProfileRowTextWithTheSeparator(t *testing.T) {
	v, p := newKeyFileVault(t)
	addProfiles(t, v, 0, 3)
	odd := "a\x1fb\x1f"
	err := v.Update(context.Background(), func(tx *Tx) error {
		_, err := tx.exec(`UPDATE profiles SET account = ?, notes = ?, tags = ? WHERE name = 'crm-0001'`, odd, odd, "x\x1fy")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	lazy := openLazyVault(t, p)
	for _, vv := range []*Vault{v, lazy} {
		for _, cols := range []RowColumns{TableColumns, AllColumns} {
			var names []string
			err := vv.EachProfileRow(cols, func(r *ProfileRow) error {
				names = append(names, r.Name)
				if r.Name != "crm-0001" {
					return nil
				}
				if r.Account != odd || !reflect.DeepEqual(r.Tags, []string{"x\x1fy"}) || (cols == AllColumns) != (r.Notes == odd) {
					t.Errorf("columns %d: account %q, tags %q, notes %q", cols, r.Account, r.Tags, r.Notes)
				}
				if !r.HasAccessToken || r.ExpiresAt.IsZero() {
					t.Errorf("columns %d: the token's state was lost: %+v", cols, r)
				}
				return nil
			})
			if err != nil || !reflect.DeepEqual(names, []string{"crm-0000", "crm-0001", "crm-0002"}) {
				t.Errorf("columns %d: %v, %v", cols, names, err)
			}
		}
	}
}

// The rows are read on a goroutine of their own and handed over in
// batches: every row arrives once, in name order, across several batches,
// and a read stopped by fn, or run to its end, leaves no goroutine behind
// and the vault usable.
func TestEachProfileRowReadsAheadInBatches(t *testing.T) {
	v, p := newKeyFileVault(t)
	n := 3*rowBatch + 17
	addProfiles(t, v, 0, n)
	lazy := openLazyVault(t, p)
	before := runtime.NumGoroutine()
	var got []string
	err := lazy.EachProfileRow(AllColumns, func(r *ProfileRow) error {
		got = append(got, r.Name)
		return nil
	})
	if err != nil || len(got) != n || !slices.IsSorted(got) || got[0] != "crm-0000" {
		t.Fatalf("read %d rows (%v), sorted %v; want %d from crm-0000 in order", len(got), err, slices.IsSorted(got), n)
	}
	stop := errors.New("the reader went away")
	calls := 0
	err = lazy.EachProfileRow(TableColumns, func(*ProfileRow) error {
		if calls++; calls == rowBatch+1 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != rowBatch+1 {
		t.Fatalf("read returned %v after %d calls, want the reader's error after %d", err, calls, rowBatch+1)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after the reads, %d before", runtime.NumGoroutine(), before)
		}
		runtime.Gosched()
	}
	if _, err := lazy.Profile("crm-0001"); err != nil {
		t.Fatalf("the vault after a stopped read: %v", err)
	}
}
