package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"ztm/model"
	"ztm/oauth"
)

// ConsentOptions are the options of ztm consent.
type ConsentOptions struct {
	F    *Factory
	Name string
}

// NewCmdConsent is `ztm consent NAME`: a new grant for a profile that has
// one no longer (revoked, deleted after 20 newer ones) or never had one.
func NewCmdConsent(f *Factory, runF func(context.Context, *ConsentOptions) error) *cobra.Command {
	o := &ConsentOptions{F: f}
	cmd := &cobra.Command{
		Use:   "consent NAME",
		Short: "get a new grant for a profile (after a revoke, say)",
		Long: `For a Self Client, generate a code in the API Console (Generate Code tab) and
give it on stdin or at the prompt. For a server-based client, ztm prints the
consent URL: open it, consent, and give the URL the browser landed on. The
new tokens replace the old ones, whose refresh token is revoked at Zoho.
A Non-browser client signs in from the dashboard (the device flow).`,
		Example: `  ztm consent crm-eu
  echo "$CODE" | ztm consent crm-eu`,
		Args:              exactArgs(1, "one profile name"),
		ValidArgsFunction: completeProfiles(f, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runConsent(cmd.Context(), o)
		},
	}
	return cmd
}

func runConsent(ctx context.Context, o *ConsentOptions) error {
	e := o.F.Env
	s, p, err := o.F.OpenProfile(o.Name)
	if err != nil {
		return err
	}
	defer s.Close()
	in := secretReader(e)
	var state, verifier string
	prompt := "Grant code (or the URL the browser landed on): "
	switch p.ClientType {
	case model.NonBrowserClient:
		return usagef("%s signs in with the device flow: %s", p.Name, dashGrantHint(p.Name))
	case model.ServerClient:
		c, err := s.Zoho.NewConsent(p, oauth.ConsentOptions{PKCE: true})
		if err != nil {
			return err
		}
		state, verifier = c.State, c.Verifier
		fmt.Fprintf(e.Stderr, "Open this page, consent, and give the URL the browser lands on:\n%s\n", c.URL)
		prompt = "The URL the browser landed on: "
	}
	pasted, err := in(prompt)
	if err != nil {
		return err
	}
	g, err := oauth.ParsePasted(pasted, state, s.DCs)
	if err != nil {
		return err
	}
	saved, err := s.SaveGrant(ctx, p, g, verifier)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.Stdout, "%s has new tokens: access token valid until %s\n", saved.Name, saved.Token.ExpiresAt.Local().Format("15:04:05"))
	return err
}

// NewCmdKeepAlive is `ztm keep-alive NAME on|off`.
func NewCmdKeepAlive(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "keep-alive NAME on|off",
		Short: "let a running dashboard refresh a profile before it expires",
		Long: `A profile kept alive is refreshed a few minutes before its access token
expires, for as long as a dashboard (ztm) runs.`,
		Example: `  ztm keep-alive crm-eu on`,
		Args:    exactArgs(2, "a profile and on or off"),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, s string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) == 1 {
				return []cobra.Completion{"on", "off"}, cobra.ShellCompDirectiveNoFileComp
			}
			return completeProfiles(f, 1)(cmd, args, s)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var on bool
			switch args[1] {
			case "on":
				on = true
			case "off":
			default:
				return usagef("keep-alive takes on or off, not %q", cut(args[1]))
			}
			s, err := f.Open()
			if err != nil {
				return err
			}
			defer s.Close()
			if err := s.SetKeepAlive(cmd.Context(), args[0], on); err != nil {
				return err
			}
			_, err = fmt.Fprintf(f.Env.Stdout, "keep-alive %s for %s\n", args[1], args[0])
			return err
		},
	}
}
