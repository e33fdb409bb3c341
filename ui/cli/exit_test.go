package cli

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/vault"
)

// TestExitCodes runs one failure of each kind a script must tell apart.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(w *world) []string
		code    int
		phrases []string
	}{
		{"ok", func(w *world) []string { return []string{"token", "crm"} }, 0, nil},
		{"usage", func(w *world) []string { return []string{"token"} }, 1, []string{"ztm token NAME"}},
		{"no such profile", func(w *world) []string { return []string{"token", "crn"} }, 2, []string{`no such profile "crn"`, "ztm list"}},
		{"locked: not a key", func(w *world) []string {
			w.env[vault.EnvIdentity] = filepath.Join(w.dir, "identity.age")
			writeDataCenters(w.t, w.env[vault.EnvIdentity], nil) // any file that is not a key
			return []string{"token", "crm"}
		}, 3, []string{"not a usable identity", "holds no age identity"}},
		{"Zoho refused: revoked", func(w *world) []string {
			w.zoho.RevokeRefreshToken(w.refreshTokens["crm"])
			w.clock.Advance(2 * time.Hour)
			return []string{"token", "crm"}
		}, 4, []string{"refresh: Zoho no longer accepts this refresh token (invalid_code)", "consent again"}},
		{"Zoho refused: invalid_client", func(w *world) []string {
			w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Body: `{"error":"invalid_client"}`})
			w.clock.Advance(2 * time.Hour)
			return []string{"token", "crm"}
		}, 4, []string{"invalid_client", "you chose EU"}},
		{"Zoho refused: throttled", func(w *world) []string {
			w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Status: http.StatusBadRequest,
				Body: `{"error":"Access Denied","error_description":"You have made too many requests continuously. Please try again after some time.","status":"failure"}`})
			w.clock.Advance(2 * time.Hour)
			return []string{"token", "crm"}
		}, 4, []string{"Zoho is throttling requests", "wait about 10 minutes"}},
		{"unreachable: a proxy's HTML page", func(w *world) []string {
			w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Status: http.StatusBadGateway, ContentType: "text/html", Body: "<html>502</html>"})
			return []string{"refresh", "crm"}
		}, 5, []string{"web page instead of JSON (HTTP 502)", "try again later"}},
		{"budget spent", func(w *world) []string {
			for range 10 {
				if r := w.run("refresh", "crm"); r.code != 0 {
					w.t.Fatalf("refresh %d: %s", w.zoho.Requests(fakezoho.EndpointRefresh), r)
				}
				w.clock.Advance(time.Second)
			}
			return []string{"refresh", "crm"}
		}, 4, []string{"refresh budget spent", "10 times in the last 10 minutes", "the next refresh is possible at 09:40:00"}},
		{"no token yet", func(w *world) []string { w.add("new", noToken()); return []string{"token", "new"} }, 4, []string{"no token yet"}},
		{"network: closed port", func(w *world) []string {
			w.add("far", accountsServer(closedPortURL(w.t)), expiresIn(-time.Minute))
			return []string{"token", "far"}
		}, 5, []string{"could not reach 127.0.0.1:", "connection refused", "check your network"}},
		{"network: connection dropped", func(w *world) []string {
			w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{CloseConnection: true})
			return []string{"refresh", "crm"}
		}, 5, []string{"could not reach 127.0.0.1:", "closed before an answer came"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			p := w.add("crm")
			args := tt.setup(w)
			r := w.run(args...)
			if tt.code == 0 {
				r.want(t, 0)
				return
			}
			r.wantErr(t, tt.code, tt.phrases...)
			noSecrets(t, "stderr", r.stderr, testSecret, p.Token.AccessToken, p.Token.RefreshToken)
		})
	}
}

