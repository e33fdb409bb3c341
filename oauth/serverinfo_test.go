package oauth_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"ztm/model"
	"ztm/oauth"
)

func TestServerInfoRequest(t *testing.T) {
	srv, got := shapeServer(t, `{"result":"success","locations":{
		"us":"https://accounts.zoho.com","EU":"https://accounts.zoho.eu/","ae":"https://accounts.zoho.ae",
		"xx":"http://accounts.example.com","bad code":"https://accounts.zoho.in","yy":"https://a.example@evil.example"}}`)
	var dcs model.DataCenters
	if err := dcs.Put(model.DataCenter{ID: "US", AccountsServer: srv.URL}); err != nil {
		t.Fatal(err)
	}
	locs, err := oauth.NewClient(dcs).ServerInfo(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	checkShape(t, got, "GET", "/oauth/serverinfo", nil)
	if got.auth != "" {
		t.Error("the server list needs no credentials, and none may be sent")
	}
	want := map[string]string{"us": "https://accounts.zoho.com", "eu": "https://accounts.zoho.eu", "ae": "https://accounts.zoho.ae"}
	if !reflect.DeepEqual(locs, want) {
		t.Errorf("locations = %v, want %v (invalid entries left out)", locs, want)
	}
	if s := oauth.ServerListServers(locs); !reflect.DeepEqual(s, []string{"https://accounts.zoho.ae", "https://accounts.zoho.com", "https://accounts.zoho.eu"}) {
		t.Errorf("servers = %v", s)
	}

	srv, _ = shapeServer(t, `<html>captive portal</html>`)
	dcs = model.DataCenters{}
	dcs.Put(model.DataCenter{ID: "US", AccountsServer: srv.URL})
	if _, err := oauth.NewClient(dcs).ServerInfo(ctx(t)); !oauth.IsNetwork(err) {
		t.Errorf("a portal page: %v, want the unreachable kind", err)
	}
	if _, err := oauth.NewClient(model.DataCenters{}).ServerInfo(ctx(t)); err == nil {
		t.Error("no US entry: no error")
	}
}

// TestServerListDiffAndOverrideFile: the diff names what Zoho added and
// changed and what it does not list; the rendered file, loaded through
// ZTM_DATACENTERS, brings the table in line.
func TestServerListDiffAndOverrideFile(t *testing.T) {
	dcs := realDCs(t)
	locs := map[string]string{}
	for _, dc := range dcs.All() {
		if dc.ID != "CN" && dc.ID != "UK" {
			locs[dc.Location] = dc.AccountsServer
		}
	}
	locs["eu"] = "https://accounts-new.zoho.eu"
	locs["sg"] = "https://accounts.zoho.sg"
	d := oauth.DiffServerList(dcs, locs)
	wantAdded := []oauth.ServerChange{{Location: "sg", ID: "SG", Zoho: "https://accounts.zoho.sg"}}
	wantChanged := []oauth.ServerChange{{Location: "eu", ID: "EU", Table: "https://accounts.zoho.eu", Zoho: "https://accounts-new.zoho.eu"}}
	wantMissing := []oauth.ServerChange{{Location: "cn", ID: "CN", Table: "https://accounts.zoho.com.cn"}, {Location: "uk", ID: "UK", Table: "https://accounts.zoho.uk"}}
	if !reflect.DeepEqual(d.Added, wantAdded) || !reflect.DeepEqual(d.Changed, wantChanged) || !reflect.DeepEqual(d.Missing, wantMissing) || d.Empty() {
		t.Errorf("diff = %+v", d)
	}

	file := filepath.Join(t.TempDir(), "dcs.json")
	if err := os.WriteFile(file, oauth.RenderOverrides(d), 0o600); err != nil {
		t.Fatal(err)
	}
	loaded, err := oauth.LoadDataCenters(func(k string) string {
		if k == oauth.DataCentersEnv {
			return file
		}
		return ""
	})
	if err != nil {
		t.Fatalf("the rendered file does not load: %v", err)
	}
	if eu, _ := loaded.ByID("EU"); eu.AccountsServer != "https://accounts-new.zoho.eu" || eu.APIDomain != "https://www.zohoapis.eu" {
		t.Errorf("EU after the override = %+v", eu)
	}
	if sg, ok := loaded.ByLocation("sg"); !ok || sg.AccountsServer != "https://accounts.zoho.sg" {
		t.Errorf("SG after the override = %+v, %v", sg, ok)
	}
	if _, ok := loaded.ByID("CN"); !ok {
		t.Error("an entry Zoho does not list was removed")
	}
	if d := oauth.DiffServerList(loaded, locs); len(d.Added)+len(d.Changed) != 0 {
		t.Errorf("after loading the override the diff still has %+v", d)
	}
}
