package cli

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
)

func TestTokenPrintsOnlyTheToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm-eu")
	r := w.run("token", "crm-eu").want(t, 0)
	if r.stdout != testAccess+".crm-eu\n" {
		t.Errorf("stdout = %q, want the token and a newline", r.stdout)
	}
	if r.stderr != "" {
		t.Errorf("stderr = %q, want nothing", r.stderr)
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 0 {
		t.Errorf("a valid token made %d refresh calls", n)
	}
	// Profile names ignore case, and flags may follow the name.
	if r := w.run("token", "CRM-EU", "--min-valid", "1m").want(t, 0); r.stdout != testAccess+".crm-eu\n" {
		t.Errorf("token CRM-EU printed %q", r.stdout)
	}
}

func TestTokenRefreshesOnlyUnderTheMargin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		left    time.Duration
		args    []string
		refresh bool
	}{
		{"valid for an hour", time.Hour, nil, false},
		{"six minutes left", 6 * time.Minute, nil, false},
		{"four minutes left, default margin 5m", 4 * time.Minute, nil, true},
		{"four minutes left, --min-valid 1m", 4 * time.Minute, []string{"--min-valid", "1m"}, false},
		{"fifty minutes left, --min-valid 55m", 50 * time.Minute, []string{"--min-valid=55m"}, true},
		{"expired", -time.Minute, nil, true},
		{"expired long ago", -30 * 24 * time.Hour, []string{"--min-valid", "0s"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			old := w.add("crm", expiresIn(tt.left))
			r := w.run(append([]string{"token", "crm"}, tt.args...)...).want(t, 0)
			got := strings.TrimSuffix(r.stdout, "\n")
			calls := w.zoho.Requests(fakezoho.EndpointRefresh)
			if !tt.refresh {
				if calls != 0 || got != old.Token.AccessToken {
					t.Fatalf("want the stored token and no refresh; got %q after %d refresh calls", got, calls)
				}
				return
			}
			if calls != 1 {
				t.Fatalf("%d refresh calls, want 1", calls)
			}
			if got == old.Token.AccessToken || !w.zoho.ValidAccessToken(got) {
				t.Fatalf("printed %q, want the new token Zoho issued", got)
			}
			stored := w.stored()["crm"].Token
			if stored.AccessToken != got || stored.RefreshToken != old.Token.RefreshToken {
				t.Errorf("the vault holds %+v, want the new access token and the old refresh token", stored)
			}
			// The next caller gets the stored token without asking Zoho.
			if r := w.run("token", "crm").want(t, 0); r.stdout != got+"\n" || w.zoho.Requests(fakezoho.EndpointRefresh) != 1 {
				t.Errorf("second call printed %q after %d refresh calls; want %q and still 1 call",
					r.stdout, w.zoho.Requests(fakezoho.EndpointRefresh), got)
			}
		})
	}
}

