package vault

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"

	"ztm/model"
)

var update = flag.Bool("update", false, "rewrite test fixtures")

// The v1 fixture is a vault as the first released schema wrote it, with
// one profile. Its key is a test key, not a secret.
const (
	v1Fixture = "testdata/vault-v1.age"
	v1Key     = "testdata/vault-v1.key"
)

// TestMigrateFromV1 opens a schema-1 vault: the profile survives, the new
// columns get their defaults, and the next change writes the new schema.
func TestMigrateFromV1(t *testing.T) {
	if *update {
		writeV1Fixture(t)
	}
	p := testPaths(t, "")
	os.MkdirAll(p.Dir, 0o700)
	os.WriteFile(p.Vault, readFile(t, v1Fixture), 0o600)
	p.Identity = v1Key

	v := reopen(t, p, "")
	info, err := v.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.Schema != SchemaVersion || info.Profiles != 1 {
		t.Fatalf("after open: schema %d with %d profiles, want %d with 1", info.Schema, info.Profiles, SchemaVersion)
	}
	prof, err := v.Profile("legacy-crm")
	if err != nil {
		t.Fatal(err)
	}
	if prof.ClientID != "1000.LEGACYCLIENT0000000000000000" || prof.Token == nil ||
		prof.Token.RefreshToken != "1000.legacyrefresh" || prof.Tags != nil || prof.KeepAlive ||
		prof.Environment != "" || prof.Environment.OrDefault() != model.Production || prof.ClientCredentials || prof.SOID != "" {
		t.Errorf("migrated profile wrong: %+v token %+v", prof, prof.Token)
	}
	events, _ := eventsOf(v, "legacy-crm")
	if len(events) != 1 || events[0].Kind != "exchange" {
		t.Errorf("events after migration: %+v", events)
	}

	err = v.Update(context.Background(), func(tx *Tx) error {
		prof.Tags = []string{"migrated"}
		prof.Environment, prof.SOID = model.Sandbox, "ZohoCRM.42"
		return tx.UpdateProfile(&prof)
	})
	if err != nil {
		t.Fatal(err)
	}
	again := reopen(t, p, "")
	var onDisk int
	again.View(func(tx *Tx) error { in, err := tx.Info(); onDisk = in.Schema; return err })
	got, _ := again.Profile("legacy-crm")
	if onDisk != SchemaVersion || len(got.Tags) != 1 || got.Environment != model.Sandbox || got.SOID != "ZohoCRM.42" {
		t.Errorf("after a change the file has schema %d, tags %v, environment %q, soid %q", onDisk, got.Tags, got.Environment, got.SOID)
	}
}

// writeV1Fixture builds the fixture with migration 1 alone (go test -run
// TestMigrateFromV1 ./vault -update). Run it only when adding fixtures:
// the committed file is what proves old vaults still open.
func writeV1Fixture(t *testing.T) {
	id, _ := age.GenerateHybridIdentity()
	if err := os.WriteFile(v1Key, []byte("# test fixture key, not a secret\n"+id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mem, err := newMemDB()
	if err != nil {
		t.Fatal(err)
	}
	defer mem.close()
	ctx := context.Background()
	if err := migrate(ctx, mem.conn, 1); err != nil {
		t.Fatal(err)
	}
	_, err = mem.conn.ExecContext(ctx, `
		INSERT INTO meta VALUES ('vault_id', 'fixture0v1'), ('created_at', '1767225600000'),
			('generation', '3'), ('recipients', ?);
		INSERT INTO profiles(id, name, dc, accounts_server, api_domain, client_type, client_id,
			client_secret, redirect_uri, scopes, consent, account, created_at, updated_at)
		VALUES (1, 'legacy-crm', 'IN', 'https://accounts.zoho.in', 'https://www.zohoapis.in',
			'self', '1000.LEGACYCLIENT0000000000000000', 'legacysecret', '', 'ZohoCRM.modules.ALL',
			'user', 'old@example.com', 1767225600000, 1767225600000);
		INSERT INTO tokens(profile_id, access_token, refresh_token, token_type, expires_at, obtained_at)
		VALUES (1, '1000.legacyaccess', '1000.legacyrefresh', 'Bearer', 1767229200000, 1767225600000);
		INSERT INTO events(profile, at, kind, detail) VALUES ('legacy-crm', 1767225600000, 'exchange', '');`,
		id.Recipient().String())
	if err != nil {
		t.Fatal(err)
	}
	image, err := mem.serialize()
	if err != nil {
		t.Fatal(err)
	}
	cipher, err := encryptImage(image, []age.Recipient{id.Recipient()})
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(v1Fixture), 0o755)
	if err := os.WriteFile(v1Fixture, cipher, 0o644); err != nil {
		t.Fatal(err)
	}
}
