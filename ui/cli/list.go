package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"ztm/model"
	"ztm/vault"
)

// ListOptions are the options of ztm list.
type ListOptions struct {
	F     *Factory
	JSON  bool
	Names bool
}

// NewCmdList is `ztm list`.
func NewCmdList(f *Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	o := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:   "list [--json] [--names]",
		Short: "list the profiles, with expiry and refresh-token health",
		Long:  "No secrets are printed, in either form.",
		Example: `  ztm list
  ztm list --json | jq -r '.[] | select(.health != "ok") | .name'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runList(o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON for programs")
	cmd.Flags().BoolVar(&o.Names, "names", false, "print only the names, one a line")
	return cmd
}

// ShowOptions are the options of ztm show.
type ShowOptions struct {
	F      *Factory
	Name   string
	Reveal bool
	JSON   bool
}

// NewCmdShow is `ztm show NAME`.
func NewCmdShow(f *Factory, runF func(context.Context, *ShowOptions) error) *cobra.Command {
	o := &ShowOptions{F: f}
	cmd := &cobra.Command{
		Use:   "show NAME [--reveal] [--json]",
		Short: "show one profile in full (secrets masked unless --reveal)",
		Example: `  ztm show crm-eu
  ztm show crm-eu --reveal     # prints the client secret and tokens`,
		Args:              profileArg,
		ValidArgsFunction: completeProfiles(f, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = f.nameArg(cmd, args)
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runShow(o)
		},
	}
	cmd.Flags().BoolVar(&o.Reveal, "reveal", false, "print the client secret and tokens in clear")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON (secrets only with --reveal)")
	return cmd
}

// profileJSON is what --json prints of a profile: never a secret.
type profileJSON struct {
	Name           string    `json:"name"`
	DC             string    `json:"dc"`
	AccountsServer string    `json:"accounts_server"`
	APIDomain      string    `json:"api_domain"`
	Account        string    `json:"account"`
	ClientType     string    `json:"client_type"`
	ClientID       string    `json:"client_id"`
	Consent        string    `json:"consent"`
	Scopes         []string  `json:"scopes"`
	Tags           []string  `json:"tags"`
	Notes          string    `json:"notes"`
	Environment    string    `json:"environment"`
	Grant          string    `json:"grant"`
	SOID           string    `json:"soid,omitempty"`
	ExpiresAt      *string   `json:"expires_at"`
	ExpiresIn      *int      `json:"expires_in"`
	Health         string    `json:"health"`
	LastRefreshAt  *string   `json:"last_refresh_at"`
	KeepAlive      bool      `json:"keep_alive"`
	Secrets        *secretJS `json:"secrets,omitempty"`
}

