package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"

	"ztm/model"
	"ztm/vault"
)

var exportCmd = &command{
	name:    "export",
	summary: "write profiles, with their secrets, to an encrypted bundle",
	usage: `ztm export [NAME...] (--to RECIPIENT... | --passphrase | --plaintext) [-o FILE] [--armor]

The bundle is age-encrypted to the recipients (age1..., age1pq1... or an SSH
public key line) or to a passphrase asked on the terminal (or taken from
ZTM_BUNDLE_PASSPHRASE). It holds client secrets and tokens: plaintext JSON is
written only with --plaintext. Without NAME, every profile is exported.

Examples:
  ztm export crm-eu --to age1pq1... -o crm-eu.age
  ztm export --passphrase --armor > all-profiles.txt`,
	run: runExport,
}

var importCmd = &command{
	name:    "import",
	summary: "read profiles from a bundle made by ztm export",
	usage: `ztm import FILE|- [--key IDENTITY_FILE] [--replace]

A bundle encrypted to this vault's key opens without more; one encrypted to a
passphrase asks for it (or reads ZTM_BUNDLE_PASSPHRASE); --key names another
age identity or SSH key. Profiles whose name is taken are skipped unless
--replace is given.

Examples:
  ztm import crm-eu.age
  ztm import all-profiles.txt --replace`,
	run: runImport,
}

// bundle is the plaintext of an export.
type bundle struct {
	Format     string          `json:"format"`
	ExportedAt time.Time       `json:"exported_at"`
	Profiles   []bundleProfile `json:"profiles"`
}

const bundleFormat = "ztm-bundle-1"

type bundleProfile struct {
	Name           string       `json:"name"`
	DC             string       `json:"dc"`
	AccountsServer string       `json:"accounts_server"`
	APIDomain      string       `json:"api_domain"`
	ClientType     string       `json:"client_type"`
	ClientID       string       `json:"client_id"`
	ClientSecret   string       `json:"client_secret"`
	RedirectURI    string       `json:"redirect_uri,omitempty"`
	Scopes         []string     `json:"scopes"`
	Consent        string       `json:"consent"`
	Account        string       `json:"account,omitempty"`
	Tags           []string     `json:"tags,omitempty"`
	Notes          string       `json:"notes,omitempty"`
	KeepAlive      bool         `json:"keep_alive,omitempty"`
	Token          *model.Token `json:"token,omitempty"`
}

func fromProfile(p model.Profile) bundleProfile {
	return bundleProfile{p.Name, p.DC, p.AccountsServer, p.APIDomain, string(p.ClientType), p.ClientID,
		p.ClientSecret, p.RedirectURI, p.Scopes, string(p.Consent), p.Account, p.Tags, p.Notes, p.KeepAlive, p.Token}
}

func (b bundleProfile) profile() model.Profile {
	return model.Profile{Name: b.Name, DC: b.DC, AccountsServer: b.AccountsServer, APIDomain: b.APIDomain,
		ClientType: model.ClientType(b.ClientType), ClientID: b.ClientID, ClientSecret: b.ClientSecret,
		RedirectURI: b.RedirectURI, Scopes: b.Scopes, Consent: model.Consent(b.Consent), Account: b.Account,
		Tags: b.Tags, Notes: b.Notes, KeepAlive: b.KeepAlive, Token: b.Token}
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runExport(ctx context.Context, e Env, g *globals, c *command, args []string) error {
	fs := newFlags(e, c, g)
	var to stringList
	fs.Var(&to, "to", "a recipient to encrypt to (repeatable)")
	usePass := fs.Bool("passphrase", false, "encrypt to a passphrase")
	plain := fs.Bool("plaintext", false, "write unencrypted JSON (secrets in clear!)")
	out := fs.String("o", "", "write to this file (mode 0600) instead of stdout")
	arm := fs.Bool("armor", false, "write the encrypted bundle as text")
	names, err := parse(fs, args)
	if err != nil {
		return err
	}
	if n := boolInt(len(to) > 0) + boolInt(*usePass) + boolInt(*plain); n != 1 {
		return usagef("say how to protect the bundle: --to RECIPIENT, --passphrase, or (unencrypted) --plaintext")
	}
	var recipients []age.Recipient
	for _, r := range to {
		rr, err := vault.ParseRecipient(r)
		if err != nil {
			return usageErr{err.Error()}
		}
		recipients = append(recipients, rr)
	}
	s, err := openSession(e, g)
	if err != nil {
		return err
	}
	defer s.close()
	b := bundle{Format: bundleFormat, ExportedAt: e.Now().UTC()}
	profiles, err := s.v.Profiles()
	if err != nil {
		return err
	}
	for _, p := range profiles {
		if len(names) == 0 || containsFold(names, p.Name) {
			b.Profiles = append(b.Profiles, fromProfile(p))
		}
	}
	if len(b.Profiles) == 0 || len(names) > 0 && len(b.Profiles) != len(names) {
		return fmt.Errorf("%w: export found %d of the %d profiles named; ztm list shows them", vault.ErrNoProfile, len(b.Profiles), len(names))
	}
	plaintext, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	defer clear(plaintext)
	if *usePass {
		pass, err := newBundlePassphrase(e)
		if err != nil {
			return err
		}
		r, err := age.NewScryptRecipient(pass)
		if err != nil {
			return err
		}
		if e.ScryptWorkFactor > 0 {
			r.SetWorkFactor(e.ScryptWorkFactor)
		}
		recipients = []age.Recipient{r}
	}
	data := plaintext
	if !*plain {
		if data, err = seal(plaintext, recipients, *arm); err != nil {
			return err
		}
	}
	if *out == "" {
		_, err = e.Stdout.Write(data)
	} else {
		err = writePrivate(*out, data)
	}
	if err == nil {
		fmt.Fprintf(e.Stderr, "exported %d profile(s)\n", len(b.Profiles))
	}
	return err
}

// writePrivate writes a bundle readable by its owner only, also when the
// file existed with a wider mode (os.WriteFile keeps that one).
func writePrivate(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func seal(plain []byte, recipients []age.Recipient, arm bool) ([]byte, error) {
	var buf bytes.Buffer
	var dst io.Writer = &buf
	var aw io.WriteCloser
	if arm {
		aw = armor.NewWriter(&buf)
		dst = aw
	}
	w, err := age.Encrypt(dst, recipients...)
	if err != nil {
		return nil, fmt.Errorf("cannot encrypt to these recipients: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if aw != nil {
		if err := aw.Close(); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

func newBundlePassphrase(e Env) (string, error) {
	if p := e.Getenv("ZTM_BUNDLE_PASSPHRASE"); p != "" {
		return p, nil
	}
	if e.Prompt == nil {
		return "", usagef("no terminal to ask for the bundle's passphrase: set ZTM_BUNDLE_PASSPHRASE, or use --to")
	}
	p1, err := e.Prompt.Secret("Passphrase for the bundle: ")
	if err != nil {
		return "", err
	}
	p2, err := e.Prompt.Secret("Again: ")
	if err != nil {
		return "", err
	}
	if p1 != p2 || p1 == "" {
		return "", usagef("the passphrases differ or are empty; nothing was written")
	}
	return p1, nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// errNotBundle says a file is not something ztm export wrote.
var errNotBundle = errors.New("not a ztm bundle")
