package vault

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"ztm/model"
)

// pagesVault stores profiles of every shape a row must tell apart: names
// in mixed case, no token at all, a token without an access or refresh
// token, client credentials with and without a secret, no tags.
func pagesVault(t *testing.T) Paths {
	t.Helper()
	v, p := newKeyFileVault(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	err := v.Update(context.Background(), func(tx *Tx) error {
		for i, name := range []string{"Zeta", "alpha", "Beta", "gamma-9", "delta", "Epsilon"} {
			p := sampleProfile(i, now)
			p.Name = name
			switch i {
			case 1:
				p.Token = nil
			case 2:
				p.Token.AccessToken, p.Tags, p.KeepAlive = "", nil, true
				p.Token.LastRefreshAt = now.Add(-time.Minute)
			case 3:
				p.Token.RefreshToken, p.Token.Health = "", model.HealthRevoked
				p.Environment = model.Sandbox
			case 4:
				p.ClientType, p.ClientCredentials, p.SOID = model.SelfClient, true, "ZohoCRM.12345678"
				p.Token = nil
			}
			if err := tx.CreateProfile(&p); err != nil {
				return err
			}
		}
		// No profile can be saved without a secret today; an older vault's
		// may have none.
		_, err := tx.exec(`UPDATE profiles SET client_secret = '' WHERE name = 'Epsilon'`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantRow is the row a profile should read as.
func wantRow(p model.Profile) ProfileSummary {
	r := ProfileSummary{ID: p.ID, Name: p.Name, DC: p.DC, Account: p.Account, ClientID: p.ClientID,
		ClientType: p.ClientType, Environment: p.Environment, Scopes: joinList(p.Scopes), Tags: joinList(p.Tags),
		KeepAlive: p.KeepAlive, ClientCredentials: p.ClientCredentials, HasSecret: p.ClientSecret != ""}
	if t := p.Token; t != nil {
		r.Token = TokenState{Present: true, HasAccess: t.AccessToken != "", HasRefresh: t.RefreshToken != "",
			Expires: millis(t.ExpiresAt), Obtained: millis(t.ObtainedAt), LastRefresh: millis(t.LastRefreshAt), Health: t.Health}
	}
	return r
}

func sameRow(a, b ProfileSummary) bool {
	return a.ID == b.ID && a.Name == b.Name && a.DC == b.DC && a.Account == b.Account && a.ClientID == b.ClientID &&
		a.ClientType == b.ClientType && a.Environment == b.Environment && slices.Equal(a.ScopeList(), b.ScopeList()) &&
		slices.Equal(a.TagList(), b.TagList()) && a.KeepAlive == b.KeepAlive && a.ClientCredentials == b.ClientCredentials &&
		a.HasSecret == b.HasSecret && a.Token.Present == b.Token.Present && a.Token.HasAccess == b.Token.HasAccess &&
		a.Token.HasRefresh == b.Token.HasRefresh && a.Token.ExpiresAt().Equal(b.Token.ExpiresAt()) &&
		a.Token.ObtainedAt().Equal(b.Token.ObtainedAt()) && a.Token.LastRefreshAt().Equal(b.Token.LastRefreshAt()) &&
		a.Token.Health == b.Token.Health
}

// TestProfileRowsSayWhatProfilesHold: every row, read from a vault opened
// lazily or fully, holds what its profile holds, and of its secrets only
// whether they are there; the first rows are the first profiles by name,
// case ignored, as the full list sorts them.
func TestProfileRowsSayWhatProfilesHold(t *testing.T) {
	p := pagesVault(t)
	for _, lazy := range []bool{true, false} {
		key, err := LoadKey(p.Identity, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, err := Open(p, key, Options{Lazy: lazy})
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		profiles, err := v.Profiles()
		if err != nil {
			t.Fatal(err)
		}
		var rows, first []ProfileSummary
		var count int
		err = v.View(func(tx *Tx) error {
			if rows, err = tx.ProfileSummaries(); err != nil {
				return err
			}
			if first, err = tx.FirstProfileSummaries(3); err != nil {
				return err
			}
			count, err = tx.ProfileCount()
			return err
		})
		if err != nil {
			t.Fatalf("lazy %v: %v", lazy, err)
		}
		if count != len(profiles) || len(rows) != len(profiles) {
			t.Fatalf("lazy %v: count %d, %d rows, for %d profiles", lazy, count, len(rows), len(profiles))
		}
		for i := 1; i < len(rows); i++ {
			if rows[i-1].ID >= rows[i].ID {
				t.Errorf("lazy %v: rows not in storage order: id %d before %d", lazy, rows[i-1].ID, rows[i].ID)
			}
		}
		for _, prof := range profiles {
			i := slices.IndexFunc(rows, func(r ProfileSummary) bool { return r.ID == prof.ID })
			if i < 0 || !sameRow(rows[i], wantRow(prof)) {
				t.Fatalf("lazy %v: %s reads as %+v, want %+v", lazy, prof.Name, rows[max(i, 0)], wantRow(prof))
			}
			if !slices.Equal(rows[i].ScopeList(), prof.Scopes) || !slices.Equal(rows[i].TagList(), prof.Tags) {
				t.Errorf("lazy %v: %s lists scopes %v and tags %v, want %v and %v", lazy, prof.Name, rows[i].ScopeList(), rows[i].TagList(), prof.Scopes, prof.Tags)
			}
		}
		var names []string
		for _, r := range first {
			names = append(names, r.Name)
		}
		if want := []string{"alpha", "Beta", "delta"}; !slices.Equal(names, want) {
			t.Errorf("lazy %v: first rows %v, want %v", lazy, names, want)
		}
		for i, r := range first {
			if !strings.EqualFold(r.Name, profiles[i].Name) || !sameRow(r, wantRow(profiles[i])) {
				t.Errorf("lazy %v: first row %d is %s, the list's is %s", lazy, i, r.Name, profiles[i].Name)
			}
		}
	}
}

// TestFirstProfileRowsOfAnEmptyVault: no profiles, no rows, no error.
func TestFirstProfileRowsOfAnEmptyVault(t *testing.T) {
	v, _ := newKeyFileVault(t)
	err := v.View(func(tx *Tx) error {
		first, err := tx.FirstProfileSummaries(40)
		if err != nil || len(first) != 0 {
			t.Errorf("first rows of an empty vault: %v, %v", first, err)
		}
		all, err := tx.ProfileSummaries()
		if err != nil || len(all) != 0 {
			t.Errorf("rows of an empty vault: %v, %v", all, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
