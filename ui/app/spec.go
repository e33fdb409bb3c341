package app

import (
	"fmt"
	"strconv"
	"strings"

	"ztm/model"
)

// Spec is what a person typed to describe a profile, in the dashboard's
// form or on the command line, before it is checked.
type Spec struct {
	Name string
	// DC is a data-center id; AccountsServer a custom server instead.
	DC, AccountsServer string
	// Grant is how the grant is obtained; it implies the client type.
	Grant model.GrantMethod
	// RedirectURI is the registered redirect for a paste-URL grant, or for
	// a loopback grant when LoopbackPort is zero.
	RedirectURI string
	// LoopbackPort, for a loopback grant, builds the redirect
	// http://localhost:PORT/callback (keeping the original's path when an
	// edit keeps its port).
	LoopbackPort int
	ClientID     string
	ClientSecret string
	// Scopes is the comma- or space-separated list as typed.
	Scopes  string
	Consent model.Consent
	// Tags is the comma- or space-separated list as typed.
	Tags        string
	Notes       string
	KeepAlive   bool
	Environment model.Environment
	SOID        string
	// Orig is the profile being edited, nil for a new one: its identity,
	// account, tokens and history carry over.
	Orig *model.Profile
}

// usageError marks a Spec mistake: the person typed something wrong, as
// opposed to the vault or Zoho failing.
type usageError struct{ error }

// IsUsage reports whether err is a mistake in what was typed.
func IsUsage(err error) bool {
	_, ok := err.(usageError)
	return ok
}

// BuildProfile checks a Spec against the data-center table and returns the
// profile it describes. Every error says what to type instead; IsUsage is
// true of them.
func BuildProfile(sp Spec, dcs model.DataCenters) (model.Profile, error) {
	p, err := buildProfile(sp, dcs)
	if err != nil {
		return p, usageError{err}
	}
	return p, nil
}

func buildProfile(sp Spec, dcs model.DataCenters) (model.Profile, error) {
	p := model.Profile{Name: strings.TrimSpace(sp.Name), Consent: sp.Consent,
		ClientID: model.CleanPasted(sp.ClientID), ClientSecret: model.CleanPasted(sp.ClientSecret),
		Notes: sp.Notes, KeepAlive: sp.KeepAlive, SOID: strings.TrimSpace(sp.SOID)}
	if sp.Orig != nil {
		o := *sp.Orig
		p.ID, p.Account, p.APIDomain, p.Token, p.CreatedAt = o.ID, o.Account, o.APIDomain, o.Token, o.CreatedAt
	}
	if p.Consent == "" {
		p.Consent = model.UserConsent
	}
	var err error
	if p.Environment, err = model.ParseEnvironment(string(sp.Environment)); err != nil {
		return p, err
	}
	if err := placeServer(&p, sp, dcs); err != nil {
		return p, err
	}
	if err := applyGrant(&p, sp); err != nil {
		return p, err
	}
	if p.Scopes, err = model.ParseScopes(sp.Scopes); err != nil {
		return p, err
	}
	if p.Tags, err = model.ParseTags(sp.Tags); err != nil {
		return p, err
	}
	return p, p.Validate()
}

// placeServer sets the data center, accounts server and API domain.
func placeServer(p *model.Profile, sp Spec, dcs model.DataCenters) error {
	switch {
	case sp.AccountsServer != "" && sp.DC != "":
		return fmt.Errorf("give a data center or a custom accounts server, not both")
	case sp.AccountsServer != "":
		if err := model.ValidateServerURL(sp.AccountsServer); err != nil {
			return err
		}
		p.AccountsServer = model.NormalizeServerURL(sp.AccountsServer)
		p.DC = ""
		if dc, ok := dcs.ByAccountsServer(p.AccountsServer); ok {
			p.DC = dc.ID
		}
		return nil
	}
	dc, ok := dcs.ByID(sp.DC)
	if !ok {
		return fmt.Errorf("data center %q: use one of %s, or a custom accounts server", sp.DC, strings.Join(dcs.IDs(), ", "))
	}
	p.DC, p.AccountsServer = dc.ID, dc.AccountsServer
	// api_domain comes from Zoho's token response; the table's is a first
	// guess, kept unless the data center changed.
	if p.APIDomain == "" || sp.Orig != nil && sp.Orig.DC != dc.ID {
		p.APIDomain = dc.APIDomain
	}
	return nil
}

// applyGrant sets the client type and redirect URI the grant implies.
func applyGrant(p *model.Profile, sp Spec) error {
	switch sp.Grant {
	case model.GrantPasteCode, "":
		p.ClientType = model.SelfClient
	case model.GrantClientCredentials:
		p.ClientType, p.ClientCredentials = model.SelfClient, true
	case model.GrantDeviceFlow:
		p.ClientType = model.NonBrowserClient
	case model.GrantLoopback:
		p.ClientType, p.RedirectURI = model.ServerClient, model.CleanPasted(sp.RedirectURI)
		if sp.LoopbackPort != 0 {
			p.RedirectURI = loopbackRedirect(sp.LoopbackPort, sp.Orig)
		}
		if _, _, ok := model.LoopbackRedirect(p.RedirectURI); !ok {
			return fmt.Errorf("a loopback grant needs a redirect such as http://localhost:8765/callback, registered in the API Console")
		}
	case model.GrantPasteURL:
		p.ClientType, p.RedirectURI = model.ServerClient, model.CleanPasted(sp.RedirectURI)
		if err := model.ValidateRedirectURI(p.RedirectURI); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown grant %q: use self, loopback, paste, device or client-credentials", sp.Grant)
	}
	if sp.SOID != "" && !p.ClientCredentials {
		return fmt.Errorf("--soid is for the client-credentials grant only")
	}
	return nil
}

// loopbackRedirect is the redirect for a port, keeping an edited profile's
// path when the port is unchanged (it is what the console has registered).
func loopbackRedirect(port int, orig *model.Profile) string {
	if orig != nil {
		if op, path, ok := model.LoopbackRedirect(orig.RedirectURI); ok && op == port {
			return "http://localhost:" + strconv.Itoa(port) + path
		}
	}
	return "http://localhost:" + strconv.Itoa(port) + "/callback"
}

// ParseGrant accepts the command line's grant names.
func ParseGrant(s string) (model.GrantMethod, error) {
	switch g := model.GrantMethod(strings.ToLower(strings.TrimSpace(s))); g {
	case model.GrantPasteCode, model.GrantLoopback, model.GrantPasteURL, model.GrantDeviceFlow, model.GrantClientCredentials:
		return g, nil
	}
	return "", fmt.Errorf("unknown grant %q: use self, loopback, paste, device or client-credentials", s)
}
