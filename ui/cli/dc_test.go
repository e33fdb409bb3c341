package cli

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ztm/model"
	"ztm/oauth"
)

func TestDCListShowsTheTableWithAE(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	delete(w.env, oauth.DataCentersEnv) // the built-in table
	r := w.run("dc", "list").want(t, 0)
	for _, s := range []string{
		"ID  NAME", "ACCOUNTS SERVER", "API DOMAIN", "API CONSOLE",
		"US  United States", "https://accounts.zoho.com ", "https://www.zohoapis.com ", "https://api-console.zoho.com\n",
		"AE  United Arab Emirates", "ae", "https://accounts.zoho.ae *", "https://www.zohoapis.ae ", "https://api-console.zoho.ae *",
		"https://accounts.zohocloud.ca ", "https://api-console.zohocloud.ca *", "https://www.zohoapis.uk *",
		"* not confirmed by a Zoho page yet",
	} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("dc list does not show %q:\n%s", s, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "https://www.zohoapis.com *") {
		t.Errorf("dc list marks a confirmed field:\n%s", r.stdout)
	}

	r = w.run("dc", "list", "--json").want(t, 0)
	var dcs []model.DataCenter
	if err := json.Unmarshal([]byte(r.stdout), &dcs); err != nil || len(dcs) != 10 || dcs[9].ID != "AE" {
		t.Errorf("dc list --json: %v, %d entries\n%s", err, len(dcs), r.stdout)
	}
	w.run("dc").wantErr(t, ExitUsage, "dc needs a subcommand: list or sync")
}

func TestDCSync(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.run("dc", "sync").want(t, 0)
	if !strings.Contains(r.stdout, "names 10 locations") || !strings.Contains(r.stdout, "The table has every server on it.") {
		t.Errorf("dc sync on an agreeing list:\n%s", r)
	}
	out := filepath.Join(t.TempDir(), "dcs.json")
	r = w.run("dc", "sync", "--write", out).want(t, 0)
	if _, err := os.Stat(out); !os.IsNotExist(err) || !strings.Contains(r.stderr, "nothing written") {
		t.Errorf("an agreeing list wrote a file (%v):\n%s", err, r)
	}

	// Zoho opens a data center, moves one and drops one.
	w.zoho.SetServerLocation("xx", "https://accounts.zoho.xx")
	w.zoho.SetServerLocation("eu", "https://accounts.zoho.eu")
	w.zoho.SetServerLocation("cn", "")
	r = w.run("dc", "sync", "--write", out).want(t, 0)
	for _, s := range []string{
		"On Zoho's list, not in the table:\n  XX   xx   https://accounts.zoho.xx",
		"Moved:\n  EU   eu   " + w.zoho.URL("EU") + " -> https://accounts.zoho.eu",
		"In the table, not on Zoho's list (kept):\n  CN   cn   " + w.zoho.URL("CN"),
		"Kept Zoho's list in the vault",
	} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("dc sync does not say %q:\n%s", s, r)
		}
	}
	if !strings.Contains(r.stderr, "wrote "+out) {
		t.Errorf("dc sync --write does not say what it wrote:\n%s", r)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the override file: %v, mode %v", err, fi)
	}
	// The file is what ZTM_DATACENTERS reads, over the table in use.
	dcs, err := oauth.LoadDataCenters(func(string) string { return out })
	if err != nil {
		t.Fatal(err)
	}
	if xx, ok := dcs.ByLocation("xx"); !ok || xx.AccountsServer != "https://accounts.zoho.xx" {
		t.Errorf("XX from the file: %+v", xx)
	}
	if eu, _ := dcs.ByID("EU"); eu.AccountsServer != "https://accounts.zoho.eu" {
		t.Errorf("EU from the file: %+v", eu)
	}

	// Never overwritten without --force.
	before, _ := os.ReadFile(out)
	os.WriteFile(out, []byte("mine"), 0o644)
	w.run("dc", "sync", "--write", out).wantErr(t, ExitUsage, "exists: --force overwrites it")
	if got, _ := os.ReadFile(out); string(got) != "mine" {
		t.Errorf("the file was overwritten without --force: %q", got)
	}
	w.run("dc", "sync", "--write", out, "--force").want(t, 0)
	fi, _ = os.Stat(out)
	if got, _ := os.ReadFile(out); string(got) != string(before) || fi.Mode().Perm() != 0o600 {
		t.Errorf("--force wrote %q with mode %v", got, fi.Mode())
	}
	w.run("dc", "sync", "--force").wantErr(t, ExitUsage, "--force goes with --write FILE")
}