// TestNetworkErrorSaysWhere: a data center pointed at a closed port (in
// ZTM_DATACENTERS) makes add fail with exit 5, naming the server.
func TestNetworkErrorSaysWhere(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dcs := w.dcs.All()
	closed := closedPortURL(t)
	for i := range dcs {
		if dcs[i].ID == "EU" {
			dcs[i].AccountsServer = closed
		}
	}
	writeDataCenters(t, w.env["ZTM_DATACENTERS"], dcs)
	code := w.zoho.SelfClientCode(testClientID, "EU", scopes(), 0)
	r := w.runStdin(testSecret+"\n"+code+"\n", addArgs("crm", "--code")...).wantErr(t, 5, strings.TrimPrefix(closed, "http://"))
	noSecrets(t, "stderr", r.stderr, testSecret, code)
	if w.names() != "" {
		t.Error("a failed add saved a profile")
	}
}

// TestSecretsNeverLeak runs a session of failures with canary secrets and
// a Zoho (or a proxy in front of it) that echoes what it was sent: no secret
// may reach stderr, stdout (outside the commands that print them by name),
// the vault's error text, or the arguments ztm was given.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.add("crm", expiresIn(-time.Minute))
	code := w.zoho.SelfClientCode(testClientID, "EU", scopes(), 0)
	secrets := []string{testSecret, p.Token.AccessToken, p.Token.RefreshToken, code, testBundlePwd}
	echo := "client_secret=" + testSecret + "&refresh_token=" + p.Token.RefreshToken + "&code=" + code
	faults := []fakezoho.Fault{
		{Body: `{"error":"invalid_client","error_description":"` + echo + `"}`},
		{Status: http.StatusBadRequest, Body: `{"error":"` + testSecret + `"}`},
		{Status: http.StatusInternalServerError, ContentType: "text/plain", Body: echo},
		{Status: http.StatusBadGateway, ContentType: "text/html", Body: "<html>" + echo + "</html>"},
		{Body: `{"access_token":"` + p.Token.RefreshToken + `"`},
	}
	var all []result
	for _, f := range faults {
		w.zoho.InjectFault(fakezoho.EndpointRefresh, f)
		r := w.run("token", "crm")
		if r.code == 0 {
			t.Fatalf("a refresh fault succeeded:\n%s", r)
		}
		all = append(all, r)
		w.zoho.InjectFault(fakezoho.EndpointRefresh, f)
		all = append(all, w.run("refresh", "crm"))
	}
	w.zoho.InjectFault(fakezoho.EndpointExchange, faults[0])
	all = append(all, w.runStdin(testSecret+"\n"+code+"\n", addArgs("other", "--code")...))
	all = append(all, w.runStdin(testSecret+"\nnot a code at all\n", addArgs("other", "--code")...))
	all = append(all, w.runStdin(testSecret+"\n"+testSecret+"\n", addArgs("other", "--code")...))
	all = append(all, w.run("rm", "crm", "--revoke", "--yes", "--frob"))
	w.env["ZTM_BUNDLE_PASSPHRASE"] = testBundlePwd
	all = append(all, w.run("export", "--passphrase", "--to", "age1x"))
	w.zoho.InjectFault(fakezoho.EndpointRevokeToken, faults[0])
	all = append(all, w.run("rm", "crm", "--revoke", "--yes"))
	all = append(all, w.run("list"), w.run("list", "--json"), w.run("show", "crm"), w.run("show", "crm", "--json"))
	for _, r := range all {
		noSecrets(t, "stderr of ztm "+strings.Join(r.args, " "), r.stderr, secrets...)
		noSecrets(t, "stdout of ztm "+strings.Join(r.args, " "), r.stdout, secrets...)
		noSecrets(t, "the arguments of ztm "+strings.Join(r.args, " "), strings.Join(r.args, "\x00"), secrets...)
	}
	stored := w.stored()["crm"]
	if stored.Token == nil || stored.Token.LastError == "" {
		t.Fatal("the failures left no last error in the vault")
	}
	noSecrets(t, "the stored last error", stored.Token.LastError, secrets...)
	v := w.open()
	defer v.Close()
	v.View(func(tx *vault.Tx) error {
		events, err := tx.Events("", 100)
		for _, e := range events {
			noSecrets(t, "an event", e.Detail, secrets...)
		}
		return err
	})
	if stored.Token.Health == model.HealthRevoked {
		t.Error("a fault marked the refresh token revoked")
	}
}
