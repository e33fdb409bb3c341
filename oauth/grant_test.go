package oauth_test

import (
	"errors"
	"strings"
	"testing"

	"ztm/model"
	"ztm/oauth"
)

func realDCs(t testing.TB) model.DataCenters {
	t.Helper()
	dcs, err := oauth.LoadDataCenters(nil)
	if err != nil {
		t.Fatal(err)
	}
	return dcs
}

const (
	pcode  = "1000.4b2f0c3a9d8e7f6a5b4c3d2e1f0a9b8c.0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"
	pstate = "Vq3-xY_z09"
)

// TestParsePasted covers what people actually paste: codes with quotes and
// newlines, whole URLs with and without scheme, from chat apps, denied
// consents, and other consents' URLs.
func TestParsePasted(t *testing.T) {
	dcs := realDCs(t)
	cases := []struct {
		name      string
		in, state string
		want      oauth.Grant
		err       string // substring of the error; "" for success
		errIs     error
	}{
		{name: "bare code", in: pcode, want: oauth.Grant{Code: pcode}},
		{name: "quoted code with newline", in: "  \"" + pcode + "\"\r\n", want: oauth.Grant{Code: pcode}},
		{name: "bare code ignores wanted state", in: "`" + pcode + "`", state: pstate, want: oauth.Grant{Code: pcode}},
		{name: "full redirect", state: pstate,
			in:   "https://www.zoho.com/callback?code=" + pcode + "&location=in&accounts-server=https%3A%2F%2Faccounts.zoho.in&state=" + pstate,
			want: oauth.Grant{Code: pcode, State: pstate, Location: "in", AccountsServer: "https://accounts.zoho.in"}},
		{name: "no scheme, trailing ampersand, angle brackets",
			in:   "<localhost:8765/cb?code=" + pcode + "&location=eu&accounts-server=https%3A%2F%2Faccounts.zoho.eu%2F&>",
			want: oauth.Grant{Code: pcode, Location: "eu", AccountsServer: "https://accounts.zoho.eu"}},
		{name: "location only resolves through the table",
			in:   "https://example.com/cb?code=" + pcode + "&location=au",
			want: oauth.Grant{Code: pcode, Location: "au", AccountsServer: "https://accounts.zoho.com.au"}},
		{name: "unknown location leaves the server to the profile",
			in:   "https://example.com/cb?code=" + pcode + "&location=xq",
			want: oauth.Grant{Code: pcode, Location: "xq"}},
		{name: "query only", in: "code=" + pcode + "&state=" + pstate, state: pstate,
			want: oauth.Grant{Code: pcode, State: pstate}},
		{name: "escaped ampersands from a chat app", state: pstate,
			in:   "https://example.com/cb?code=" + pcode + "&amp;state=" + pstate,
			want: oauth.Grant{Code: pcode, State: pstate}},
		{name: "code in the fragment", in: "https://example.com/cb#code=" + pcode, want: oauth.Grant{Code: pcode}},
		{name: "state mismatch", state: pstate, in: "https://example.com/cb?code=" + pcode + "&state=other",
			err: "answers another consent", errIs: oauth.ErrStateMismatch},
		{name: "state missing", state: pstate, in: "https://example.com/cb?code=" + pcode,
			err: "has no state", errIs: oauth.ErrStateMismatch},
		{name: "denied", state: pstate, in: "https://example.com/cb?error=access_denied&state=" + pstate,
			want: oauth.Grant{Error: "access_denied", State: pstate}, err: "the consent was denied", errIs: oauth.ErrAccessDenied},
		{name: "denied without state", state: pstate, in: "https://example.com/cb?error=access_denied",
			want: oauth.Grant{Error: "access_denied"}, err: "choose Accept", errIs: oauth.ErrAccessDenied},
		{name: "denial for another consent", state: pstate, in: "https://example.com/cb?error=access_denied&state=x",
			err: "answers another consent", errIs: oauth.ErrStateMismatch},
		{name: "plain http accounts server refused",
			in:  "https://example.com/cb?code=" + pcode + "&accounts-server=http%3A%2F%2Fevil.example",
			err: "ztm will not use"},
		{name: "empty", in: "  \n", err: "nothing was pasted"},
		{name: "client id instead of code", in: "1000.R2Z0WWOLFVMR287126QED3B4JWQ5EN", err: "looks like a client id"},
		{name: "a sentence", in: "the code is 1000.abc", err: "does not look like a grant code"},
		{name: "URL without code", in: "https://example.com/cb?location=eu", err: "has no code"},
		{name: "damaged code", in: "https://example.com/cb?code=1000.ab%20cd", err: "damaged"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := oauth.ParsePasted(tc.in, tc.state, dcs)
			if tc.err == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one saying %q", err, tc.err)
			}
			if tc.errIs != nil && !errors.Is(err, tc.errIs) {
				t.Errorf("errors.Is(%v, %v) is false", err, tc.errIs)
			}
			if got != tc.want {
				t.Errorf("grant\n got %+v\nwant %+v", got, tc.want)
			}
			if err != nil {
				assertNoSecrets(t, err.Error(), pcode)
			}
		})
	}
}

func TestGrantOtherDC(t *testing.T) {
	dcs := realDCs(t)
	p := model.Profile{AccountsServer: "https://accounts.zoho.eu"}
	if _, ok := (oauth.Grant{Code: pcode}).OtherDC(p, dcs); ok {
		t.Error("a bare code cannot come from another DC")
	}
	if _, ok := (oauth.Grant{Code: pcode, AccountsServer: "https://ACCOUNTS.zoho.eu/"}).OtherDC(p, dcs); ok {
		t.Error("the same server in other spelling is not another DC")
	}
	dc, ok := (oauth.Grant{Code: pcode, AccountsServer: "https://accounts.zoho.in"}).OtherDC(p, dcs)
	if !ok || dc.ID != "IN" || dc.Name != "India" {
		t.Errorf("OtherDC = %+v, %v; want India", dc, ok)
	}
	dc, ok = (oauth.Grant{Code: pcode, AccountsServer: "https://accounts.zoho.xq", Location: "xq"}).OtherDC(p, dcs)
	if !ok || dc.ID != "accounts.zoho.xq" || dc.AccountsServer != "https://accounts.zoho.xq" {
		t.Errorf("unknown DC = %+v, %v", dc, ok)
	}
}
