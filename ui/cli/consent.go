package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"ztm/model"
	"ztm/ui/app"
)

// ConsentOptions are the options of ztm consent.
type ConsentOptions struct {
	F    *Factory
	Name string
	// Grant is --grant: another path the client allows (paste instead of
	// loopback); empty takes the profile's own.
	Grant string
	// Wait bounds a loopback grant's wait for the browser.
	Wait time.Duration
}

// NewCmdConsent is `ztm consent NAME`: a new grant for a profile that has
// one no longer (revoked, deleted after 20 newer ones) or never had one.
func NewCmdConsent(f *Factory, runF func(context.Context, *ConsentOptions) error) *cobra.Command {
	o := &ConsentOptions{F: f}
	cmd := &cobra.Command{
		Use:   "consent NAME [--grant self|loopback|paste|device|client-credentials] [--wait 5m]",
		Short: "get a new grant for a profile (after a revoke, say)",
		Long: `Takes the grant path the profile's client implies (what the dashboard's new
consent does). For a Self Client, generate a code in the API Console
(Generate Code tab) and give it on stdin or at the prompt. For a server-based
client, ztm prints the consent URL: with a loopback redirect it listens and
catches the answer (--grant paste to give the URL the browser landed on
instead); otherwise give that URL. A Non-browser client shows a code to type
on another device. A client-credentials profile asks Zoho again. The new
tokens replace the old ones, whose refresh token is revoked at Zoho; the
profile keeps its history. Ctrl+C cancels and changes nothing.`,
		Example: `  ztm consent crm-eu
  echo "$CODE" | ztm consent crm-eu
  ztm consent books --grant paste`,
		Args:              profileArg,
		ValidArgsFunction: completeProfiles(f, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = f.nameArg(cmd, args)
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runConsent(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Grant, "grant", "", grantFlagHelp)
	cmd.Flags().DurationVar(&o.Wait, "wait", app.DefaultLoopbackWait, "how long a loopback grant waits for the browser")
	cmd.RegisterFlagCompletionFunc("grant", cobra.FixedCompletions(grantNames, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runConsent(ctx context.Context, o *ConsentOptions) error {
	e := o.F.Env
	var method model.GrantMethod
	if o.Grant != "" {
		m, err := app.ParseGrant(o.Grant)
		if err != nil {
			return usageErr{err.Error()}
		}
		method = m
	}
	s, p, err := o.F.ForChange().OpenProfile(o.Name)
	if err != nil {
		return err
	}
	defer s.Close()
	// Refuse a path the client cannot take before asking for anything.
	if _, err := app.GrantFor(p, method); err != nil {
		return usageErr{err.Error()}
	}
	g := grantRun{f: o.F, s: s, in: secretReader(e), wait: o.Wait, method: method}
	saved, err := g.run(ctx, p, nil)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.Stdout, savedLine(saved.Name+" has new tokens", saved))
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
			s, err := f.ForChange().Open()
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
