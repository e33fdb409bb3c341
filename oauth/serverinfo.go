package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"ztm/model"
)

// serverInfoDC is the data center whose accounts server answers for all:
// Zoho publishes the list at accounts.zoho.com.
const serverInfoDC = "US"

// ServerInfo asks Zoho for its list of accounts servers: GET
// /oauth/serverinfo at the US accounts server of the table (so a test or
// demo table points it at a fake). The answer maps a location code ("eu")
// to its accounts server. Entries that are not a location code and a valid
// server URL are left out: the list is used to trust servers, so a
// doubtful entry is worth less than a missing one.
func (c *Client) ServerInfo(ctx context.Context) (map[string]string, error) {
	us, ok := c.DCs.ByID(serverInfoDC)
	if !ok {
		return nil, errors.New("server list: the data-center table has no US entry, whose accounts server publishes the list: add it to " + DataCentersEnv)
	}
	k := call{op: "serverinfo", server: us.AccountsServer, path: "/oauth/serverinfo", dc: serverInfoDC}
	a, err := c.do(ctx, k)
	if err != nil {
		return nil, err
	}
	if err := c.check(k, a); err != nil {
		return nil, err
	}
	var body struct {
		Locations map[string]looseString `json:"locations"`
	}
	if err := json.Unmarshal(a.body, &body); err != nil || len(body.Locations) == 0 {
		return nil, &Error{Op: k.op, Code: CodeBadResponse, Status: a.status, Description: "no locations",
			Server: model.NormalizeServerURL(k.server), DC: k.dc}
	}
	out := make(map[string]string, len(body.Locations))
	for loc, server := range body.Locations {
		loc = strings.ToLower(strings.TrimSpace(loc))
		s := model.NormalizeServerURL(string(server))
		if isLocationCode(loc) && model.ValidateServerURL(s) == nil {
			out[loc] = s
		}
	}
	return out, nil
}

func isLocationCode(s string) bool {
	if len(s) < 1 || len(s) > 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// ServerListServers returns the accounts servers of a server list, sorted:
// what a face puts in [Client.Trusted] after [Client.ServerInfo].
func ServerListServers(locations map[string]string) []string {
	out := make([]string, 0, len(locations))
	for _, s := range locations {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// ServerChange is one difference between Zoho's server list and the table.
type ServerChange struct {
	// Location is Zoho's location code ("ae").
	Location string
	// ID is the table's data-center id, or the upper-case location for an
	// added one.
	ID string
	// Table is the table's accounts server; empty when added.
	Table string
	// Zoho is the accounts server on Zoho's list; empty when missing.
	Zoho string
}

// ServerListDiff compares Zoho's server list with the data-center table.
type ServerListDiff struct {
	// Added are locations Zoho lists that the table lacks.
	Added []ServerChange
	// Changed are locations whose accounts server differs.
	Changed []ServerChange
	// Missing are table entries Zoho's list does not name (CN has its own
	// list, and a fake or private entry is never on it).
	Missing []ServerChange
}

// Empty reports whether the list and the table agree.
func (d ServerListDiff) Empty() bool {
	return len(d.Added) == 0 && len(d.Changed) == 0 && len(d.Missing) == 0
}

// DiffServerList compares Zoho's server list (from [Client.ServerInfo])
// with the table, matching entries by location. Each part is sorted by
// location.
func DiffServerList(dcs model.DataCenters, locations map[string]string) ServerListDiff {
	var d ServerListDiff
	seen := map[string]bool{}
	for _, loc := range sortedKeys(locations) {
		zoho := locations[loc]
		dc, ok := dcs.ByLocation(loc)
		if !ok {
			d.Added = append(d.Added, ServerChange{Location: loc, ID: strings.ToUpper(loc), Zoho: zoho})
			continue
		}
		seen[dc.ID] = true
		if !sameServer(dc.AccountsServer, zoho) {
			d.Changed = append(d.Changed, ServerChange{Location: loc, ID: dc.ID, Table: dc.AccountsServer, Zoho: zoho})
		}
	}
	for _, dc := range dcs.All() {
		if !seen[dc.ID] {
			d.Missing = append(d.Missing, ServerChange{Location: dc.Location, ID: dc.ID, Table: dc.AccountsServer})
		}
	}
	sort.Slice(d.Missing, func(i, j int) bool { return d.Missing[i].Location < d.Missing[j].Location })
	return d
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// overrideJSON is one entry of a ZTM_DATACENTERS file: only what changes.
type overrideJSON struct {
	ID             string `json:"id"`
	Location       string `json:"location,omitempty"`
	AccountsServer string `json:"accounts_server"`
}

// RenderOverrides writes the added and changed entries of d as a file for
// ZTM_DATACENTERS (see [LoadDataCenters]): a JSON list whose entries set
// only the id, the location of an added data center, and the accounts
// server. Missing entries are not written: an override file cannot remove
// a data center, and one Zoho does not list may still work.
func RenderOverrides(d ServerListDiff) []byte {
	list := []overrideJSON{}
	for _, c := range d.Added {
		list = append(list, overrideJSON{ID: c.ID, Location: c.Location, AccountsServer: c.Zoho})
	}
	for _, c := range d.Changed {
		list = append(list, overrideJSON{ID: c.ID, AccountsServer: c.Zoho})
	}
	out, _ := json.MarshalIndent(list, "", "  ") // strings only: cannot fail
	return append(out, '\n')
}
