package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"ztm/model"
)

// TokenOptions are the options of token, header and exec.
type TokenOptions struct {
	F        *Factory
	Name     string
	MinValid time.Duration
	JSON     bool
	// Strict fails when a refresh fails, even if the stored token is still
	// valid; by default that token is used, with a warning.
	Strict bool
	// Command is exec's command line (after --).
	Command []string
	// Server is --server: a token server's URL (else ZTM_SERVER); with
	// one, the token comes from it and no vault is opened.
	Server string
}

// addTokenFlags registers the flags token, header and exec share.
func addTokenFlags(cmd *cobra.Command, o *TokenOptions) {
	cmd.Flags().DurationVar(&o.MinValid, "min-valid", 5*time.Minute, "refresh when the token has less than this left")
	cmd.Flags().BoolVar(&o.Strict, "strict", false, "fail when a needed refresh fails, even if the stored token is still valid")
	cmd.Flags().StringVar(&o.Server, "server", "", "ask this token server (ztm serve) instead of the vault; the credential is $ZTM_SERVER_TOKEN (default: $ZTM_SERVER)")
	cmd.ValidArgsFunction = completeProfiles(o.F, 1)
}

// NewCmdToken is `ztm token NAME`.
func NewCmdToken(f *Factory, runF func(context.Context, *TokenOptions) error) *cobra.Command {
	o := &TokenOptions{F: f}
	cmd := &cobra.Command{
		Use:   "token NAME [--min-valid 5m] [--json] [--strict] [--server URL]",
		Short: "print a valid access token for a profile",
		Long: `Prints only the token on stdout, refreshing it first (once, whatever the
number of ztm processes asking) when it has less than --min-valid left.
If that refresh fails while the stored token is still valid, the stored
token is printed with a warning on stderr (--strict makes it a failure).
An unlocked agent (ztm unlock) answers first, so no passphrase is asked;
with --server (or ZTM_SERVER) the token comes from a token server (ztm
serve) with the credential in ZTM_SERVER_TOKEN, and no vault is needed.`,
		Example: `  curl -H "Authorization: Zoho-oauthtoken $(ztm token crm-eu)" https://www.zohoapis.eu/crm/v8/org
  ztm token books --json | jq -r .expires_at
  ZTM_SERVER_TOKEN=ztmr_... ztm token crm-eu --server https://tokens.example.com:8377`,
		Args: profileArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = f.nameArg(cmd, args)
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runToken(cmd.Context(), o)
		},
	}
	addTokenFlags(cmd, o)
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print token, expiry, API domain and DC as JSON")
	return cmd
}

// NewCmdHeader is `ztm header NAME`.
func NewCmdHeader(f *Factory, runF func(context.Context, *TokenOptions) error) *cobra.Command {
	o := &TokenOptions{F: f}
	cmd := &cobra.Command{
		Use:     "header NAME [--min-valid 5m] [--strict] [--server URL]",
		Short:   "print the Authorization header for a profile",
		Example: `  curl -H "$(ztm header crm-eu)" https://www.zohoapis.eu/crm/v8/org`,
		Args:    profileArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = f.nameArg(cmd, args)
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			p, err := freshToken(cmd.Context(), o)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(f.Env.Stdout, model.AuthorizationHeader(p.Token.AccessToken))
			return err
		},
	}
	addTokenFlags(cmd, o)
	return cmd
}

func runToken(ctx context.Context, o *TokenOptions) error {
	e := o.F.Env
	p, err := freshToken(ctx, o)
	if err != nil {
		return err
	}
	if !o.JSON {
		_, err = fmt.Fprintln(e.Stdout, p.Token.AccessToken)
		return err
	}
	return writeJSON(e, map[string]any{
		"access_token":    p.Token.AccessToken,
		"expires_at":      p.Token.ExpiresAt.UTC().Format(time.RFC3339),
		"expires_in":      int(p.Token.Remaining(e.Now()).Seconds()),
		"api_domain":      p.APIDomain,
		"accounts_server": p.AccountsServer,
		"dc":              p.DC,
		"header":          "Zoho-oauthtoken " + p.Token.AccessToken,
	})
}

// freshToken unlocks the vault and returns the profile with a token valid
// for at least MinValid. When the refresh that needed fails but the stored
// token has not expired, that token is returned with a warning: a script
// that asked for five minutes' margin is better served by a token valid
// for three than by none (unless --strict).
func freshToken(ctx context.Context, o *TokenOptions) (model.Profile, error) {
	e := o.F.Env
	// A token server or an unlocked agent answers without the vault's key.
	if p, ok, err := tokenFromService(ctx, o); ok {
		return p, err
	}
	v, err := o.F.openVault()
	if err != nil {
		return model.Profile{}, err
	}
	defer v.Close()
	if err := o.F.resolveName(v, &o.Name); err != nil {
		return model.Profile{}, err
	}
	// The common case, a valid token, needs neither the lock nor Zoho's
	// table of data centers.
	stored, serr := v.Profile(o.Name)
	if serr == nil && stored.Token != nil && stored.Token.ValidFor(e.Now(), o.MinValid) {
		return stored, nil
	}
	s, err := o.F.withZoho(v)
	if err != nil {
		return model.Profile{}, err
	}
	f, err := s.FreshToken(ctx, o.Name, o.MinValid)
	if err == nil {
		return f.Profile, nil
	}
	err = withHint(err, o.Name)
	if o.Strict || serr != nil || stored.Token == nil || errors.Is(err, context.Canceled) {
		return model.Profile{}, err
	}
	// Re-read: another process may have refreshed it meanwhile.
	if p, rerr := v.Profile(o.Name); rerr == nil && p.Token != nil && p.Token.AccessToken != "" && p.Token.Remaining(e.Now()) > 0 {
		fmt.Fprintf(e.Stderr, "ztm: warning: %s was not refreshed (%s); using the stored token, valid for %s (--strict makes this an error)\n",
			p.Name, oneLine(err), model.FormatRemaining(p.Token.Remaining(e.Now())))
		return p, nil
	}
	return model.Profile{}, err
}

func writeJSON(e Env, v any) error {
	enc := json.NewEncoder(e.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
