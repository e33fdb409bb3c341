package vault

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"ztm/model"
)

// testWorkFactor keeps scrypt cheap in tests; real vaults use age's default.
const testWorkFactor = 10

// testPaths puts a vault in a fresh private directory.
func testPaths(t testing.TB, identity string) Paths {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ztm")
	p, err := ResolvePaths(filepath.Join(dir, VaultFile), identity, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newKeyFileVault creates a vault in key-file mode with a generated key.
func newKeyFileVault(t testing.TB) (*Vault, Paths) {
	t.Helper()
	p := testPaths(t, "")
	p.Identity = filepath.Join(p.Dir, KeyFileIdentity)
	v, err := Create(p, CreateOptions{GenerateKeyFile: true}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v, p
}

// reopen unlocks the vault at p again, as a new process would.
func reopen(t testing.TB, p Paths, pass string) *Vault {
	t.Helper()
	key, err := LoadKey(p.Identity, func() (string, error) { return pass, nil })
	if err != nil {
		t.Fatal(err)
	}
	v, err := Open(p, key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// sampleProfile is a valid profile with a token; i makes it unique.
func sampleProfile(i int, now time.Time) model.Profile {
	return model.Profile{
		Name:           fmt.Sprintf("crm-%04d", i),
		DC:             "EU",
		AccountsServer: "https://accounts.zoho.eu",
		APIDomain:      "https://www.zohoapis.eu",
		ClientType:     model.ServerClient,
		ClientID:       fmt.Sprintf("1000.%030d", i),
		ClientSecret:   fmt.Sprintf("secret%036d", i),
		RedirectURI:    "http://localhost:8765/callback",
		Scopes:         []string{"ZohoCRM.modules.ALL", "ZohoCRM.settings.READ", "AaaServer.profile.READ"},
		Consent:        model.UserConsent,
		Account:        fmt.Sprintf("user%d@example.com", i),
		Tags:           []string{"prod", "crm"},
		Notes:          "sample profile",
		Token: &model.Token{
			AccessToken:   fmt.Sprintf("1000.access%024d", i),
			RefreshToken:  fmt.Sprintf("1000.refresh%024d", i),
			TokenType:     "Bearer",
			ObtainedAt:    now,
			ExpiresAt:     now.Add(time.Hour),
			GrantedScopes: []string{"ZohoCRM.modules.ALL"},
			Health:        model.HealthOK,
		},
	}
}

// addProfiles stores n sample profiles in one change.
func addProfiles(t testing.TB, v *Vault, from, n int) {
	t.Helper()
	now := time.Now()
	err := v.Update(context.Background(), func(tx *Tx) error {
		for i := from; i < from+n; i++ {
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
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func profileNames(t testing.TB, v *Vault) []string {
	t.Helper()
	ps, err := v.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return names
}
