package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"ztm/model"
	"ztm/vault"
)

// countingWriter counts the writes that reach it, as a terminal's system calls.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.Buffer.Write(p)
}

// profileRows is a row source over profiles held in memory, as the
// vault's EachProfileRow reads them.
func profileRows(ps []model.Profile) rowSource {
	return func(_ vault.RowColumns, fn func(*vault.ProfileRow) error) error {
		for _, p := range ps {
			r := vault.ProfileRow{ID: p.ID, Name: p.Name, DC: p.DC, Account: p.Account, Environment: p.Environment,
				ClientType: p.ClientType, Tags: p.Tags, KeepAlive: p.KeepAlive, ClientCredentials: p.ClientCredentials,
				AccountsServer: p.AccountsServer, APIDomain: p.APIDomain, ClientID: p.ClientID, RedirectURI: p.RedirectURI,
				Notes: p.Notes, SOID: p.SOID, Consent: p.Consent, Scopes: p.Scopes}
			if t := p.Token; t != nil {
				r.HasToken, r.HasAccessToken, r.HasRefreshToken = true, t.AccessToken != "", t.RefreshToken != ""
				r.ExpiresAt, r.LastRefreshAt, r.Health = t.ExpiresAt, t.LastRefreshAt, t.Health
			}
			if err := fn(&r); err != nil {
				return err
			}
		}
		return nil
	}
}

func listProfiles(n int, now time.Time) []model.Profile {
	var ps []model.Profile
	for i := range n {
		p := model.Profile{Name: "crm-" + strings.Repeat("x", i), DC: "EU", Account: "ü@example.com",
			Notes: `<a href="x">&</a>`, Tags: []string{"prod"}, ClientType: model.SelfClient}
		if i%2 == 0 {
			p.Token = &model.Token{AccessToken: "a", RefreshToken: "r", ExpiresAt: now.Add(time.Duration(i) * time.Minute), LastRefreshAt: now.Add(-time.Hour)}
		}
		ps = append(ps, p)
	}
	return ps
}

// list --json streams its array; a program reading it must get exactly
// what encoding the whole array gave (indentation, HTML escaping, the
// empty array), in a handful of writes rather than one per profile.
func TestListJSONStreamsTheSameDocument(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, n := range []int{0, 1, 3, 200} {
		ps := listProfiles(n, now)
		whole := make([]profileJSON, len(ps))
		for i, p := range ps {
			whole[i] = toJSON(p, now)
		}
		var want bytes.Buffer
		if err := writeJSON(Env{Stdout: &want}, whole); err != nil {
			t.Fatal(err)
		}
		var got countingWriter
		if err := writeJSONList(&got, profileRows(ps), now); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%d profiles: streamed\n%s\nwant\n%s", n, got.String(), want.String())
		}
		if n == 200 && got.writes > 1+want.Len()/(64<<10) {
			t.Errorf("%d profiles: %d writes for %d bytes", n, got.writes, want.Len())
		}
	}
}

// The table is aligned as before, and reaches the terminal in a few
// writes (it was one per cell).
func TestListTableIsBuffered(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ps := listProfiles(50, now)
	var got countingWriter
	if _, err := writeTable(&got, profileRows(ps), now); err != nil {
		t.Fatal(err)
	}
	want := tabwriterTable(ps, now)
	if got.String() != want.String() {
		t.Errorf("table\n%s\nwant\n%s", got.String(), want.String())
	}
	if got.writes > 2 {
		t.Errorf("%d writes for a %d-byte table", got.writes, got.Len())
	}
	var names countingWriter
	writeNames(&names, profileRows(ps))
	if names.writes != 1 || strings.Count(names.String(), "\n") != 50 {
		t.Errorf("--names: %d writes, %d lines", names.writes, strings.Count(names.String(), "\n"))
	}
}

// list --json, read as rows without the secrets, says of each profile
// exactly what show --json says of it, read whole.
func TestListJSONAgreesWithShow(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	r := w.run("list", "--json").want(t, 0)
	var listed []json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil || len(listed) != 4 {
		t.Fatalf("list --json: %v, %d elements\n%s", err, len(listed), r.stdout)
	}
	for _, el := range listed {
		var one struct{ Name string }
		json.Unmarshal(el, &one)
		shown := w.run("show", one.Name, "--json").want(t, 0)
		var a, b any
		json.Unmarshal(el, &a)
		json.Unmarshal([]byte(shown.stdout), &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: list --json says\n%s\nshow --json says\n%s", one.Name, el, shown.stdout)
		}
	}
}

// A table of thousands of profiles, its cells held in several blocks,
// prints as text/tabwriter prints it, tags that need escaping and wide
// characters included.
func TestListTableOfManyProfilesAlignsAsTabwriter(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tags := [][]string{nil, {"prod", "crm"}, {"ünï", "cödé"}, {"bad\x1b[31m", "x"}, {"", ""}, {strings.Repeat("t", 300)}}
	var ps []model.Profile
	for i := range 3000 {
		p := model.Profile{Name: fmt.Sprintf("crm-%05d", i), DC: "EU", Account: fmt.Sprintf("user%d@example.com", i),
			Tags: tags[i%len(tags)], ClientType: model.ServerClient, ClientCredentials: i%7 == 0}
		if i%3 != 0 {
			p.Token = &model.Token{AccessToken: "a", RefreshToken: "r", ExpiresAt: now.Add(time.Duration(i-1500) * time.Minute)}
		}
		ps = append(ps, p)
	}
	var got bytes.Buffer
	if _, err := writeTable(&got, profileRows(ps), now); err != nil {
		t.Fatal(err)
	}
	want := tabwriterTable(ps, now)
	if got.Len() < 3*cellBlock {
		t.Fatalf("the table is %d bytes: too small to need several blocks", got.Len())
	}
	if got.String() != want.String() {
		g, w := strings.Split(got.String(), "\n"), strings.Split(want.String(), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("line %d:\n%q\nwant\n%q", i, g[i], w[i])
			}
		}
		t.Fatalf("%d lines, want %d", len(g), len(w))
	}
}

// tabwriterTable is the table of ps as text/tabwriter lays it out: what
// writeTable's own alignment must match.
func tabwriterTable(ps []model.Profile, now time.Time) *bytes.Buffer {
	var want bytes.Buffer
	tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
	tw.Write([]byte("NAME\tDC\tENV\tACCOUNT\tTYPE\tEXPIRES\tREFRESH TOKEN\tLAST REFRESH\tTAGS\n"))
	for _, p := range ps {
		tw.Write([]byte(strings.Join([]string{p.Name, dcLabel(p), string(p.Environment.OrDefault()), orDash(p.Account), p.ClientType.Label(),
			expiryText(p.Token, now), refreshText(p), lastRefresh(p.Token, now), model.Printable(orDash(strings.Join(p.Tags, ",")))}, "\t") + "\n"))
	}
	tw.Flush()
	return &want
}
