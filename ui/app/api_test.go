package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/ui/app"
	"ztm/vault"
)

// apiWorld is a vault of seeded profiles whose api_domain is the fake's
// own API host.
type apiWorld struct {
	t   *testing.T
	f   *fakezohotest.Fixture
	s   *app.Session
	api *app.APIClient
}

func newAPIWorld(t *testing.T) *apiWorld {
	t.Helper()
	f := fakezohotest.Start(t, fakezohotest.LocalAPI(), fakezohotest.NoDemoClients())
	dir := filepath.Join(t.TempDir(), "ztm")
	paths := vault.Paths{Dir: dir, Vault: filepath.Join(dir, vault.VaultFile), Identity: filepath.Join(dir, "identity.txt"), Lock: filepath.Join(dir, vault.VaultFile+".lock")}
	v, err := vault.Create(paths, vault.CreateOptions{GenerateKeyFile: true}, vault.Options{Now: f.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	s := app.NewSession(app.Env{Now: f.Clock.Now}, v, f.DCs)
	t.Cleanup(func() { s.Close() })
	return &apiWorld{t: t, f: f, s: s, api: &app.APIClient{Tokens: s.APITokens(), DCs: f.DCs}}
}

func (w *apiWorld) seed(name string, scopes ...string) model.Profile {
	w.t.Helper()
	p := w.f.SeededProfile(name, "EU", model.SelfClient, time.Hour, scopes...)
	if err := w.s.Vault.Update(context.Background(), func(tx *vault.Tx) error { return tx.CreateProfile(&p) }); err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *apiWorld) stored(name string) model.Profile {
	w.t.Helper()
	p, err := w.s.Vault.Profile(name)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

func readAll(t *testing.T, r *app.APIResponse) string {
	t.Helper()
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAPICallSendsTheProfilesTokenToItsAPIDomain(t *testing.T) {
	w := newAPIWorld(t)
	w.seed("crm")
	resp, err := w.api.Do(context.Background(), app.APIRequest{Profile: "crm", Target: "/crm/v8/org"})
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.Status != 200 || !strings.Contains(body, "Fake CRM EU") || resp.Renewed {
		t.Fatalf("status %d renewed %v body %s", resp.Status, resp.Renewed, body)
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointRefresh); n != 0 {
		t.Errorf("a valid token cost %d refreshes", n)
	}
}

func TestAPIDeadTokenIsRefreshedOnceAndRetriedOnce(t *testing.T) {
	w := newAPIWorld(t)
	p := w.seed("crm")
	w.f.Zoho.ExpireAccessToken(p.Token.AccessToken)
	resp, err := w.api.Do(context.Background(), app.APIRequest{Profile: "crm", Target: "/crm/v8/org"})
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.Status != 200 || !resp.Renewed {
		t.Fatalf("status %d renewed %v, want 200 after one renewal", resp.Status, resp.Renewed)
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointCRMOrg); n != 2 {
		t.Errorf("%d calls of /crm/v8/org, want the first and one retry", n)
	}
	if w.stored("crm").Token.AccessToken == p.Token.AccessToken {
		t.Error("the vault still holds the dead token")
	}
}

func TestAPIRevokedGrantMeansOneRefreshAttemptThenAnError(t *testing.T) {
	w := newAPIWorld(t)
	p := w.seed("crm")
	w.f.Zoho.RevokeRefreshToken(p.Token.RefreshToken)
	w.f.Zoho.ExpireAccessToken(p.Token.AccessToken)
	_, err := w.api.Do(context.Background(), app.APIRequest{Profile: "crm", Target: "/crm/v8/org"})
	if err == nil || !strings.Contains(err.Error(), "refused the token as dead") {
		t.Fatalf("err = %v, want the dead token and the failed refresh explained", err)
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refresh attempts, want exactly 1", n)
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointCRMOrg); n != 1 {
		t.Errorf("%d API calls, want 1 (no retry without a new token)", n)
	}
	if strings.Contains(err.Error(), p.Token.AccessToken) || strings.Contains(err.Error(), p.Token.RefreshToken) {
		t.Errorf("the error shows a token: %v", err)
	}
}

func TestAPIOtherRefusalsAreExplainedNotRetried(t *testing.T) {
	w := newAPIWorld(t)
	w.seed("books", "ZohoBooks.fullaccess.all")
	resp, err := w.api.Do(context.Background(), app.APIRequest{Profile: "books", Target: "/crm/v8/org"})
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.Status != 401 || resp.Verdict.Code != "OAUTH_SCOPE_MISMATCH" || resp.Verdict.DeadToken || resp.Verdict.Explanation == "" {
		t.Fatalf("status %d verdict %+v", resp.Status, resp.Verdict)
	}
	if !strings.Contains(body, "OAUTH_SCOPE_MISMATCH") {
		t.Errorf("the body was not kept: %s", body)
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointRefresh); n != 0 {
		t.Errorf("a scope refusal cost %d refreshes", n)
	}
}

// countingTokens counts what the API client reads of the token source.
type countingTokens struct {
	app.TokenSource
	targets, tokens atomic.Int32
}

func (c *countingTokens) Target(ctx context.Context, name string) (model.Profile, error) {
	c.targets.Add(1)
	return c.TokenSource.Target(ctx, name)
}

func (c *countingTokens) Token(ctx context.Context, name string, d time.Duration) (string, error) {
	c.tokens.Add(1)
	return c.TokenSource.Token(ctx, name, d)
}

func TestAPIForeignHostIsRefusedBeforeAnyTokenIsRead(t *testing.T) {
	w := newAPIWorld(t)
	w.seed("crm")
	for _, tc := range []struct {
		target  string
		targets int32 // profile reads allowed before the refusal
	}{
		{"https://evil.example.com/crm/v8/org", 0},
		{"https://www.zohoapis.eu.evil.example.com/crm/v8/org", 0},
		{"https://user@www.zohoapis.eu/crm/v8/org", 1},
		{w.f.Zoho.APIURL("US") + "/crm/v8/org", 1}, // Zoho's, but another data center's
	} {
		src := &countingTokens{TokenSource: w.s.APITokens()}
		api := &app.APIClient{Tokens: src, DCs: w.f.DCs}
		_, err := api.Do(context.Background(), app.APIRequest{Profile: "crm", Target: tc.target})
		if !errors.Is(err, app.ErrForeignHost) {
			t.Errorf("%s: err = %v, want ErrForeignHost", tc.target, err)
		}
		if src.tokens.Load() != 0 || src.targets.Load() > tc.targets {
			t.Errorf("%s: %d token reads and %d profile reads before the refusal", tc.target, src.tokens.Load(), src.targets.Load())
		}
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointCRMOrg); n != 0 {
		t.Errorf("%d calls reached an API host", n)
	}
}

func TestAPIFullURLOnTheProfilesHostWorks(t *testing.T) {
	w := newAPIWorld(t)
	w.seed("crm")
	resp, err := w.api.Do(context.Background(), app.APIRequest{Profile: "crm", Target: w.f.Zoho.APIURL("EU") + "/crm/v8/org"})
	if err != nil {
		t.Fatal(err)
	}
	if readAll(t, resp); resp.Status != 200 {
		t.Fatalf("status %d", resp.Status)
	}
}

// names reads a merged array and returns each record's field.
func names(t *testing.T, data []byte, field string) []string {
	t.Helper()
	var recs []map[string]any
	if err := json.Unmarshal(data, &recs); err != nil {
		t.Fatalf("not one JSON array: %v\n%.300s", err, data)
	}
	var out []string
	for _, r := range recs {
		out = append(out, fmt.Sprint(r[field]))
	}
	return out
}

func TestPaginateCRMFivePagesEveryRecordOnceInOrder(t *testing.T) {
	w := newAPIWorld(t)
	w.seed("crm")
	w.f.Zoho.SetRecords(fakezoho.CRM, "Leads", 47)
	var out bytes.Buffer
	resp, err := w.api.Paginate(context.Background(), app.APIRequest{Profile: "crm", Target: "/crm/v8/Leads?per_page=10"}, &out)
	if err != nil || resp != nil {
		t.Fatalf("resp %v err %v", resp, err)
	}
	got := names(t, out.Bytes(), "Name")
	if len(got) != 47 {
		t.Fatalf("%d records, want 47", len(got))
	}
	for i, n := range got {
		if want := fmt.Sprintf("Leads %04d", i+1); n != want {
			t.Fatalf("record %d is %q, want %q", i, n, want)
		}
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointCRMRecords); n != 5 {
		t.Errorf("%d page requests, want 5", n)
	}
}

func TestPaginateBooksThreePagesEveryRecordOnceInOrder(t *testing.T) {
	w := newAPIWorld(t)
	w.seed("books", "ZohoBooks.fullaccess.all")
	w.f.Zoho.SetRecords(fakezoho.Books, "invoices", 25)
	var out bytes.Buffer
	if _, err := w.api.Paginate(context.Background(), app.APIRequest{Profile: "books", Target: "/books/v3/invoices?per_page=10"}, &out); err != nil {
		t.Fatal(err)
	}
	got := names(t, out.Bytes(), "name")
	if len(got) != 25 {
		t.Fatalf("%d records, want 25", len(got))
	}
	for i, n := range got {
		if want := fmt.Sprintf("invoice %04d", i+1); n != want {
			t.Fatalf("record %d is %q, want %q", i, n, want)
		}
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointBooksRecords); n != 3 {
		t.Errorf("%d page requests, want 3", n)
	}
}

// expireAfter kills the token after n API answers, as Zoho might mid-run.
type expireAfter struct {
	n    atomic.Int32
	at   int32
	zoho *fakezoho.Cluster
}

func (e *expireAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if e.n.Add(1) == e.at {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Zoho-oauthtoken ")
		e.zoho.ExpireAccessToken(tok)
	}
	return resp, err
}

func TestPaginateSurvivesATokenDyingMidRun(t *testing.T) {
	w := newAPIWorld(t)
	w.seed("crm")
	w.f.Zoho.SetRecords(fakezoho.CRM, "Leads", 30)
	w.api.HTTP = &http.Client{Transport: &expireAfter{at: 2, zoho: w.f.Zoho}}
	var out bytes.Buffer
	if _, err := w.api.Paginate(context.Background(), app.APIRequest{Profile: "crm", Target: "/crm/v8/Leads?per_page=10"}, &out); err != nil {
		t.Fatal(err)
	}
	if got := names(t, out.Bytes(), "Name"); len(got) != 30 || got[29] != "Leads 0030" {
		t.Fatalf("%d records, last %v", len(got), got[len(got)-1:])
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

func TestPaginateRefusesAnAPIWithoutKnownPaging(t *testing.T) {
	w := newAPIWorld(t)
	w.seed("crm")
	var out bytes.Buffer
	_, err := w.api.Paginate(context.Background(), app.APIRequest{Profile: "crm", Target: "/api/v1/tickets"}, &out)
	if !errors.Is(err, app.ErrNoPaging) || out.Len() != 0 {
		t.Fatalf("err %v, out %q", err, out.String())
	}
}
