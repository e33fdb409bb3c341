// Package demo sets up ztm's demo: the fake Zoho from oauth/fakezoho on
// loopback ports and a throwaway vault with a dozen sample profiles across
// every data center, some expired, some about to expire. Everything works
// (refresh, copy, delete with revoke, the guided set-up) without a Zoho
// account.
package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/vault"
)

// Demo is a running demo; Close stops the fake and removes the vault.
type Demo struct {
	Cluster *fakezoho.Cluster
	Paths   vault.Paths
	DCs     model.DataCenters
	dir     string
}

// sample describes one demo profile.
type sample struct {
	name, dc string
	kind     model.ClientType
	left     time.Duration // access token life left; negative: expired
	scopes   []string
	health   model.Health
	keep     bool
	tags     []string
}

var samples = []sample{
	{"crm-us", "US", model.ServerClient, 48 * time.Minute, []string{"ZohoCRM.modules.ALL", "ZohoCRM.settings.READ", "AaaServer.profile.READ"}, model.HealthOK, false, []string{"prod"}},
	{"books-eu", "EU", model.SelfClient, -5 * time.Minute, []string{"ZohoBooks.fullaccess.all"}, model.HealthOK, false, []string{"finance"}},
	{"desk-in", "IN", model.ServerClient, 3 * time.Minute, []string{"Desk.tickets.ALL", "Desk.basic.READ"}, model.HealthOK, false, []string{"support"}},
	{"salesiq-au", "AU", model.SelfClient, 12 * time.Minute, []string{"SalesIQ.conversations.ALL"}, model.HealthOK, false, nil},
	{"people-jp", "JP", model.NonBrowserClient, 55 * time.Minute, []string{"ZOHOPEOPLE.forms.ALL"}, model.HealthOK, false, []string{"hr"}},
	{"projects-ca", "CA", model.ServerClient, -2 * time.Hour, []string{"ZohoProjects.projects.ALL", "ZohoProjects.tasks.ALL"}, model.HealthOK, false, nil},
	{"mail-sa", "SA", model.SelfClient, 31 * time.Minute, []string{"ZohoMail.messages.ALL"}, model.HealthOK, false, nil},
	{"calendar-uk", "UK", model.ServerClient, 8 * time.Minute, []string{"ZohoCalendar.calendar.ALL"}, model.HealthOK, true, nil},
	{"crm-cn", "CN", model.SelfClient, 59 * time.Minute, []string{"ZohoCRM.modules.READ"}, model.HealthOK, false, []string{"prod"}},
	{"analytics-eu", "EU", model.SelfClient, -40 * time.Minute, []string{"ZohoAnalytics.data.all"}, model.HealthRevoked, false, nil},
	{"apptics-in", "IN", model.ServerClient, 21 * time.Minute, []string{"JProxy.jmobileapi.ALL"}, model.HealthOK, true, []string{"mobile"}},
	{"crm-sandbox", "US", model.SelfClient, 0, []string{"ZohoCRM.modules.ALL"}, model.HealthMissing, false, []string{"sandbox"}},
}

// Start runs the fake Zoho and fills a new vault in a temporary directory.
func Start(now time.Time) (*Demo, error) {
	c := fakezoho.New(fakezoho.Options{Consent: fakezoho.ConsentPage, DeviceInterval: 5 * time.Second, LocalAPIDomain: true})
	for _, cl := range fakezoho.DemoClients() {
		c.AddClient(cl)
	}
	dir, err := os.MkdirTemp("", "ztm-demo-*")
	if err != nil {
		c.Close()
		return nil, err
	}
	d := &Demo{Cluster: c, DCs: c.DataCenters(), dir: dir}
	d.Paths = vault.Paths{Dir: dir, Vault: filepath.Join(dir, vault.VaultFile),
		Identity: filepath.Join(dir, vault.KeyFileIdentity), Lock: filepath.Join(dir, vault.VaultFile+".lock")}
	v, err := vault.Create(d.Paths, vault.CreateOptions{GenerateKeyFile: true}, vault.Options{Now: func() time.Time { return now }})
	if err != nil {
		d.Close()
		return nil, err
	}
	defer v.Close()
	if err := v.Update(context.Background(), func(tx *vault.Tx) error { return d.fill(tx, now) }); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (d *Demo) fill(tx *vault.Tx, now time.Time) error {
	for i, s := range samples {
		dc, _ := d.DCs.ByID(s.dc)
		p := model.Profile{
			Name: s.name, DC: dc.ID, AccountsServer: dc.AccountsServer, APIDomain: dc.APIDomain,
			ClientType: s.kind, ClientSecret: fakezoho.DemoSecret, Scopes: s.scopes,
			Consent: model.UserConsent, Account: fakezoho.DefaultUser(dc.ID), Tags: s.tags, KeepAlive: s.keep,
			Notes: "a demo profile: its tokens come from the built-in fake Zoho",
		}
		switch s.kind {
		case model.SelfClient:
			p.ClientID = fakezoho.DemoSelfClientID
		case model.ServerClient:
			p.ClientID, p.RedirectURI = fakezoho.DemoServerClientID, fakezoho.DemoRedirectURI
		case model.NonBrowserClient:
			p.ClientID = fakezoho.DemoDeviceClientID
		}
		if s.health != model.HealthMissing {
			rt := d.Cluster.MintRefreshToken(p.ClientID, p.Account, dc.ID, s.scopes)
			if s.health == model.HealthRevoked {
				d.Cluster.RevokeRefreshToken(rt)
			}
			obtained := now.Add(s.left - time.Hour)
			p.Token = &model.Token{
				AccessToken: fmt.Sprintf("1000.demo%02d%s", i, "5f2c0e8a1b7d4c3e9f6a0b1c2d3e4f50"), RefreshToken: rt,
				TokenType: "Bearer", ObtainedAt: obtained, ExpiresAt: obtained.Add(time.Hour),
				GrantedScopes: s.scopes, Health: s.health, LastRefreshAt: obtained,
			}
			if s.health == model.HealthRevoked {
				p.Token.LastError = "refresh: Zoho no longer accepts this refresh token (invalid_code): it was revoked; consent again to get a new one"
			}
		}
		if err := tx.CreateProfile(&p); err != nil {
			return fmt.Errorf("demo profile %s: %w", s.name, err)
		}
		if p.Token != nil {
			if err := tx.RecordGrant(p.Name, p.ClientID); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close stops the fake Zoho and deletes the demo vault.
func (d *Demo) Close() {
	d.Cluster.Close()
	os.RemoveAll(d.dir)
}
