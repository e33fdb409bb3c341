package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/vault"
)

// newSkewedAPIWorld is newAPIWorld with Zoho's clock skew ahead of ours.
func newSkewedAPIWorld(t *testing.T, skew time.Duration) *world {
	t.Helper()
	return newWorld(t, fakezohotest.LocalAPI(), fakezohotest.Skew(skew))
}

// live seeds a profile whose tokens the fake issued: a refresh token
// granted for granted (the profile's own scopes when empty) and a live
// access token of it.
func (w *world) live(name string, granted []string, opts ...profileOpt) model.Profile {
	w.t.Helper()
	p := w.profile(name, opts...)
	if len(granted) == 0 {
		granted = p.Scopes
	}
	rt := w.zoho.MintRefreshToken(testClientID, fakezoho.DefaultUser(p.DC), p.DC, granted)
	p.Token.RefreshToken, p.Token.AccessToken = rt, w.zoho.MintAccessToken(rt, time.Hour)
	w.refreshTokens[name] = rt
	w.seed(p)
	return p
}

var (
	crmScopes   = []string{"ZohoCRM.modules.ALL", "AaaServer.profile.READ"}
	booksScopes = []string{"ZohoBooks.fullaccess.all"}
	deskScopes  = []string{"Desk.basic.READ", "Desk.tickets.READ"}
)

// doctor runs ztm doctor and checks that no secret the vault holds, before
// or after, appears in what it printed.
func (w *world) doctor(args ...string) result {
	w.t.Helper()
	before := w.secretsOf()
	r := w.run(append([]string{"doctor"}, args...)...)
	noSecrets(w.t, "ztm doctor", r.stdout+r.stderr, append(before, w.secretsOf()...)...)
	return r
}

// exits checks the exit code and that the last line of stderr, on a
// failure, is the one "ztm: " line; doctor's announcements come before it.
func (r result) exits(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\n%s", r.code, code, r)
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if last := lines[len(lines)-1]; code != 0 && !strings.HasPrefix(last, "ztm: ") {
		t.Errorf("stderr does not end with a \"ztm: \" line:\n%s", r)
	}
	return r
}

func (r result) says(t *testing.T, phrases ...string) {
	t.Helper()
	for _, p := range phrases {
		if !strings.Contains(r.stdout+r.stderr, p) {
			t.Errorf("doctor does not say %q\n%s", p, r)
		}
	}
}

func TestDoctorHealthyProfile(t *testing.T) {
	t.Parallel()
	w := newSkewedAPIWorld(t, 0)
	w.live("crm-eu", nil, withScopes(crmScopes...))
	r := w.doctor("crm-eu").want(t, 0)
	r.says(t, "crm-eu (EU, "+fakezoho.DefaultUser("EU")+"): healthy", "token:", "valid for 1h", "0 of Zoho's 10 refreshes used",
		"CRM GET "+w.zoho.APIURL("EU")+"/crm/v8/org: ok", "in step with Zoho's")
	if r.stderr != "" {
		t.Errorf("a healthy check said on stderr: %q", r.stderr)
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 0 {
		t.Errorf("a healthy profile cost %d refreshes", n)
	}
	if n := w.zoho.Requests(fakezoho.EndpointCRMOrg); n != 1 {
		t.Errorf("%d liveness calls, want 1", n)
	}

	// Accounts' own call proves a token whose only product is the user's
	// profile; a scope of a product ztm cannot call is said so.
	w.live("me", nil, withScopes("AaaServer.profile.READ"))
	w.live("mail", nil, withScopes("ZohoMail.messages.READ"))
	r = w.doctor("me", "mail").want(t, 0)
	r.says(t, "me (EU, ", "Accounts GET "+w.zoho.URL("EU")+"/oauth/user/info: ok",
		"mail (EU, ", "no liveness call: none of mail's scopes names CRM, Books, Desk or Accounts", "not measured")
}

// Each product refusal, as the fake's API answers it, is explained in the
// product's own code, and makes the profile unhealthy (exit 4).
func TestDoctorExplainsProductRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		scopes []string
		// granted are the scopes the refresh token really has; nil: all.
		granted []string
		// stale seeds the unknown access token of w.profile.
		stale bool
		setup func(w *world)
		code  string
		// refreshes is how many refreshes doctor may spend.
		refreshes int
	}{
		{name: "CRM OAUTH_SCOPE_MISMATCH", scopes: crmScopes, granted: []string{"AaaServer.profile.READ"}, code: "OAUTH_SCOPE_MISMATCH"},
		{name: "CRM AUTHENTICATION_FAILURE", scopes: crmScopes, stale: true, code: "AUTHENTICATION_FAILURE"},
		{name: "CRM NO_PERMISSION", scopes: crmScopes, code: "NO_PERMISSION",
			setup: func(w *world) { w.zoho.SetNoPermission(fakezoho.DefaultUser("EU"), true) }},
		{name: "Books code 14", scopes: booksScopes, stale: true, code: "code 14"},
		// Books says 57 for a missing scope too, as for a dead token: one
		// refresh, then the same answer.
		{name: "Books code 57", scopes: booksScopes, granted: []string{"ZohoCRM.modules.ALL"}, code: "code 57", refreshes: 1},
		{name: "Desk UNAUTHORIZED", scopes: deskScopes, stale: true, code: "UNAUTHORIZED"},
		{name: "Desk OAUTH_ORG_MISMATCH", scopes: deskScopes, code: "OAUTH_ORG_MISMATCH", setup: func(w *world) {
			w.zoho.InjectFault(fakezoho.EndpointDeskOrgs, fakezoho.Fault{Status: 401,
				Body: `{"errorCode":"OAUTH_ORG_MISMATCH","message":"The OAuth token does not belong to the organization in the orgId header."}`})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newSkewedAPIWorld(t, 0)
			if tc.stale {
				w.add("p", withScopes(tc.scopes...))
			} else {
				w.live("p", tc.granted, withScopes(tc.scopes...))
			}
			if tc.setup != nil {
				tc.setup(w)
			}
			r := w.doctor("p").exits(t, ExitZoho)
			r.says(t, "p (EU, ", "unhealthy", "problem:", tc.code, "ztm: 1 of 1 profiles unhealthy: p")
			if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != tc.refreshes {
				t.Errorf("doctor spent %d refreshes, want %d\n%s", n, tc.refreshes, r)
			}
		})
	}
}

