package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"ztm/model"
)

// BundleFormat names the plaintext layout of an export; an import refuses
// anything else.
const BundleFormat = "ztm-bundle-1"

// ErrNotBundle says a file is not something ztm export wrote.
var ErrNotBundle = errors.New("not a ztm bundle")

// Bundle is the plaintext of an export: profiles with their secrets.
type Bundle struct {
	Format     string          `json:"format"`
	ExportedAt time.Time       `json:"exported_at"`
	Profiles   []BundleProfile `json:"profiles"`
}

// BundleProfile is one profile in a bundle.
type BundleProfile struct {
	Name              string       `json:"name"`
	DC                string       `json:"dc"`
	AccountsServer    string       `json:"accounts_server"`
	APIDomain         string       `json:"api_domain"`
	ClientType        string       `json:"client_type"`
	ClientID          string       `json:"client_id"`
	ClientSecret      string       `json:"client_secret"`
	RedirectURI       string       `json:"redirect_uri,omitempty"`
	Scopes            []string     `json:"scopes"`
	Consent           string       `json:"consent"`
	Account           string       `json:"account,omitempty"`
	Tags              []string     `json:"tags,omitempty"`
	Notes             string       `json:"notes,omitempty"`
	KeepAlive         bool         `json:"keep_alive,omitempty"`
	Environment       string       `json:"environment,omitempty"`
	ClientCredentials bool         `json:"client_credentials,omitempty"`
	SOID              string       `json:"soid,omitempty"`
	Token             *model.Token `json:"token,omitempty"`
}

func bundleProfile(p model.Profile) BundleProfile {
	return BundleProfile{Name: p.Name, DC: p.DC, AccountsServer: p.AccountsServer, APIDomain: p.APIDomain,
		ClientType: string(p.ClientType), ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURI: p.RedirectURI, Scopes: p.Scopes, Consent: string(p.Consent), Account: p.Account,
		Tags: p.Tags, Notes: p.Notes, KeepAlive: p.KeepAlive, Environment: string(p.Environment),
		ClientCredentials: p.ClientCredentials, SOID: p.SOID, Token: p.Token}
}

// Profile is the bundle entry as a profile, checked like one typed by a
// person: a bundle may come from anyone, so nothing in it is trusted
// further than what the user could have entered.
func (b BundleProfile) Profile(dcs model.DataCenters) (model.Profile, error) {
	p := model.Profile{Name: b.Name, DC: b.DC, AccountsServer: b.AccountsServer, APIDomain: b.APIDomain,
		ClientType: model.ClientType(b.ClientType), ClientID: b.ClientID, ClientSecret: b.ClientSecret,
		RedirectURI: b.RedirectURI, Scopes: b.Scopes, Consent: model.Consent(b.Consent), Account: b.Account,
		Tags: b.Tags, Notes: b.Notes, KeepAlive: b.KeepAlive, Environment: model.Environment(b.Environment),
		ClientCredentials: b.ClientCredentials, SOID: b.SOID, Token: b.Token}
	if p.DC != "" {
		if _, ok := dcs.ByID(p.DC); !ok {
			return p, fmt.Errorf("%s: data center %s is not in the table (%s)", model.Echo(p.Name), model.Echo(p.DC), strings.Join(dcs.IDs(), ", "))
		}
	}
	if p.APIDomain != "" {
		if err := model.ValidateServerURL(p.APIDomain); err != nil {
			return p, fmt.Errorf("%s: api domain: %w", model.Echo(p.Name), err)
		}
	}
	if _, err := model.ParseEnvironment(b.Environment); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%s: %w", model.Echo(p.Name), err)
	}
	return p, nil
}

// NewBundle builds the bundle of the named profiles (every profile when
// names is empty). A name that matches no profile is an error.
func NewBundle(profiles []model.Profile, names []string, now time.Time) (Bundle, error) {
	b := Bundle{Format: BundleFormat, ExportedAt: now.UTC()}
	for _, p := range profiles {
		if len(names) == 0 || containsFold(names, p.Name) {
			b.Profiles = append(b.Profiles, bundleProfile(p))
		}
	}
	if len(b.Profiles) == 0 || len(names) > 0 && len(b.Profiles) != len(names) {
		return b, fmt.Errorf("export found %d of the %d profiles named; ztm list shows them", len(b.Profiles), len(names))
	}
	return b, nil
}

// Marshal is the bundle's plaintext; the caller clears it after sealing.
func (b Bundle) Marshal() ([]byte, error) { return json.MarshalIndent(b, "", "  ") }

// ParseBundle reads a bundle's plaintext.
func ParseBundle(plain []byte) (Bundle, error) {
	var b Bundle
	if err := json.Unmarshal(plain, &b); err != nil || b.Format != BundleFormat {
		return b, fmt.Errorf("%w: the content is not what ztm export writes", ErrNotBundle)
	}
	return b, nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