// Written over the file ZTM_DATACENTERS names, dc sync updates it: what
// that file set before is kept.
func TestDCSyncUpdatesTheFileInUse(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	file := w.env[oauth.DataCentersEnv]
	w.zoho.SetServerLocation("xx", "https://accounts.zoho.xx")
	w.run("dc", "sync", "--write", file).wantErr(t, ExitUsage, "exists: --force overwrites it")
	r := w.run("dc", "sync", "--write", file, "--force").want(t, 0)
	if !strings.Contains(r.stderr, "its other entries are kept") {
		t.Errorf("dc sync --write over the file in use:\n%s", r)
	}
	dcs, err := oauth.LoadDataCenters(func(string) string { return file })
	if err != nil {
		t.Fatal(err)
	}
	if xx, _ := dcs.ByID("XX"); xx.AccountsServer != "https://accounts.zoho.xx" {
		t.Errorf("XX: %+v", xx)
	}
	for _, dc := range w.dcs.All() {
		if got, _ := dcs.ByID(dc.ID); got.AccountsServer != dc.AccountsServer || got.APIDomain != dc.APIDomain {
			t.Errorf("%s was %s %s, is %s %s", dc.ID, dc.AccountsServer, dc.APIDomain, got.AccountsServer, got.APIDomain)
		}
	}
	// The table now agrees with Zoho's list.
	r = w.run("dc", "sync").want(t, 0)
	if !strings.Contains(r.stdout, "The table has every server on it.") {
		t.Errorf("after the update:\n%s", r)
	}
}

func TestDCSyncUnreachable(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dcs := w.dcs.All()
	dcs[0].AccountsServer = closedPortURL(t) // US publishes the list
	writeDataCenters(t, w.env[oauth.DataCentersEnv], dcs)
	w.run("dc", "sync").wantErr(t, ExitNetwork)
}

// A pasted redirect naming an accounts server outside the table is
// refused before anything is sent, until Zoho's own list names it: ztm dc
// sync keeps that list in the vault, and every session trusts it.
func TestDCSyncListTrustsPastedAccountsServers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm-eu")
	// The IN fake under another name: a server the table does not know.
	other := strings.Replace(w.zoho.URL("IN"), "127.0.0.1", "localhost", 1)
	paste := func(server string) string {
		code := w.zoho.SelfClientCode(testClientID, "IN", strings.Split(testScopes, ","), 0)
		return "https://example.com/cb?code=" + code + "&accounts-server=" + url.QueryEscape(server) + "\n"
	}
	const evil = "https://accounts.evil.example"
	w.runStdin(paste(other), "consent", "crm-eu").wantErr(t, ExitUsage, "not a Zoho data center ztm knows, so nothing was sent to it")
	w.runStdin(paste(evil), "consent", "crm-eu").
		wantErr(t, ExitUsage, "accounts.evil.example", "nothing was sent")

	w.zoho.SetServerLocation("xx", other)
	w.run("dc", "sync").want(t, 0)
	r := w.runStdin(paste(other), "consent", "crm-eu").want(t, 0)
	if !strings.Contains(r.stdout, "crm-eu has new tokens") {
		t.Errorf("a server on Zoho's list was not trusted:\n%s", r)
	}
	// Zoho's list trusts only what it names.
	w.runStdin(paste(evil), "consent", "crm-eu").
		wantErr(t, ExitUsage, "accounts.evil.example", "nothing was sent")
	if got := w.stored()["crm-eu"].AccountsServer; model.NormalizeServerURL(got) != model.NormalizeServerURL(other) {
		t.Errorf("crm-eu's accounts server is %s, want %s", got, other)
	}
}