// CRM INVALID_TOKEN and Desk INVALID_OAUTH mean a dead access token:
// doctor refreshes once, says so first, and the profile is healthy again.
func TestDoctorRefreshesADeadTokenOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scopes []string
		code   string
	}{{crmScopes, "INVALID_TOKEN"}, {deskScopes, "INVALID_OAUTH"}} {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			w := newSkewedAPIWorld(t, 0)
			p := w.live("p", nil, withScopes(tc.scopes...))
			w.zoho.ExpireAccessToken(p.Token.AccessToken)
			r := w.doctor("p").want(t, 0)
			if r.stderr != "doctor will refresh p once (0 of 10 used)\n" {
				t.Errorf("stderr = %q, want the announcement of one refresh", r.stderr)
			}
			r.says(t, "p (EU, ", "): healthy", tc.code, "doctor refreshed it once", "ok (after the refresh)", "1 of Zoho's 10 refreshes used")
			if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
				t.Errorf("%d refreshes, want 1", n)
			}
		})
	}
}

// The refresh token is dead too: the one refresh fails, and doctor says
// how to consent again, without a second try.
func TestDoctorRevokedRefreshToken(t *testing.T) {
	t.Parallel()
	w := newSkewedAPIWorld(t, 0)
	p := w.live("crm-eu", nil, withScopes(crmScopes...))
	w.zoho.RevokeRefreshToken(p.Token.RefreshToken)
	w.zoho.ExpireAccessToken(p.Token.AccessToken)
	r := w.doctor("crm-eu").exits(t, ExitZoho)
	r.says(t, "doctor will refresh crm-eu once (0 of 10 used)", "INVALID_TOKEN", "could not refresh crm-eu", "ztm consent crm-eu")
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	// Zoho's refusal is remembered: a second checkup does not ask again,
	// and names the refusal and the way out.
	r = w.doctor("crm-eu").exits(t, ExitZoho)
	r.says(t, "last refusal:", "refresh token", "ztm consent crm-eu")
	if strings.Contains(r.stderr, "will refresh") {
		t.Errorf("doctor tried a refused refresh token again:\n%s", r)
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refreshes after two checkups, want 1", n)
	}
}

// The one-refresh rule: an expired token is refreshed once; when the
// product still calls it dead, doctor does not refresh again. A spent
// budget is not touched at all.
func TestDoctorNeverSpendsMoreThanOneRefresh(t *testing.T) {
	t.Parallel()
	w := newSkewedAPIWorld(t, 0)
	w.live("crm-eu", nil, withScopes(crmScopes...), expiresIn(-time.Minute))
	w.zoho.InjectFault(fakezoho.EndpointCRMOrg, fakezoho.Fault{Status: 401, Count: -1,
		Body: `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`})
	r := w.doctor("crm-eu").exits(t, ExitZoho)
	if strings.Count(r.stderr, "will refresh") != 1 {
		t.Errorf("want one announcement:\n%s", r)
	}
	r.says(t, "INVALID_TOKEN", "the refresh did not help")
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}

	w2 := newSkewedAPIWorld(t, 0)
	w2.live("crm-eu", nil, withScopes(crmScopes...))
	for range model.RefreshLimit {
		w2.run("refresh", "crm-eu").want(t, 0)
	}
	w2.zoho.ExpireAccessToken(w2.stored()["crm-eu"].Token.AccessToken)
	before := w2.zoho.Requests(fakezoho.EndpointRefresh)
	r = w2.doctor("crm-eu").exits(t, ExitZoho)
	r.says(t, "CRM says the access token is dead (INVALID_TOKEN), but crm-eu used Zoho's 10 refreshes in 10 minutes", "try again after")
	if n := w2.zoho.Requests(fakezoho.EndpointRefresh) - before; n != 0 || strings.Contains(r.stderr, "will refresh") {
		t.Errorf("doctor refreshed %d times past the budget:\n%s", n, r)
	}
}

