package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
)

// fourProfiles is a vault a user might have: one valid, one expiring, one
// expired, one never finished.
func fourProfiles(t *testing.T) *world {
	w := newWorld(t)
	w.add("crm-eu", expiresIn(45*time.Minute))
	w.add("desk-us", inDC("US"), expiresIn(3*time.Minute))
	w.add("books-in", inDC("IN"), expiresIn(-10*time.Minute))
	w.add("new", noToken())
	return w
}

// secretsOf lists every secret the vault holds, for leak checks.
func (w *world) secretsOf() []string {
	out := []string{testSecret}
	for _, p := range w.stored() {
		if p.Token != nil {
			out = append(out, p.Token.AccessToken, p.Token.RefreshToken)
		}
	}
	return out
}

func TestList(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	w.clock.Advance(30 * time.Second)
	r := w.run("list").want(t, 0)
	golden(t, "list.txt", r.stdout)
	noSecrets(t, "list", r.stdout+r.stderr, w.secretsOf()...)
	if r.stderr != "" {
		t.Errorf("stderr: %q", r.stderr)
	}

	r = w.run("list", "--names").want(t, 0)
	if r.stdout != "books-in\ncrm-eu\ndesk-us\nnew\n" {
		t.Errorf("list --names = %q", r.stdout)
	}
}

func TestListJSON(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	r := w.run("list", "--json").want(t, 0)
	noSecrets(t, "list --json", r.stdout, w.secretsOf()...)
	var got []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r)
	}
	if len(got) != 4 {
		t.Fatalf("%d profiles, want 4", len(got))
	}
	type row struct{ name, dc, account, health string }
	want := []row{
		{"books-in", "IN", "in.user@example.com", "ok"},
		{"crm-eu", "EU", "eu.user@example.com", "ok"},
		{"desk-us", "US", "us.user@example.com", "ok"},
		{"new", "EU", "eu.user@example.com", "missing"},
	}
	for i, wr := range want {
		g := got[i]
		if g["name"] != wr.name || g["dc"] != wr.dc || g["account"] != wr.account || g["health"] != wr.health {
			t.Errorf("profile %d = %v, want %+v", i, g, wr)
		}
		if _, ok := g["secrets"]; ok {
			t.Errorf("%s has secrets in list --json", wr.name)
		}
	}
	if got[1]["expires_at"] != start.Add(45*time.Minute).Format(time.RFC3339) || got[1]["expires_in"] != float64(45*60) {
		t.Errorf("crm-eu expiry = %v, %v", got[1]["expires_at"], got[1]["expires_in"])
	}
	if got[0]["expires_in"] != float64(-10*60) {
		t.Errorf("books-in expires_in = %v, want -600 (expired)", got[0]["expires_in"])
	}
	if got[3]["expires_at"] != nil {
		t.Errorf("a profile without a token has expires_at %v", got[3]["expires_at"])
	}
}

func TestListEmptyVault(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.run("list").want(t, 0)
	if r.stdout != "" || !strings.Contains(r.stderr, "no profiles yet") {
		t.Errorf("an empty vault should say so on stderr only\n%s", r)
	}
	if r := w.run("list", "--json").want(t, 0); r.stdout != "[]\n" {
		t.Errorf("list --json on an empty vault = %q, want []", r.stdout)
	}
}

func TestShowMasksSecrets(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.add("crm-eu", expiresIn(45*time.Minute))
	r := w.run("show", "crm-eu").want(t, 0)
	noSecrets(t, "show", r.stdout+r.stderr, testSecret, p.Token.AccessToken, p.Token.RefreshToken)
	golden(t, "show.txt", scrubURLs(w, r.stdout))

	r = w.run("show", "crm-eu", "--json").want(t, 0)
	noSecrets(t, "show --json", r.stdout, testSecret, p.Token.AccessToken, p.Token.RefreshToken)
	if strings.Contains(r.stdout, `"secrets"`) {
		t.Errorf("show --json without --reveal has a secrets field:\n%s", r.stdout)
	}
}

