package vault

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"ztm/model"
)

func TestProfileLifecycle(t *testing.T) {
	v, p := newKeyFileVault(t)
	ctx := context.Background()
	addProfiles(t, v, 0, 2)

	// Names are unique regardless of case.
	err := v.Update(ctx, func(tx *Tx) error {
		p := sampleProfile(0, tx.Now())
		p.Name = "CRM-0000"
		return tx.CreateProfile(&p)
	})
	if !errors.Is(err, ErrProfileExists) {
		t.Errorf("duplicate name: %v", err)
	}
	// Invalid profiles are refused with the model's message.
	err = v.Update(ctx, func(tx *Tx) error {
		p := sampleProfile(5, tx.Now())
		p.ClientID = "my-secret-by-mistake"
		return tx.CreateProfile(&p)
	})
	if err == nil || !strings.Contains(err.Error(), "does not look like a Zoho client id") || strings.Contains(err.Error(), "my-secret-by-mistake") {
		t.Errorf("bad client id: %v", err)
	}

	// Rename carries the events along; the old name is gone.
	if err := v.Update(ctx, func(tx *Tx) error { return tx.RenameProfile("crm-0000", "books-eu") }); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Profile("crm-0000"); !errors.Is(err, ErrNoProfile) {
		t.Errorf("old name still found: %v", err)
	}
	events, _ := eventsOf(v, "books-eu")
	if len(events) != 2 || events[0].Detail != "renamed from crm-0000" || events[1].Kind != model.EventCreate {
		t.Errorf("events after rename: %+v", events)
	}
	if err := v.Update(ctx, func(tx *Tx) error { return tx.RenameProfile("books-eu", "crm-0001") }); !errors.Is(err, ErrProfileExists) {
		t.Errorf("rename onto another profile: %v", err)
	}

	// Edit keeps the token; delete removes profile and token.
	err = v.Update(ctx, func(tx *Tx) error {
		p, err := tx.Profile("books-eu")
		if err != nil {
			return err
		}
		p.Scopes, p.KeepAlive, p.Notes = []string{"ZohoBooks.fullaccess.all"}, true, "moved to books"
		return tx.UpdateProfile(&p)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := reopen(t, p, "").Profile("books-eu")
	if got.Scopes[0] != "ZohoBooks.fullaccess.all" || !got.KeepAlive || got.Token == nil || got.Notes != "moved to books" {
		t.Errorf("after edit: %+v", got)
	}
	if err := v.Update(ctx, func(tx *Tx) error { return tx.DeleteProfile("books-eu") }); err != nil {
		t.Fatal(err)
	}
	if names := profileNames(t, reopen(t, p, "")); len(names) != 1 || names[0] != "crm-0001" {
		t.Errorf("after delete: %v", names)
	}
	var tokens int
	v.View(func(tx *Tx) error {
		return tx.tx.QueryRowContext(context.Background(), "SELECT count(*) FROM tokens").Scan(&tokens)
	})
	if tokens != 1 {
		t.Errorf("%d token rows after deleting one of two profiles", tokens)
	}
}

// TestEventsAreCapped keeps the audit trail bounded per profile.
func TestEventsAreCapped(t *testing.T) {
	v, _ := newKeyFileVault(t)
	addProfiles(t, v, 0, 1)
	err := v.Update(context.Background(), func(tx *Tx) error {
		for i := 0; i < eventsPerProfile+50; i++ {
			if err := tx.AddEvent(model.Event{Profile: "crm-0000", Kind: model.EventRefresh}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	events, _ := eventsOf(v, "crm-0000")
	if len(events) != eventsPerProfile {
		t.Errorf("%d events kept, want %d", len(events), eventsPerProfile)
	}
}

func TestSettings(t *testing.T) {
	v, p := newKeyFileVault(t)
	ctx := context.Background()
	if err := v.Update(ctx, func(tx *Tx) error { return tx.SetSetting("clipboard_clear", "30s") }); err != nil {
		t.Fatal(err)
	}
	var got string
	reopen(t, p, "").View(func(tx *Tx) error { got, _, _ = tx.Setting("clipboard_clear"); return nil })
	if got != "30s" {
		t.Errorf("setting read back as %q", got)
	}
}

// TestGrantCounting tracks the refresh tokens per client so the UI can warn
// before Zoho's 21st deletes the oldest.
func TestGrantCounting(t *testing.T) {
	v, now := clockVault(t, 2)
	ctx := context.Background()
	const client = "1000.SHAREDCLIENT0000000000"
	for i, name := range []string{"crm-0000", "crm-0001", "crm-0000"} {
		*now = now.Add(time.Minute)
		err := v.Update(ctx, func(tx *Tx) error {
			if err := tx.RecordGrant(name, client); err != nil {
				return err
			}
			if i == 2 { // a re-consent replaced, and revoked, the old token
				return tx.RevokeGrants(name, true)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := v.Update(ctx, func(tx *Tx) error { return tx.RenameProfile("crm-0001", "books") }); err != nil {
		t.Fatal(err)
	}
	var g GrantCount
	v.View(func(tx *Tx) error { var err error; g, err = tx.LiveGrants(client); return err })
	if g.Live != 2 || g.OldestProfile != "books" {
		t.Errorf("got %+v; want 2 live, the oldest held by books (renamed from crm-0001)", g)
	}
}

// TestEnvironmentAndClientCredentialsSurviveReopen: a sandbox profile on
// the client-credentials grant keeps its environment, flag and soid through
// a save and a fresh open, and an edit can change them.
func TestEnvironmentAndClientCredentialsSurviveReopen(t *testing.T) {
	v, p := newKeyFileVault(t)
	ctx := context.Background()
	err := v.Update(ctx, func(tx *Tx) error {
		p := sampleProfile(1, tx.Now())
		p.ClientType, p.RedirectURI = model.SelfClient, ""
		p.Environment, p.ClientCredentials, p.SOID = model.Sandbox, true, "ZohoCRM.12345678"
		return tx.CreateProfile(&p)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := reopen(t, p, "").Profile("crm-0001")
	if err != nil {
		t.Fatal(err)
	}
	if got.Environment != model.Sandbox || !got.ClientCredentials || got.SOID != "ZohoCRM.12345678" {
		t.Fatalf("after reopen: environment %q, client credentials %v, soid %q", got.Environment, got.ClientCredentials, got.SOID)
	}
	err = v.Update(ctx, func(tx *Tx) error {
		got.Environment, got.ClientCredentials, got.SOID = model.Developer, false, ""
		return tx.UpdateProfile(&got)
	})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := reopen(t, p, "").Profile("crm-0001")
	if again.Environment != model.Developer || again.ClientCredentials || again.SOID != "" {
		t.Errorf("after edit: environment %q, client credentials %v, soid %q", again.Environment, again.ClientCredentials, again.SOID)
	}
}

// TestAwkwardTextSurvives: text with colons, digits, quotes, multi-byte
// characters and line breaks, and empty fields, reads back exactly as
// written, in the list and alone. (Control characters and invalid UTF-8
// never get in: Profile.Validate refuses them.)
func TestAwkwardTextSurvives(t *testing.T) {
	v, p := newKeyFileVault(t)
	want := sampleProfile(1, time.Now().Truncate(time.Millisecond))
	want.Notes = "12:34:'\":é漢字\n 5:abcde"
	want.Account, want.APIDomain, want.SOID = "", "", "ZohoCRM.3"
	want.Token.LastError = "0:"
	want.Token.TokenType = ""
	err := v.Update(context.Background(), func(tx *Tx) error { return tx.CreateProfile(&want) })
	if err != nil {
		t.Fatal(err)
	}
	r := reopen(t, p, "")
	list, err := r.Profiles()
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v, %v", len(list), err)
	}
	one, err := r.Profile(want.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []model.Profile{list[0], one} {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("read back:\n got %+v %+v\nwant %+v %+v", got, got.Token, want, want.Token)
		}
	}
}
