package app_test

import (
	"context"
	"errors"
	"testing"

	"ztm/model"
	"ztm/oauth"
	"ztm/oauth/fakezoho"
	"ztm/ui/app"
)

func TestGrantFlowRepasteAsksAgainInTheSameConsent(t *testing.T) {
	w := newGrantWorld(t)
	cl := w.f.NewClient("EU", model.ServerClient, func(c *fakezoho.Client) { c.RedirectURIs = []string{"https://example.com/cb"} })
	p := w.f.Profile("crm", "EU", cl)
	p.RedirectURI = "https://example.com/cb"
	other, _ := w.s.Zoho.NewConsent(p, oauth.ConsentOptions{})
	var consentURL string
	var refused []error
	asked, consents := 0, 0
	hooks := app.GrantHooks{
		Progress: func(st app.GrantStep) {
			if st.Stage == app.StageConsentURL {
				consentURL = st.URL
				consents++
			}
		},
		// First a URL of another consent, then the right one.
		Paste: func(string) (string, error) {
			asked++
			if asked == 1 {
				return w.f.Consent(other.URL), nil
			}
			return w.f.Consent(consentURL), nil
		},
		Repaste: func(err error) bool { refused = append(refused, err); return true },
	}
	saved, err := w.s.NewGrantFlow(p, hooks).Run(context.Background())
	if err != nil || saved.Token == nil {
		t.Fatalf("after a second paste: %v", err)
	}
	if asked != 2 || len(refused) != 1 || !errors.Is(refused[0], oauth.ErrStateMismatch) {
		t.Fatalf("asked %d times, refused %v; want 2 asks and one state mismatch", asked, refused)
	}
	if consents != 1 {
		t.Errorf("%d consent pages, want the one kept across the pastes", consents)
	}
}

func TestGrantFlowRepasteFalseEndsTheFlow(t *testing.T) {
	w := newGrantWorld(t)
	cl := w.f.NewClient("EU", model.SelfClient)
	p := w.f.Profile("crm", "EU", cl)
	hooks := app.GrantHooks{
		Paste:   func(string) (string, error) { return cl.ID, nil }, // a client id, not a code
		Repaste: func(error) bool { return false },
	}
	if _, err := w.s.NewGrantFlow(p, hooks).Run(context.Background()); err == nil {
		t.Fatal("a client id pasted as a code was taken")
	}
	if _, err := w.s.Vault.Profile("crm"); err == nil {
		t.Error("the refused paste saved a profile")
	}
}

func TestGrantFlowLoopbackTakesAPastedURLInstead(t *testing.T) {
	w := newGrantWorld(t)
	redirect := freeRedirect(t)
	cl := w.f.NewClient("EU", model.ServerClient, func(c *fakezoho.Client) { c.RedirectURIs = []string{redirect} })
	p := w.f.Profile("books", "EU", cl)
	p.RedirectURI = redirect
	consent := make(chan string, 1)
	var st stages
	hooks := app.GrantHooks{
		Progress: func(s app.GrantStep) {
			st.add(s)
			if s.Stage == app.StageConsentURL {
				consent <- s.URL
			}
		},
		// The browser is elsewhere: its landing URL is pasted, and nothing
		// reaches the receiver.
		Paste:        func(string) (string, error) { return w.f.Consent(<-consent), nil },
		PasteInstead: true,
	}
	saved, err := w.s.NewGrantFlow(p, hooks).Run(context.Background())
	if err != nil || saved.Token == nil {
		t.Fatalf("a pasted URL while listening: %v", err)
	}
	if got := st.names(); got != "consent-url waiting exchanging" {
		t.Errorf("stages %q", got)
	}
}