func TestTokenJSON(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.add("books", expiresIn(40*time.Minute))
	r := w.run("token", "books", "--json").want(t, 0)
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r)
	}
	want := map[string]any{
		"access_token":    p.Token.AccessToken,
		"expires_at":      start.Add(40 * time.Minute).Format(time.RFC3339),
		"expires_in":      float64(40 * 60),
		"api_domain":      "https://www.zohoapis.eu",
		"accounts_server": w.zoho.URL("EU"),
		"dc":              "EU",
		"header":          "Zoho-oauthtoken " + p.Token.AccessToken,
	}
	if len(got) != len(want) {
		t.Errorf("keys %v, want %v", keys(got), keys(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	noSecrets(t, "token --json", r.stdout, p.Token.RefreshToken, testSecret)
}

func keys(m map[string]any) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return k
}

func TestHeader(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm", expiresIn(-time.Minute))
	r := w.run("header", "crm").want(t, 0)
	tok := w.stored()["crm"].Token.AccessToken
	if r.stdout != "Authorization: Zoho-oauthtoken "+tok+"\n" || r.stderr != "" {
		t.Errorf("want the refreshed token's header alone\n%s", r)
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refresh calls, want 1", n)
	}
	w.run("header", "crm", "--json").wantErr(t, 1, "unknown flag: --json", "ztm header --help")
}

func TestExecPassesTheTokenAndTheExitCode(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.add("crm")
	script := `printf '%s|%s|%s|%s\n' "$ZOHO_ACCESS_TOKEN" "$ZOHO_API_DOMAIN" "$ZOHO_ACCOUNTS_SERVER" "$ZOHO_DC"; echo oops >&2; exit 7`
	r := w.run("exec", "crm", "--", "sh", "-c", script)
	if r.code != 7 {
		t.Fatalf("exit %d, want the child's 7\n%s", r.code, r)
	}
	want := strings.Join([]string{p.Token.AccessToken, "https://www.zohoapis.eu", w.zoho.URL("EU"), "EU"}, "|") + "\n"
	if r.stdout != want {
		t.Errorf("the child saw %q, want %q", r.stdout, want)
	}
	if r.stderr != "oops\n" {
		t.Errorf("stderr = %q, want only the child's", r.stderr)
	}
	// A child that succeeds makes ztm succeed; flags before -- are ztm's.
	w.run("exec", "crm", "--min-valid", "1m", "--", "true").want(t, 0)
}

func TestExecFailures(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm")
	w.run("exec", "crm").wantErr(t, 1, "exec needs a profile and a command")
	w.run("exec", "nope", "--", "true").wantErr(t, 2, "no such profile")
	w.run("exec", "crm", "--", "/nonexistent/program").wantErr(t, 1, "cannot run /nonexistent/program")
}

func TestTokenFailures(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm")
	w.add("new", noToken())
	tests := []struct {
		args    []string
		code    int
		phrases []string
	}{
		{[]string{"token"}, 1, []string{"token needs one profile name: ztm token NAME"}},
		{[]string{"token", "a", "b"}, 1, []string{"token needs one profile name"}},
		{[]string{"token", "crm", "--bogus"}, 1, []string{"unknown flag: --bogus", "ztm token --help"}},
		{[]string{"token", "crm", "--min-valid", "soon"}, 1, []string{"invalid argument \"soon\" for \"--min-valid\""}},
		{[]string{"token", "nope"}, 2, []string{"no such profile", "nope"}},
		{[]string{"header", "nope"}, 2, []string{"no such profile"}},
		{[]string{"token", "new"}, 4, []string{"no token yet", "new"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			w.run(tt.args...).wantErr(t, tt.code, tt.phrases...)
		})
	}
}

// TestValidTokenNeedsNoDataCenters: a valid token is printed without
// reading ZTM_DATACENTERS (ztm token runs before every API call); one that
// must be refreshed reports a broken file.
func TestValidTokenNeedsNoDataCenters(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm")
	w.add("old", expiresIn(-time.Minute))
	if err := os.WriteFile(w.env["ZTM_DATACENTERS"], []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := w.run("token", "crm").want(t, 0); r.stdout != testAccess+".crm\n" {
		t.Errorf("token crm = %q", r.stdout)
	}
	w.run("token", "old").wantErr(t, 1, "ZTM_DATACENTERS names", "not a JSON list of data centers")
	if w.zoho.Requests(fakezoho.EndpointRefresh) != 0 {
		t.Error("a refresh went out without the data-center table")
	}
	if tok := w.stored()["old"].Token; tok.LastError != "" {
		t.Errorf("the broken file was recorded as a refresh failure: %q", tok.LastError)
	}
}

// TestExecDoesNotPassThePassphrase: the command run by ztm exec gets a
// token, not the passphrase that opens every token.
func TestExecDoesNotPassThePassphrase(t *testing.T) {
	got := childEnv([]string{"HOME=/home/u", "ZTM_PASSPHRASE=hunter2", "ZTM_BUNDLE_PASSPHRASE=x", "ZTM_VAULT=/v"})
	if strings.Join(got, " ") != "HOME=/home/u ZTM_VAULT=/v" {
		t.Errorf("the command's environment: %v", got)
	}
}
