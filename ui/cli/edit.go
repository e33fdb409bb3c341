package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"ztm/model"
	"ztm/oauth"
	"ztm/ui/app"
)

// EditOptions are the options of ztm edit: the flags given change the
// profile, the others keep what it has.
type EditOptions struct {
	F     *Factory
	Name  string
	Flags *pflag.FlagSet
	AddOptions
	// Secret reads a new client secret from stdin or the terminal.
	Secret bool
}

// NewCmdEdit is `ztm edit NAME [flags]`.
func NewCmdEdit(f *Factory, runF func(context.Context, *EditOptions) error) *cobra.Command {
	o := &EditOptions{F: f}
	cmd := &cobra.Command{
		Use:   "edit NAME [--scopes LIST] [--tags LIST] [--notes TEXT] [--secret] [--code] [options]",
		Short: "change a profile's settings",
		Long: `Only the options given change. A change to what the grant was made for (data
center, client, client type, redirect URI, consent kind, scopes) needs a new
consent: give --code and the code (or the URL the browser landed on) on stdin
or at the prompt, and the change is saved with the new tokens; without
--code nothing is saved. --secret reads a new client secret the same way.`,
		Example: `  ztm edit crm-eu --tags prod,crm --notes "the EU org"
  echo "$CODE" | ztm edit crm-eu --scopes ZohoCRM.modules.ALL,ZohoCRM.settings.READ --code`,
		Args:              exactArgs(1, "one profile name"),
		ValidArgsFunction: completeProfiles(f, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name, o.Flags = args[0], cmd.Flags()
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runEdit(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.DC, "dc", "", "move to this data center")
	fl.StringVar(&o.Server, "accounts-server", "", "a custom accounts server URL instead of --dc")
	fl.StringVar(&o.Type, "type", "", "client type: self, server or device")
	fl.StringVar(&o.ClientID, "client-id", "", "the client id from the API Console")
	fl.StringVar(&o.Scopes, "scopes", "", "comma-separated scopes (replaces the list)")
	fl.StringVar(&o.Redirect, "redirect-uri", "", "the registered redirect URI")
	fl.StringVar(&o.Consent, "consent", "", "user or org consent")
	fl.StringVar(&o.Tags, "tags", "", "comma-separated tags (replaces the list)")
	fl.StringVar(&o.Notes, "notes", "", "free-form notes")
	fl.BoolVar(&o.KeepAlive, "keep-alive", false, "let a running dashboard refresh it before it expires")
	fl.BoolVar(&o.Secret, "secret", false, "read a new client secret from stdin or the terminal")
	fl.BoolVar(&o.Code, "code", false, "read a grant code (or redirect URL) and consent again with the changes")
	cmd.RegisterFlagCompletionFunc("dc", completeDCs(f))
	return cmd
}

// merged is the profile's own settings, overridden by the flags given.
func (o *EditOptions) merged(p model.Profile) *AddOptions {
	a := &AddOptions{Name: p.Name, DC: p.DC, ClientID: p.ClientID, Scopes: model.JoinScopes(p.Scopes),
		Redirect: p.RedirectURI, Consent: string(p.Consent), Tags: strings.Join(p.Tags, ","), Notes: p.Notes,
		KeepAlive: p.KeepAlive, Type: string(p.ClientType)}
	if p.DC == "" {
		a.Server = p.AccountsServer
	}
	set := func(flag string, dst *string, v string) {
		if o.Flags != nil && o.Flags.Changed(flag) {
			*dst = v
		}
	}
	set("dc", &a.DC, o.DC)
	set("accounts-server", &a.Server, o.Server)
	if o.Flags != nil && o.Flags.Changed("dc") && !o.Flags.Changed("accounts-server") {
		a.Server = ""
	}
	if o.Flags != nil && o.Flags.Changed("accounts-server") && !o.Flags.Changed("dc") {
		a.DC = ""
	}
	set("type", &a.Type, o.Type)
	set("client-id", &a.ClientID, o.ClientID)
	set("scopes", &a.Scopes, o.Scopes)
	set("redirect-uri", &a.Redirect, o.Redirect)
	set("consent", &a.Consent, o.Consent)
	set("tags", &a.Tags, o.Tags)
	set("notes", &a.Notes, o.Notes)
	if o.Flags != nil && o.Flags.Changed("keep-alive") {
		a.KeepAlive = o.KeepAlive
	}
	return a
}

func runEdit(ctx context.Context, o *EditOptions) error {
	e := o.F.Env
	s, old, err := o.F.OpenProfile(o.Name)
	if err != nil {
		return err
	}
	defer s.Close()
	a := o.merged(old)
	in := secretReader(e)
	secret := old.ClientSecret
	if o.Secret {
		if secret, err = in("New client secret: "); err != nil {
			return err
		}
	}
	sp, err := a.spec(secret)
	if err != nil {
		return err
	}
	sp.Orig, sp.Environment, sp.SOID = &old, old.Environment, old.SOID
	if old.ClientCredentials {
		sp.Grant = model.GrantClientCredentials
	}
	p, err := app.BuildProfile(sp, s.DCs)
	if app.IsUsage(err) {
		return usageErr{err.Error()}
	} else if err != nil {
		return err
	}
	if o.Code {
		pasted, err := in("Grant code (or the URL the browser landed on): ")
		if err != nil {
			return err
		}
		g, err := oauth.ParsePasted(pasted, "", s.DCs)
		if err != nil {
			return err
		}
		saved, err := s.SaveGrant(ctx, p, g, "")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.Stdout, "saved %s with new tokens: access token valid until %s\n", saved.Name, saved.Token.ExpiresAt.Local().Format("15:04:05"))
		return err
	}
	ed, err := s.Edit(ctx, old, p, "from the command line")
	if err != nil {
		return err
	}
	if ed.NeedsConsent {
		return usagef("this change to %s needs a new consent, so nothing was saved: run it again with --code and give a new code (or the URL the browser landed on)", old.Name)
	}
	_, err = fmt.Fprintf(e.Stdout, "saved %s\n", ed.Profile.Name)
	return err
}