type secretJS struct {
	ClientSecret string `json:"client_secret"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func toJSON(p model.Profile, now time.Time) profileJSON {
	j := profileJSON{
		Name: p.Name, DC: dcLabel(p), AccountsServer: p.AccountsServer, APIDomain: p.APIDomain,
		Account: p.Account, ClientType: string(p.ClientType), ClientID: p.ClientID,
		Consent: string(p.Consent), Scopes: nonNil(p.Scopes), Tags: nonNil(p.Tags),
		Health: string(p.Token.RefreshHealth()), KeepAlive: p.KeepAlive,
		Notes: p.Notes, Environment: string(p.Environment.OrDefault()), Grant: string(p.GrantMethod()), SOID: p.SOID,
	}
	if p.Token != nil && p.Token.AccessToken != "" {
		exp := p.Token.ExpiresAt.UTC().Format(time.RFC3339)
		in := int(p.Token.Remaining(now).Seconds())
		j.ExpiresAt, j.ExpiresIn = &exp, &in
	}
	if p.Token != nil && !p.Token.LastRefreshAt.IsZero() {
		last := p.Token.LastRefreshAt.UTC().Format(time.RFC3339)
		j.LastRefreshAt = &last
	}
	return j
}

// rowJSON is toJSON of a listed row: the same fields, read without the
// secrets (list --json).
func rowJSON(r *vault.ProfileRow, now time.Time) profileJSON {
	j := profileJSON{
		Name: r.Name, DC: dcText(r.DC), AccountsServer: r.AccountsServer, APIDomain: r.APIDomain,
		Account: r.Account, ClientType: string(r.ClientType), ClientID: r.ClientID,
		Consent: string(r.Consent), Scopes: nonNil(r.Scopes), Tags: nonNil(r.Tags),
		Health: string(r.RefreshHealth()), KeepAlive: r.KeepAlive,
		Notes: r.Notes, Environment: string(r.Environment.OrDefault()), Grant: string(r.GrantMethod()), SOID: r.SOID,
	}
	if r.HasAccessToken {
		exp := r.ExpiresAt.UTC().Format(time.RFC3339)
		in := int(r.Remaining(now).Seconds())
		j.ExpiresAt, j.ExpiresIn = &exp, &in
	}
	if r.HasToken && !r.LastRefreshAt.IsZero() {
		last := r.LastRefreshAt.UTC().Format(time.RFC3339)
		j.LastRefreshAt = &last
	}
	return j
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func dcLabel(p model.Profile) string { return dcText(p.DC) }

// dcText is the data-center column: a custom server has no ID.
func dcText(dc string) string {
	if dc != "" {
		return dc
	}
	return "custom"
}

func runList(o *ListOptions) error {
	e := o.F.Env
	s, err := o.F.Open()
	if err != nil {
		return err
	}
	defer s.Close()
	// Only the profiles' rows, streamed: list shows no refresh budget
	// (one more query over every profile's events) and no secret.
	rows := rowSource(s.Vault.EachProfileRow)
	now := e.Now()
	if o.JSON {
		return writeJSONList(e.Stdout, rows, now)
	}
	var n int
	if o.Names {
		n, err = writeNames(e.Stdout, rows)
	} else {
		n, err = writeTable(e.Stdout, rows, now)
	}
	if err == nil && n == 0 && !o.Names {
		fmt.Fprintf(e.Stderr, "no profiles yet: run ztm to add one with the guided set-up, or see %s\n", mustCommand("add", "--help"))
	}
	return err
}

// refreshText is the refresh-token column: a client-credentials profile
// has none and needs none.
func refreshText(p model.Profile) string {
	if p.ClientCredentials {
		return "not needed"
	}
	return string(p.Token.RefreshHealth())
}

// rowRefresh is refreshText of a listed row.
func rowRefresh(r *vault.ProfileRow) string {
	if r.ClientCredentials {
		return "not needed"
	}
	return string(r.RefreshHealth())
}

func expiryText(t *model.Token, now time.Time) string {
	return expiryFor(t != nil && t.AccessToken != "", t.Remaining(now))
}

// rowExpiry is expiryText of a listed row.
func rowExpiry(r *vault.ProfileRow, now time.Time) string {
	return expiryFor(r.HasAccessToken, r.Remaining(now))
}

func expiryFor(hasAccess bool, rem time.Duration) string {
	if !hasAccess {
		return "no token"
	}
	if rem <= 0 {
		return model.FormatRemaining(rem)
	}
	return "in " + model.FormatRemaining(rem)
}

func lastRefresh(t *model.Token, now time.Time) string {
	if t == nil {
		return "-"
	}
	return agoText(t.LastRefreshAt, now)
}

// rowLastRefresh is lastRefresh of a listed row.
func rowLastRefresh(r *vault.ProfileRow, now time.Time) string {
	if !r.HasToken {
		return "-"
	}
	return agoText(r.LastRefreshAt, now)
}

func agoText(at, now time.Time) string {
	if at.IsZero() {
		return "-"
	}
	return model.FormatAgo(now.Sub(at))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func runShow(o *ShowOptions) error {
	e := o.F.Env
	s, p, err := o.F.OpenProfile(o.Name)
	if err != nil {
		return err
	}
	defer s.Close()
	events, _ := s.Events(p.Name, 10)
	now := e.Now()
	if o.JSON {
		j := toJSON(p, now)
		if o.Reveal {
			j.Secrets = &secretJS{ClientSecret: p.ClientSecret}
			if p.Token != nil {
				j.Secrets.AccessToken, j.Secrets.RefreshToken = p.Token.AccessToken, p.Token.RefreshToken
			}
		}
		return writeJSON(e, j)
	}
	secret := func(s string) string {
		if o.Reveal || s == "" {
			return orDash(s)
		}
		return model.Redact(s) + "  (--reveal shows it)"
	}
	w := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(w, "%s\t%s\n", k, model.Printable(v)) }
	row("Name", p.Name)
	row("Data center", dcLabel(p))
	row("Accounts server", p.AccountsServer)
	row("API domain", orDash(p.APIDomain))
	row("Account", orDash(p.Account))
	row("Client type", p.ClientType.Label()+", "+string(p.Consent)+" consent")
	row("Grant", string(p.GrantMethod()))
	row("Environment", string(p.Environment.OrDefault()))
	if p.SOID != "" {
		row("Org (soid)", p.SOID)
	}
	row("Client id", p.ClientID)
	row("Client secret", secret(p.ClientSecret))
	if p.RedirectURI != "" {
		row("Redirect URI", p.RedirectURI)
	}
	row("Scopes", strings.Join(p.Scopes, ","))
	row("Tags", orDash(strings.Join(p.Tags, ", ")))
	row("Keep alive", map[bool]string{true: "yes", false: "no"}[p.KeepAlive])
	if p.Notes != "" {
		row("Notes", p.Notes)
	}
	if t := p.Token; t != nil {
		row("Access token", secret(t.AccessToken))
		row("Expires", expiryText(t, now)+" ("+t.ExpiresAt.Local().Format("2006-01-02 15:04:05")+")")
		row("Refresh token", secret(t.RefreshToken))
		row("Health", string(t.RefreshHealth()))
		row("Last refresh", lastRefresh(t, now))
		if t.LastError != "" {
			row("Last error", t.LastError)
		}
	} else {
		row("Tokens", "none yet: to get them, "+grantHint(p.Name))
	}
	w.Flush()
	if len(events) > 0 {
		fmt.Fprintln(e.Stdout, "\nRecent events:")
		for _, ev := range events {
			fmt.Fprintf(e.Stdout, "  %s  %-8s %s\n", ev.At.Local().Format("2006-01-02 15:04:05"), model.Printable(string(ev.Kind)), model.Printable(ev.Detail))
		}
	}
	return nil
}
