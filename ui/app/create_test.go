package app_test

import (
	"context"
	"errors"
	"testing"

	"ztm/model"
	"ztm/ui/app"
	"ztm/vault"
)

func TestCreateStoresAProfileWithoutTokensOnce(t *testing.T) {
	w := newWorld(t)
	p, err := app.BuildProfile(app.Spec{Name: "crm-eu", DC: "EU", Grant: model.GrantPasteCode, ClientID: clientID, ClientSecret: secret, Scopes: scopes}, w.s.DCs)
	if err != nil {
		t.Fatal(err)
	}
	p.Token = &model.Token{AccessToken: "should-not-be-kept"}
	if _, err := w.s.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	got, err := w.s.Vault.Profile("crm-eu")
	if err != nil || got.Token != nil || got.ClientSecret != secret {
		t.Fatalf("stored %+v, %v; want the profile without tokens", got, err)
	}
	p.Name = "CRM-EU"
	if _, err := w.s.Create(context.Background(), p); !errors.Is(err, vault.ErrProfileExists) {
		t.Errorf("a second profile of the same name (other case): %v, want ErrProfileExists", err)
	}
	p.Name, p.ClientSecret = "books", ""
	if _, err := w.s.Create(context.Background(), p); !app.IsUsage(err) {
		t.Errorf("a profile without a secret: %v, want a usage error", err)
	}
}
