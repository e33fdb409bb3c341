package tui

import (
	"io"
	"slices"
	"strings"
	"testing"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/ui/app"
)

// lineReader answers one line per read, as a terminal does: each of huh's
// prompts reads with its own buffer.
type lineReader struct{ lines []string }

func (r *lineReader) Read(p []byte) (int, error) {
	if len(r.lines) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.lines[0]+"\n")
	r.lines = r.lines[1:]
	return n, nil
}

func TestAccessibleFormAsksTheWizardsQuestions(t *testing.T) {
	h := newHarness(t)
	answers := &lineReader{lines: []string{
		"crm-us", "acc-crm", // a taken name is refused, and asked again
		"2",  // EU
		"2",  // sandbox
		"2",  // loopback
		"",   // user consent
		"80", // a port below 1024 is refused
		"9000",
		fakezoho.DemoServerClientID, fakezoho.DemoSecret,
		"2", "0", // tick ZohoCRM.modules.ALL beside the default, done
		"", "ops, eu", "the EU sandbox",
	}}
	var out strings.Builder
	sp, err := AccessibleForm(answers, &out, h.dcs, []string{"crm-us"}, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	p, err := app.BuildProfile(sp, h.dcs)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "acc-crm" || p.DC != "EU" || p.Environment != model.Sandbox || p.RedirectURI != "http://localhost:9000/callback" ||
		p.ClientID != fakezoho.DemoServerClientID || p.ClientSecret != fakezoho.DemoSecret ||
		!slices.Equal(p.Scopes, []string{"AaaServer.profile.READ", "ZohoCRM.modules.ALL"}) ||
		!slices.Equal(p.Tags, []string{"ops", "eu"}) || p.Notes != "the EU sandbox" {
		t.Fatalf("the profile: %+v", p)
	}
	for _, want := range []string{"a profile named crm-us exists", "the port must be a number from 1024 to 65535", "Client secret"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the prompts do not say %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), fakezoho.DemoSecret) {
		t.Error("the prompts print the secret")
	}
}

func TestAccessibleFormStopsWhenTheAnswersEnd(t *testing.T) {
	h := newHarness(t)
	_, err := AccessibleForm(&lineReader{lines: []string{"acc-crm"}}, io.Discard, h.dcs, nil, nil)
	if err == nil {
		t.Fatal("no error when the answers ended halfway")
	}
}

func TestAccessibleFormEditKeepsWhatIsNotRetyped(t *testing.T) {
	h := newHarness(t)
	h.keyFileVault(h.fill(samples...))
	h.start(100, 32)
	orig := h.profile("crm-us")
	// Twelve empty answers: every prompt keeps what the profile had.
	blank := &lineReader{lines: make([]string, 12)}
	blank.lines[8] = "0" // the scope list ends at 0
	var out strings.Builder
	sp, err := AccessibleForm(blank, &out, h.dcs, []string{"crm-us"}, &orig)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	p, err := app.BuildProfile(sp, h.dcs)
	if err != nil {
		t.Fatal(err)
	}
	if app.NeedsConsent(orig, p) || p.Name != orig.Name || p.ClientSecret != orig.ClientSecret || !slices.Equal(p.Tags, orig.Tags) {
		t.Fatalf("an edit with every answer kept changed the profile:\n%+v\n%+v", orig, p)
	}
	if strings.Contains(out.String(), orig.ClientSecret) {
		t.Error("the prompts print the secret")
	}
}
