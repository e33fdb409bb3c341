package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/vault"
)

// ServerListSetting names the vault setting that keeps Zoho's list of
// accounts servers as `ztm dc sync` last fetched it: JSON of a
// [ServerList]. It is not a secret; it lives in the vault so that every
// face of every process trusts the same servers.
const ServerListSetting = "zoho.serverinfo"

// ServerList is Zoho's list of accounts servers, as fetched.
type ServerList struct {
	// Locations maps a location code ("eu") to its accounts server.
	Locations map[string]string `json:"locations"`
	// FetchedAt is when Zoho sent it.
	FetchedAt time.Time `json:"fetched_at"`
}

// DCSync is Zoho's server list compared with the data-center table.
type DCSync struct {
	List ServerList
	// Diff is what differs from the table ztm uses now (built-in, with
	// any ZTM_DATACENTERS overrides).
	Diff oauth.ServerListDiff
	// DCs is that table.
	DCs model.DataCenters
}

// SyncDataCenters asks Zoho for its list of accounts servers (GET
// /oauth/serverinfo at the table's US accounts server) and compares it
// with the table. It needs no vault: a face that has one may keep the
// list with [Session.SaveServerList].
func SyncDataCenters(ctx context.Context, env Env) (DCSync, error) {
	dcs, err := LoadDataCenters(env)
	if err != nil {
		return DCSync{}, err
	}
	locs, err := NewOAuthClient(env, dcs).ServerInfo(ctx)
	if err != nil {
		return DCSync{}, err
	}
	return DCSync{
		List: ServerList{Locations: locs, FetchedAt: env.now()},
		Diff: oauth.DiffServerList(dcs, locs),
		DCs:  dcs,
	}, nil
}

// SaveServerList keeps l in the vault's settings ([ServerListSetting]) and
// trusts its servers in this session at once.
func (s *Session) SaveServerList(ctx context.Context, l ServerList) error {
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	if err := s.Vault.Update(ctx, func(tx *vault.Tx) error { return tx.SetSetting(ServerListSetting, string(data)) }); err != nil {
		return err
	}
	s.Zoho.Trusted = oauth.ServerListServers(l.Locations)
	return nil
}

// ServerList reads the server list the vault keeps; ok is false when none
// was saved.
func (s *Session) ServerList() (l ServerList, ok bool, err error) {
	var raw string
	err = s.Vault.View(func(tx *vault.Tx) error {
		raw, ok, err = tx.Setting(ServerListSetting)
		return err
	})
	if err != nil || !ok {
		return ServerList{}, false, err
	}
	if err := json.Unmarshal([]byte(raw), &l); err != nil {
		return ServerList{}, false, fmt.Errorf("the server list kept in the vault is damaged (%v): fetch Zoho's list again", err)
	}
	// Only well-formed servers are trusted, whatever the setting holds.
	for loc, server := range l.Locations {
		if model.ValidateServerURL(server) != nil {
			delete(l.Locations, loc)
		}
	}
	return l, true, nil
}

// TrustServerList makes the session trust the accounts servers of the
// server list the vault keeps ([oauth.Client.Trusted]), beside the table and
// each profile's own server, for [Session.CheckGrant]. Without a kept
// list it changes nothing. Both faces call it after opening a session.
func (s *Session) TrustServerList() error {
	l, ok, err := s.ServerList()
	if err != nil || !ok {
		return err
	}
	s.Zoho.Trusted = oauth.ServerListServers(l.Locations)
	return nil
}
