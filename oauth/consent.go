package oauth

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"

	"ztm/model"
)

// ConsentOptions tune a consent URL. The zero value asks for what ztm needs:
// a refresh token, with the consent screen shown again.
type ConsentOptions struct {
	// PKCE adds an S256 code challenge; keep the Consent's Verifier for
	// the exchange. Zoho documents PKCE for mobile and desktop clients.
	PKCE bool
	// AccessType is "offline" (the default: a refresh token is issued) or
	// "online" (an access token only).
	AccessType string
	// Prompt is "consent" by default: without it Zoho issues no new refresh
	// token to a user who already granted the client.
	Prompt string
}

// Consent is a consent URL and the values needed to check and exchange its
// answer.
type Consent struct {
	// URL is the page to open in the browser.
	URL string
	// State is the random value the redirect must carry back.
	State string
	// Verifier is the PKCE code verifier, empty without PKCE.
	Verifier string
}

// NewConsent builds the consent URL for p at p.AccountsServer: user consent
// (/oauth/v2/auth) or org consent (/oauth/v2/org/auth) by p.Consent. It
// draws a fresh state (256 bits from c.Rand) and, when asked, a PKCE pair.
//
// Consent starts where the profile says; Zoho then sends the user on to the
// data center their account lives in and names it on the redirect.
func (c *Client) NewConsent(p model.Profile, o ConsentOptions) (Consent, error) {
	switch p.ClientType {
	case model.SelfClient:
		return Consent{}, errors.New("consent: a Self Client has no consent page: generate a code in the API Console's Generate Code tab")
	case model.NonBrowserClient:
		return Consent{}, errors.New("consent: a Non-browser client signs in with the device flow, not a consent page")
	}
	if err := model.ValidateServerURL(p.AccountsServer); err != nil {
		return Consent{}, fmt.Errorf("consent: accounts server: %w", err)
	}
	if p.ClientID == "" {
		return Consent{}, errors.New("consent: the profile has no client id: copy it from the API Console")
	}
	state, err := randomString(c.random(), 32)
	if err != nil {
		return Consent{}, err
	}
	if o.AccessType == "" {
		o.AccessType = "offline"
	}
	if o.Prompt == "" {
		o.Prompt = "consent"
	}
	q := url.Values{
		"client_id":     {p.ClientID},
		"response_type": {"code"},
		"scope":         {model.JoinScopes(p.Scopes)},
		"access_type":   {o.AccessType},
		"prompt":        {o.Prompt},
		"state":         {state},
	}
	if p.RedirectURI != "" {
		q.Set("redirect_uri", p.RedirectURI)
	}
	out := Consent{State: state}
	if o.PKCE {
		out.Verifier, err = randomString(c.random(), 32)
		if err != nil {
			return Consent{}, err
		}
		q.Set("code_challenge", pkceChallenge(out.Verifier))
		q.Set("code_challenge_method", "S256")
	}
	path := "/oauth/v2/auth"
	if p.Consent == model.OrgConsent {
		path = "/oauth/v2/org/auth"
	}
	out.URL = model.NormalizeServerURL(p.AccountsServer) + path + "?" + q.Encode()
	return out, nil
}

// randomString draws n random bytes and encodes them URL-safe, unpadded.
func randomString(r io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("consent: reading randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// pkceChallenge is the S256 challenge of RFC 7636.
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
