package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"ztm/model"
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
		Use:   "edit NAME [--scopes LIST] [--tags LIST] [--notes TEXT] [--redirect-uri URI] [--environment ENV] [--secret] [--code] [options]",
		Short: "change a profile's settings",
		Long: `Only the options given change. A change to what the grant was made for (data
center, client, client type or --grant, redirect URI, consent kind, scopes,
environment, soid) needs a new consent. ztm says so and, on a terminal,
offers it; --code consents at once without asking. The consent takes the
profile's grant path: for a Self Client give the code (or the URL the
browser landed on) on stdin or at the prompt; loopback, paste and device run
as in ztm add. The change is saved with the new tokens, keeping the
profile's history, or not at all. --secret reads a new client secret the
same way (first, before any code).`,
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
	fl.BoolVar(&o.Code, "code", false, "consent again with the changes without asking (a Self Client reads its code)")
	addGrantFlags(cmd, &o.AddOptions)
	cmd.RegisterFlagCompletionFunc("dc", completeDCs(f))
	return cmd
}

// merged is the profile's own settings, overridden by the flags given.
func (o *EditOptions) merged(p model.Profile) *AddOptions {
	a := &AddOptions{Name: p.Name, DC: p.DC, ClientID: p.ClientID, Scopes: model.JoinScopes(p.Scopes),
		Redirect: p.RedirectURI, Consent: string(p.Consent), Tags: strings.Join(p.Tags, ","), Notes: p.Notes,
		KeepAlive: p.KeepAlive, Type: string(p.ClientType), Environment: string(p.Environment), SOID: p.SOID}
	if p.ClientCredentials {
		a.Grant = string(model.GrantClientCredentials)
	}
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
	if o.Flags != nil && o.Flags.Changed("type") && !o.Flags.Changed("grant") {
		a.Grant = "" // --type alone says the client type, hence the grant
	}
	set("grant", &a.Grant, o.Grant)
	set("environment", &a.Environment, o.Environment)
	set("soid", &a.SOID, o.SOID)
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
	s, old, err := o.F.ForChange().OpenProfile(o.Name)
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
	sp.Orig = &old
	p, err := app.BuildProfile(sp, s.DCs)
	if app.IsUsage(err) {
		return usageErr{err.Error()}
	} else if err != nil {
		return err
	}
	g := grantRun{f: o.F, s: s, in: in, wait: o.Wait}
	if o.Flags != nil && o.Flags.Changed("grant") {
		g.method = sp.Grant
	}
	if o.Code {
		return saveWithConsent(ctx, g, p, old)
	}
	ed, err := s.Edit(ctx, old, p, "from the command line")
	if err != nil {
		return err
	}
	if ed.NeedsConsent {
		yes, err := e.confirm(fmt.Sprintf("This change to %s changes what Zoho granted, so it needs a new consent. Consent now?", old.Name))
		if err != nil {
			return err
		}
		if !yes {
			return usagef("this change to %s needs a new consent, so nothing was saved: run it again with --code to consent at once", old.Name)
		}
		return saveWithConsent(ctx, g, p, old)
	}
	_, err = fmt.Fprintf(e.Stdout, "saved %s\n", ed.Profile.Name)
	return err
}

// saveWithConsent gets a new grant for the edited profile and saves the
// change with it, renaming only once the grant is in hand.
func saveWithConsent(ctx context.Context, g grantRun, p, old model.Profile) error {
	saved, err := g.run(ctx, p, &old)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(g.f.Env.Stdout, savedLine("saved "+saved.Name+" with new tokens", saved))
	return err
}
