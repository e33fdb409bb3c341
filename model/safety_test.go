package model

import (
	"strings"
	"testing"
)

func goodProfile() Profile {
	return Profile{
		Name: "crm-eu", DC: "EU", AccountsServer: "https://accounts.zoho.eu", APIDomain: "https://www.zohoapis.eu",
		ClientType: ServerClient, ClientID: "1000.ABCDEFGHIJ12345", ClientSecret: "0123456789abcdef",
		RedirectURI: "http://localhost:8765/callback", Scopes: []string{"ZohoCRM.modules.ALL"},
		Account: "ada@example.com", Notes: "billing org\n\tasks for EU only",
	}
}

func TestIsLoopbackHostParsesAddresses(t *testing.T) {
	for _, h := range []string{"localhost", "LOCALHOST", "127.0.0.1", "127.8.9.10", "::1", "[::1]"} {
		if !IsLoopbackHost(h) {
			t.Errorf("%s is loopback but was refused", h)
		}
	}
	for _, h := range []string{"127.attacker.example", "127.0.0.1.nip.io", "127.1", "localhost.example",
		"::ffff:127.0.0.1", "::1%eth0", "128.0.0.1", "0.0.0.0", "", "127.0.0.1:80"} {
		if IsLoopbackHost(h) {
			t.Errorf("%s taken as loopback", h)
		}
	}
	if err := ValidateServerURL("http://127.attacker.example"); err == nil {
		t.Error("plain http to 127.attacker.example accepted as an accounts server")
	}
	if _, _, ok := LoopbackRedirect("http://127.attacker.example:8765/cb"); ok {
		t.Error("http://127.attacker.example:8765/cb taken as a loopback redirect")
	}
	if err := ValidateRedirectURI("http://127.attacker.example/cb"); err == nil {
		t.Error("a plain-http public redirect URI accepted")
	}
}

func TestServerURLsRefuseUserQueryAndFragment(t *testing.T) {
	for _, bad := range []string{
		"https://accounts.zoho.eu@evil.example", "https://user:pw@accounts.zoho.eu", "https://accounts.zoho.eu?",
		"https://accounts.zoho.eu/#", "https://accounts.zoho.eu?x=1", "https://accounts.zoho.eu#frag",
		"https://accounts.zoho.eu\\@evil.example", "https://accounts zoho.eu",
	} {
		if err := ValidateServerURL(bad); err == nil {
			t.Errorf("%s accepted as a server URL", bad)
		}
	}
	err := ValidateServerURL("https://accounts.zoho.eu@evil.example")
	if err == nil || !strings.Contains(err.Error(), "evil.example") || !strings.Contains(err.Error(), "user part") {
		t.Errorf("the message should say where the requests would go: %v", err)
	}
	for _, good := range []string{"https://accounts.zoho.eu", "https://accounts.zoho.eu/", "http://127.0.0.1:9001", "http://[::1]:8080"} {
		if err := ValidateServerURL(good); err != nil {
			t.Errorf("%s refused: %v", good, err)
		}
	}
	if err := ValidateRedirectURI("https://accounts.zoho.eu@evil.example/cb"); err == nil {
		t.Error("a redirect URI with a user part accepted")
	}
	p := goodProfile()
	p.APIDomain = "https://www.zohoapis.eu@evil.example"
	if err := p.Validate(); err == nil {
		t.Error("an api_domain with a user part accepted")
	}
}

