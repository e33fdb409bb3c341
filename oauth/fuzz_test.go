package oauth_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ztm/oauth"
)

// FuzzParsePasted: whatever is pasted, no panic; a grant without error has
// a code; the only grant returned with an error is a denial; no error
// sentence repeats what was pasted when it held the wanted state.
func FuzzParsePasted(f *testing.F) {
	seeds := []string{
		pcode,
		"  \"" + pcode + "\"\n",
		"https://www.zoho.com/callback?code=" + pcode + "&location=us&accounts-server=https%3A%2F%2Faccounts.zoho.com&",
		"localhost:8765/cb?code=" + pcode + "&state=" + pstate,
		"http://localhost:8765/cb?error=access_denied&state=" + pstate,
		"code=" + pcode + "&amp;state=" + pstate,
		"https://example.com/cb#code=" + pcode,
		"https://example.com/cb?code=%zz&accounts-server=http%3A%2F%2Fevil",
		"<>", "''", "?", "&&&", "=", "1000.R2Z0WWOLFVMR287126QED3B4JWQ5EN",
	}
	for _, s := range seeds {
		f.Add(s, pstate)
		f.Add(s, "")
	}
	dcs := realDCs(f)
	f.Fuzz(func(t *testing.T, in, state string) {
		g, err := oauth.ParsePasted(in, state, dcs)
		if err == nil {
			if g.Code == "" {
				t.Fatalf("no error and no code for %q", in)
			}
			if g.Error != "" {
				t.Fatalf("a grant with an error came back without one: %+v", g)
			}
			if strings.ContainsAny(g.Code, " \t\r\n?&=#") {
				t.Fatalf("code %q holds URL syntax or spaces", g.Code)
			}
			return
		}
		if g != (oauth.Grant{}) && g.Error == "" {
			t.Fatalf("error %v with a non-denial grant %+v", err, g)
		}
		if !utf8.ValidString(err.Error()) && utf8.ValidString(in) {
			t.Fatalf("message is not valid UTF-8: %q", err)
		}
	})
}

// FuzzParseTokenResponse: no panic; a result always carries an access
// token and a positive, bounded life; an error is always an *oauth.Error.
func FuzzParseTokenResponse(f *testing.F) {
	seeds := []string{
		`{"access_token":"1000.a.b","refresh_token":"1000.r.s","api_domain":"https://www.zohoapis.com","token_type":"Bearer","expires_in":3600}`,
		`{"access_token":"1000.a.b","expires_in_sec":3600,"expires_in":3600000,"api_domain":"https://www.zohoapis.eu","token_type":"Bearer"}`,
		`{"access_token":"x","expires_in":"1e3","scope":"A.b.ALL B.c.READ"}`,
		`{"error":"invalid_code"}`,
		`{"error":"Access Denied","error_description":"too many","status":"failure"}`,
		`{"access_token":"x","expires_in":-5}`,
		`{"access_token":"x","expires_in_sec":1e308}`,
		`{"access_token":"x","expires_in":null,"expires_in_sec":null}`,
		`<html>502</html>`, ``, `null`, `[]`, `"x"`, `{"error":{"a":1}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := oauth.ParseTokenResponse(body, now)
		if err != nil {
			if _, ok := err.(*oauth.Error); !ok {
				t.Fatalf("error %T %v is not an *oauth.Error", err, err)
			}
			_ = err.Error()
			return
		}
		if strings.TrimSpace(res.Token.AccessToken) == "" {
			t.Fatalf("no access token from %q", body)
		}
		life := res.Token.ExpiresAt.Sub(now)
		if life <= 0 || life > 366*24*time.Hour {
			t.Fatalf("life %v from %q", life, body)
		}
		if !res.Token.ObtainedAt.Equal(now) {
			t.Fatal("ObtainedAt is not now")
		}
	})
}