func TestShowReveal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.add("crm-eu")
	r := w.run("show", "--reveal", "crm-eu").want(t, 0)
	for _, s := range []string{testSecret, p.Token.AccessToken, p.Token.RefreshToken} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("show --reveal does not show %q:\n%s", s, r.stdout)
		}
	}
	r = w.run("show", "crm-eu", "--reveal", "--json").want(t, 0)
	var got struct {
		Name    string
		Secrets struct {
			ClientSecret string `json:"client_secret"`
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "crm-eu" || got.Secrets.ClientSecret != testSecret || got.Secrets.AccessToken != p.Token.AccessToken || got.Secrets.RefreshToken != p.Token.RefreshToken {
		t.Errorf("show --reveal --json = %+v", got)
	}
}

func TestShowFailures(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run("show").wantErr(t, 1, "show needs one profile name")
	w.run("show", "nope").wantErr(t, 2, "no such profile")
}

// scrubURLs replaces the fake's random ports with names.
func scrubURLs(w *world, s string) string {
	for _, dc := range w.zoho.IDs() {
		s = strings.ReplaceAll(s, w.zoho.URL(dc), "http://fake-zoho-"+strings.ToLower(dc))
	}
	return s
}

func TestRefreshNamed(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	old := w.stored()["crm-eu"].Token
	// A named profile is refreshed even when its token is still valid.
	r := w.run("refresh", "crm-eu").want(t, 0)
	want := "crm-eu: refreshed, valid until 10:30:00 (1h 00m); 1 of Zoho's 10 refreshes used in the last 10 minutes\n"
	if r.stdout != want || r.stderr != "" {
		t.Errorf("got\n%s\nwant stdout %q", r, want)
	}
	got := w.stored()["crm-eu"].Token
	if got.AccessToken == old.AccessToken || !w.zoho.ValidAccessToken(got.AccessToken) {
		t.Errorf("the vault still has the old access token")
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refresh calls, want 1", n)
	}
}

func TestRefreshAllOnlyExpiredOrExpiring(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	// An online-access grant: an access token and no refresh token, which
	// --all must leave alone rather than fail on.
	online := w.profile("online", expiresIn(-time.Hour))
	online.Token.RefreshToken = ""
	w.seed(online)
	before := w.stored()
	r := w.run("refresh", "--all").want(t, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	want := []string{
		"books-in: refreshed, valid until 10:30:00 (1h 00m)",
		"crm-eu: still valid for 45m 00s, not refreshed",
		"desk-us: refreshed, valid until 10:30:00 (1h 00m)",
	}
	if len(lines) != len(want) {
		t.Fatalf("got\n%s\nwant lines starting %q", r, want)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d = %q, want it to start %q", i, lines[i], want[i])
		}
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 2 {
		t.Errorf("%d refresh calls, want 2 (books-in and desk-us)", n)
	}
	after := w.stored()
	if after["crm-eu"].Token.AccessToken != before["crm-eu"].Token.AccessToken {
		t.Error("refresh --all refreshed crm-eu, which had 45 minutes left")
	}
	for _, name := range []string{"books-in", "desk-us"} {
		if !w.zoho.ValidAccessToken(after[name].Token.AccessToken) {
			t.Errorf("%s was not refreshed in the vault", name)
		}
	}
	// --min-valid widens the net.
	r = w.run("refresh", "--all", "--min-valid", "50m").want(t, 0)
	if !strings.HasPrefix(r.stdout, "books-in: still valid") || !strings.Contains(r.stdout, "crm-eu: refreshed") {
		t.Errorf("refresh --all --min-valid 50m:\n%s", r)
	}
}

func TestRefreshAllWithNothingToRefresh(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("new", noToken())
	r := w.run("refresh", "--all").want(t, 0)
	if r.stdout != "" || r.stderr != "no profile has a refresh token yet: nothing to refresh\n" {
		t.Errorf("refresh --all with nothing to do:\n%s", r)
	}
}

func TestRefreshFailures(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	w.run("refresh").wantErr(t, 1, "give profile names or --all")
	w.run("refresh", "--all", "crm-eu").wantErr(t, 1, "give profile names or --all")
	w.run("refresh", "nope").wantErr(t, 2, "no such profile")
	w.run("refresh", "new").wantErr(t, 4, "no token yet")

	// Zoho revoked the token: exit 4 with Zoho's meaning, and the profile is
	// marked so that list shows it.
	w.zoho.RevokeRefreshToken(w.refreshTokens["crm-eu"])
	w.run("refresh", "crm-eu").wantErr(t, 4, "Zoho no longer accepts this refresh token", "consent again")
	if h := w.stored()["crm-eu"].Token.Health; h != model.HealthRevoked {
		t.Errorf("health after a revoked refresh = %q, want revoked", h)
	}
	r := w.run("list", "--json").want(t, 0)
	if !strings.Contains(r.stdout, `"health": "revoked"`) {
		t.Errorf("list --json does not show the revoked token:\n%s", r.stdout)
	}

	// Several profiles, one failing: each gets a line, the exit code is the
	// failure's, and the error line says how many failed.
	r = w.run("refresh", "crm-eu", "desk-us")
	if r.code != 4 || !strings.Contains(r.stdout, "desk-us: refreshed") ||
		!strings.Contains(r.stderr, "crm-eu: refresh: Zoho no longer accepts") ||
		!strings.Contains(r.stderr, "ztm: 1 of 2 refreshes failed") {
		t.Errorf("refresh crm-eu desk-us with crm-eu revoked:\n%s", r)
	}
}

func TestRm(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	r := w.run("rm", "crm-eu", "--yes").want(t, 0)
	if r.stdout != "deleted crm-eu\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
	if got := w.names(); got != "books-in desk-us new" {
		t.Errorf("profiles after rm: %s", got)
	}
	if w.zoho.Requests(fakezoho.EndpointRevoke) != 0 || !w.zoho.ValidRefreshToken(w.refreshTokens["crm-eu"]) {
		t.Error("rm without --revoke revoked the refresh token")
	}
	w.run("rm", "crm-eu", "--yes").wantErr(t, 2, "no such profile")
	w.run("rm").wantErr(t, 1, "rm needs one profile name")
}

func TestRmAsksFirst(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	// No terminal: --yes is required, and nothing is deleted.
	w.run("rm", "crm-eu").wantErr(t, 1, "needs confirmation: add --yes")

	p := &prompter{answers: []string{"n"}}
	w.prompt = p
	w.run("rm", "crm-eu").wantErr(t, 1, "kept crm-eu")
	if len(p.asked) != 1 || !strings.HasPrefix(p.asked[0], "Delete profile crm-eu (EU, eu.user@example.com)?") {
		t.Errorf("asked %q", p.asked)
	}
	if got := w.names(); got != "books-in crm-eu desk-us new" {
		t.Errorf("profiles after answering no: %s", got)
	}
	p.answers = []string{"y"}
	w.run("rm", "crm-eu").want(t, 0)
	if got := w.names(); got != "books-in desk-us new" {
		t.Errorf("profiles after answering y: %s", got)
	}
}

func TestRmRevoke(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	rt := w.refreshTokens["crm-eu"]
	r := w.run("rm", "crm-eu", "--revoke", "--yes").want(t, 0)
	if r.stdout != "revoked the refresh token of crm-eu at Zoho\ndeleted crm-eu\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
	if w.zoho.ValidRefreshToken(rt) {
		t.Error("the fake still accepts the revoked refresh token")
	}
	if got := w.names(); got != "books-in desk-us new" {
		t.Errorf("profiles after rm --revoke: %s", got)
	}
}

func TestRmRevokeAlreadyRevoked(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	// The user revoked it under Connected Apps: rm --revoke has nothing
	// left to revoke, and deletes.
	w.zoho.RevokeRefreshToken(w.refreshTokens["crm-eu"])
	r := w.run("rm", "crm-eu", "--revoke", "--yes").want(t, 0)
	if r.stdout != "the refresh token of crm-eu was already revoked at Zoho\ndeleted crm-eu\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
	if got := w.names(); got != "books-in desk-us new" {
		t.Errorf("profiles: %s", got)
	}
}

func TestRmRevokeKeepsTheProfileWhenZohoRefuses(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	w.zoho.InjectFault(fakezoho.EndpointRevokeToken, fakezoho.Fault{Body: `{"error":"invalid_client"}`})
	w.run("rm", "crm-eu", "--revoke", "--yes").wantErr(t, 4, "invalid_client", "crm-eu was kept")
	if got := w.names(); got != "books-in crm-eu desk-us new" {
		t.Errorf("profiles: %s", got)
	}
}

func TestRmRevokeKeepsTheProfileWhenZohoIsUnreachable(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm-eu", accountsServer(closedPortURL(t)))
	w.run("rm", "crm-eu", "--revoke", "--yes").wantErr(t, 5, "crm-eu was kept", "without --revoke")
	if got := w.names(); got != "crm-eu" {
		t.Errorf("profiles: %q, want crm-eu kept", got)
	}
}

func TestRename(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	r := w.run("rename", "crm-eu", "crm").want(t, 0)
	if r.stdout != "renamed crm-eu to crm\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
	if got := w.names(); got != "books-in crm desk-us new" {
		t.Errorf("profiles: %s", got)
	}
	// The token moved with it.
	if r := w.run("token", "crm").want(t, 0); r.stdout != testAccess+".crm-eu\n" {
		t.Errorf("token crm after rename = %q", r.stdout)
	}
	w.run("rename", "crm").wantErr(t, 1, "rename needs the old and the new name")
	w.run("rename", "nope", "other").wantErr(t, 2, "no such profile")
	w.run("rename", "crm", "desk-us").wantErr(t, 1, "desk-us", "pick another name")
	w.run("rename", "crm", "bad name").wantErr(t, 1, "profile name \"bad name\"")
	if got := w.names(); got != "books-in crm desk-us new" {
		t.Errorf("failed renames changed the profiles: %s", got)
	}
}

// TestShowNeutralisesEscapesFromZoho: text ztm stored from an answer it
// did not write (an error description from Zoho or a proxy in front of it)
// reaches the terminal only as visible escapes, in show and in list.
func TestShowNeutralisesEscapesFromZoho(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm", expiresIn(-time.Minute))
	hostile := "\x1b]52;c;aGk=\x07\x1b[2K\u009b31m\u202e"
	body, _ := json.Marshal(map[string]string{"error": "odd_error", "error_description": hostile})
	w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Body: string(body)})
	w.run("refresh", "crm")
	for _, args := range [][]string{{"show", "crm"}, {"list"}, {"list", "--names"}} {
		r := w.run(args...).want(t, 0)
		for _, c := range []string{"\x1b", "\x07", "\u009b", "\u202e"} {
			if strings.Contains(r.stdout, c) {
				t.Errorf("ztm %s printed a raw %q:\n%s", strings.Join(args, " "), c, r)
			}
		}
	}
	if r := w.run("show", "crm"); !strings.Contains(r.stdout, "odd_error") {
		t.Errorf("show does not show the stored error:\n%s", r)
	}
}