func TestPrintableNeutralisesEscapes(t *testing.T) {
	cases := map[string]string{
		"ada@example.com":                "ada@example.com",
		"\x1b]2;pwned\x07name":           `\x1b]2;pwned\x07name`,
		"\x1b[2J":                        `\x1b[2J`,
		"a\u202eevil":                    `a\u202eevil`,
		"del\x7f c1\u009b":               `del\x7f c1\x9b`,
		"bad\xffutf8":                    `bad\xffutf8`,
		"two\nlines":                     `two\x0alines`,
		"Zoë 日本":                         "Zoë 日本",
		"isolate\u2066x\u2069 lrm\u200e": `isolate\u2066x\u2069 lrm\u200e`,
	}
	for in, want := range cases {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
	if got := PrintableLines("one\r\ntwo\tthree\x1b"); got != "one\ntwo three\\x1b" {
		t.Errorf("PrintableLines = %q", got)
	}
	long := Printable(strings.Repeat("x", 10*MaxPrintable))
	if n := len([]rune(long)); n != MaxPrintable+1 || !strings.HasSuffix(long, "…") {
		t.Errorf("Printable of a huge text has %d characters, want %d and an ellipsis", n, MaxPrintable+1)
	}
}

func TestValidateRefusesControlCharactersInText(t *testing.T) {
	for field, mutate := range map[string]func(*Profile){
		"account with ESC":                      func(p *Profile) { p.Account = "ada\x1b]2;x\x07@example.com" },
		"account with bidi":                     func(p *Profile) { p.Account = "moc.elpmaxe@\u202eada" },
		"notes with ESC":                        func(p *Profile) { p.Notes = "see \x1b[31mred" },
		"notes with C1":                         func(p *Profile) { p.Notes = "csi \u009b2J" },
		"notes too long":                        func(p *Profile) { p.Notes = strings.Repeat("n", MaxNotes+1) },
		"tag with ESC":                          func(p *Profile) { p.Tags = []string{"prod\x1b"} },
		"name with ESC":                         func(p *Profile) { p.Name = "crm\x1b[2J" },
		"DC not an id":                          func(p *Profile) { p.DC = "E\x1bU" },
		"api_domain not a server":               func(p *Profile) { p.APIDomain = "javascript:alert(1)" },
		"secret too long":                       func(p *Profile) { p.ClientSecret = strings.Repeat("s", MaxSecret+1) },
		"soid malformed":                        func(p *Profile) { p.SOID = "ZohoCRM 123" },
		"client credentials on a server client": func(p *Profile) { p.ClientCredentials = true },
	} {
		p := goodProfile()
		mutate(&p)
		err := p.Validate()
		if err == nil {
			t.Errorf("%s: accepted", field)
			continue
		}
		if strings.ContainsAny(err.Error(), "\x1b\x07\u009b\u202e") {
			t.Errorf("%s: the error repeats the raw control characters: %q", field, err)
		}
	}
	if err := goodProfile().Validate(); err != nil {
		t.Errorf("a good profile with multi-line notes was refused: %v", err)
	}
}

func TestLongInputIsCutInErrors(t *testing.T) {
	huge := strings.Repeat("n", 100000)
	for what, err := range map[string]error{
		"name":     ValidateName(huge),
		"tag":      ValidateTag(huge),
		"server":   ValidateServerURL("https://" + huge + ".example/x"),
		"redirect": ValidateRedirectURI("ftp://" + huge),
		"scope":    ValidateScope(huge),
		"type":     func() error { _, err := ParseClientType(huge); return err }(),
	} {
		if err == nil {
			t.Errorf("%s: accepted", what)
			continue
		}
		if len(err.Error()) > 400 || !strings.Contains(err.Error(), "nnnnnnnnnn…\"") {
			t.Errorf("%s: the message is %d bytes and should show %d characters of the input then …", what, len(err.Error()), MaxEcho)
		}
	}
	if got := Echo("short"); got != `"short"` {
		t.Errorf("Echo(short) = %s", got)
	}
}

func TestValidateWithChecksTheDataCenterTable(t *testing.T) {
	dcs, err := ParseDataCenters([]byte(`[{"id":"EU","accounts_server":"https://accounts.zoho.eu"}]`))
	if err != nil {
		t.Fatal(err)
	}
	p := goodProfile()
	if err := p.ValidateWith(dcs); err != nil {
		t.Errorf("EU refused: %v", err)
	}
	p.DC = "XX"
	if err := p.ValidateWith(dcs); err == nil || !strings.Contains(err.Error(), "EU") {
		t.Errorf("an unknown DC: %v, want a refusal that lists the table", err)
	}
}