func TestDoctorUnreachable(t *testing.T) {
	t.Parallel()
	w := newSkewedAPIWorld(t, 0)
	w.live("crm-eu", nil, withScopes(crmScopes...))
	w.zoho.InjectFault(fakezoho.EndpointCRMOrg, fakezoho.Fault{CloseConnection: true})
	r := w.doctor("crm-eu").exits(t, ExitNetwork)
	r.says(t, "crm-eu (EU, ", "unreachable", "could not make the liveness call", "Zoho was unreachable")

	// A refusal outranks an outage: exit 4.
	w.add("books", withScopes(booksScopes...))
	w.zoho.InjectFault(fakezoho.EndpointCRMOrg, fakezoho.Fault{Status: 502, ContentType: "text/html", Body: "<html>Bad Gateway</html>"})
	r = w.doctor("--all").exits(t, ExitZoho)
	r.says(t, "crm-eu (EU, ", "unreachable", "books (EU, ", "code 14")
}

func TestDoctorClockSkewAndGrants(t *testing.T) {
	t.Parallel()
	w := newSkewedAPIWorld(t, 3*time.Minute)
	w.live("crm-eu", nil, withScopes(crmScopes...))
	v := w.open()
	err := v.Update(context.Background(), func(tx *vault.Tx) error {
		for range 19 {
			if err := tx.RecordGrant("crm-eu", testClientID); err != nil {
				return err
			}
		}
		return nil
	})
	v.Close()
	if err != nil {
		t.Fatal(err)
	}
	r := w.doctor("crm-eu").want(t, 0)
	r.says(t, "3m0s behind Zoho's", "the local clock is 3m0s behind Zoho's", "19 of Zoho's 20 refresh tokens",
		"silently deletes the oldest (crm-eu's)")
}

func TestDoctorJSON(t *testing.T) {
	t.Parallel()
	w := newSkewedAPIWorld(t, 0)
	w.live("crm-eu", nil, withScopes(crmScopes...), expiresIn(-time.Minute))
	w.add("books", withScopes(booksScopes...))
	w.add("new", noToken())
	r := w.doctor("--all", "--json").exits(t, ExitZoho)
	var got struct {
		Verdict  string           `json:"verdict"`
		Healthy  bool             `json:"healthy"`
		Profiles []map[string]any `json:"profiles"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r)
	}
	if got.Verdict != "unhealthy" || got.Healthy || len(got.Profiles) != 3 {
		t.Fatalf("verdict %q healthy %v, %d profiles\n%s", got.Verdict, got.Healthy, len(got.Profiles), r)
	}
	byName := map[string]map[string]any{}
	for _, p := range got.Profiles {
		byName[p["name"].(string)] = p
		for _, k := range []string{"dc", "verdict", "token", "refresh_token_health", "refresh_budget", "refreshed",
			"last_refusal", "clock_skew_seconds", "refresh_tokens", "liveness", "problems", "notes"} {
			if _, ok := p[k]; !ok {
				t.Errorf("%s has no %q", p["name"], k)
			}
		}
	}
	crm := byName["crm-eu"]
	if crm["verdict"] != "healthy" || crm["refreshed"] != true || crm["clock_skew_seconds"] != 0.0 {
		t.Errorf("crm-eu: %v", crm)
	}
	if l, _ := crm["liveness"].(map[string]any); l["ok"] != true || l["product"] != "CRM" || l["status"] != 200.0 {
		t.Errorf("crm-eu liveness: %v", crm["liveness"])
	}
	if b := byName["books"]; b["verdict"] != "unhealthy" || b["liveness"].(map[string]any)["code"] != "14" {
		t.Errorf("books: %v", b)
	}
	if n := byName["new"]; n["verdict"] != "unhealthy" || n["token"].(map[string]any)["state"] != "none" {
		t.Errorf("new: %v", n)
	}
	if !strings.Contains(r.stderr, "doctor will refresh crm-eu once") {
		t.Errorf("the announcement is not on stderr:\n%s", r)
	}
}

func TestDoctorHelpDocumentsExitCodes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.run("doctor", "--help").want(t, 0)
	for _, s := range []string{"Exit codes: 0 every profile is healthy; 4 a profile is unhealthy", "5 Zoho could not be reached", "at most one refresh"} {
		if !strings.Contains(strings.Join(strings.Fields(r.stdout), " "), s) {
			t.Errorf("doctor --help does not say %q:\n%s", s, r.stdout)
		}
	}
	w.run("doctor", "crm-eu", "--all").wantErr(t, ExitUsage, "names or --all, not both")
	w.run("doctor", "nope").wantErr(t, ExitNoProfile, "nope")
}
