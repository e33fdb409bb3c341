package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"ztm/model"
	"ztm/ui/app"
	"ztm/vault"
)

// AddOptions are the options of ztm add: a profile described by flags,
// its secret (and code) read from stdin or the terminal.
type AddOptions struct {
	F                                        *Factory
	Name, DC, Server, Type, ClientID, Scopes string
	Redirect, Consent, Tags, Notes           string
	KeepAlive, Code                          bool
	// Grant is --grant: how to get the grant now (it implies the client
	// type, and --type is then not needed).
	Grant string
	// Environment and SOID are --environment and --soid.
	Environment, SOID string
	// Wait bounds a loopback grant's wait for the browser.
	Wait time.Duration
}

// NewCmdAdd is `ztm add NAME ...`.
func NewCmdAdd(f *Factory, runF func(context.Context, *AddOptions) error) *cobra.Command {
	o := &AddOptions{F: f}
	cmd := &cobra.Command{
		Use: `add NAME --dc DC --grant self|loopback|paste|device|client-credentials --client-id ID --scopes LIST [options]
add NAME --dc DC --type self|server|device --client-id ID --scopes LIST [--code] [options]`,
		Short: "add a profile without the dashboard (for automation)",
		Long: `The client secret, and with --code the grant code, are read from stdin (one a
line) or asked for on the terminal: never from the command line, where other
users could see them. With --code the code is exchanged at once and the
profile is saved with its tokens, or not at all. The code line may also be the
whole URL the browser landed on after consent. Without --code the profile is
saved without tokens; get them later with ztm consent NAME.

--grant gets the grant now, by the path named (it implies the client type):
self reads a Self Client code; paste prints the consent URL and reads the
URL the browser landed on; loopback listens on the --redirect-uri, opens the
consent page and waits (--wait) for the browser to come back; device shows a
code to type on another device and waits for it; client-credentials asks
for a token with the client id and secret alone (--soid names the org where
the product needs one, such as ZohoCRM.<org id>). Progress goes to stderr;
Ctrl+C cancels and saves nothing.`,
		Example: `  printf '%s\n%s\n' "$SECRET" "$CODE" | ztm add crm-eu --dc EU --type self \
      --client-id 1000.ABCDEF --scopes ZohoCRM.modules.ALL,AaaServer.profile.READ --code
  ztm add books --dc IN --type server --client-id 1000.XYZ \
      --redirect-uri http://localhost:8765/callback --scopes ZohoBooks.fullaccess.all
  ztm add books --dc IN --grant loopback --client-id 1000.XYZ \
      --redirect-uri http://localhost:8765/callback --scopes ZohoBooks.fullaccess.all
  echo "$SECRET" | ztm add crm-cc --dc EU --grant client-credentials --client-id 1000.ABCDEF \
      --scopes ZohoCRM.modules.ALL --soid ZohoCRM.12345678 --environment sandbox`,
		Args: exactArgs(1, "one profile name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runAdd(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.DC, "dc", "", "data center: US, EU, IN, AU, JP, CA, SA, UK, CN or AE (ztm dc list shows them)")
	fl.StringVar(&o.Server, "accounts-server", "", "a custom accounts server URL instead of --dc")
	fl.StringVar(&o.Type, "type", "self", "client type: self, server or device")
	fl.StringVar(&o.ClientID, "client-id", "", "the client id from the API Console (1000.XXXX)")
	fl.StringVar(&o.Scopes, "scopes", "", "comma-separated scopes, such as ZohoCRM.modules.ALL")
	fl.StringVar(&o.Redirect, "redirect-uri", "", "the redirect URI registered for a server-based client")
	fl.StringVar(&o.Consent, "consent", "user", "user or org consent")
	fl.StringVar(&o.Tags, "tags", "", "comma-separated tags")
	fl.StringVar(&o.Notes, "notes", "", "free-form notes")
	fl.BoolVar(&o.KeepAlive, "keep-alive", false, "let a running dashboard refresh this profile before it expires")
	fl.BoolVar(&o.Code, "code", false, "read a grant code (or redirect URL) after the secret and exchange it")
	addGrantFlags(cmd, o)
	cmd.RegisterFlagCompletionFunc("dc", completeDCs(f))
	cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions([]cobra.Completion{"self", "server", "device"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("consent", cobra.FixedCompletions([]cobra.Completion{"user", "org"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// spec is what the flags describe, for app.BuildProfile.
func (o *AddOptions) spec(secret string) (app.Spec, error) {
	sp := app.Spec{Name: o.Name, DC: o.DC, AccountsServer: o.Server, RedirectURI: o.Redirect,
		ClientID: o.ClientID, ClientSecret: secret, Scopes: o.Scopes, Tags: o.Tags, Notes: o.Notes, KeepAlive: o.KeepAlive,
		Environment: model.Environment(o.Environment), SOID: o.SOID}
	var err error
	if sp.Consent, err = model.ParseConsent(o.Consent); err != nil {
		return sp, usageErr{err.Error()}
	}
	if o.Grant != "" {
		if sp.Grant, err = app.ParseGrant(o.Grant); err != nil {
			return sp, usageErr{err.Error()}
		}
		return sp, nil
	}
	ct, err := model.ParseClientType(o.Type)
	if err != nil {
		return sp, usageErr{err.Error()}
	}
	switch ct {
	case model.SelfClient:
		sp.Grant = model.GrantPasteCode
	case model.NonBrowserClient:
		sp.Grant = model.GrantDeviceFlow
	default:
		sp.Grant = model.GrantPasteURL
		if _, _, ok := model.LoopbackRedirect(model.CleanPasted(o.Redirect)); ok {
			sp.Grant = model.GrantLoopback
		}
	}
	return sp, nil
}

// build checks the flags and the secret; a mistake is a usage error.
func (o *AddOptions) build(secret string, dcs model.DataCenters) (model.Profile, error) {
	sp, err := o.spec(secret)
	if err != nil {
		return model.Profile{}, err
	}
	p, err := app.BuildProfile(sp, dcs)
	if app.IsUsage(err) {
		return p, usageErr{err.Error()}
	}
	return p, err
}

func runAdd(ctx context.Context, o *AddOptions) error {
	e := o.F.Env
	if err := model.ValidateName(o.Name); err != nil {
		return usageErr{err.Error()}
	}
	s, err := o.F.ForChange().Open()
	if err != nil {
		return err
	}
	defer s.Close()
	// Check the flags before asking for anything: a stand-in secret lets
	// every other mistake show first.
	if _, err := o.build("stand-in-secret", s.DCs); err != nil {
		return err
	}
	if _, err := s.Vault.Profile(o.Name); err == nil {
		return fmt.Errorf("%w: %q; pick another name, or %s first", vault.ErrProfileExists, o.Name, mustCommand("rm", o.Name))
	}
	in := secretReader(e)
	secret, err := in("Client secret: ")
	if err != nil {
		return err
	}
	p, err := o.build(secret, s.DCs)
	if err != nil {
		return err
	}
	if !o.Code && o.Grant == "" {
		if _, err := s.Create(ctx, p); err != nil {
			return err
		}
		_, err := fmt.Fprintf(e.Stdout, "saved %s without tokens; to get them, %s\n", p.Name, grantHint(p.Name))
		return err
	}
	g := grantRun{f: o.F, s: s, in: in, wait: o.Wait}
	if o.Grant != "" {
		// paste on a loopback redirect: the grant asked, not the one implied.
		g.method, _ = app.ParseGrant(o.Grant)
	}
	saved, err := g.run(ctx, p, nil)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.Stdout, savedLine("saved "+saved.Name, saved))
	return err
}

// addGrantFlags registers --grant, --environment, --soid and --wait, which
// add, edit and consent share (consent takes --grant and --wait only).
func addGrantFlags(cmd *cobra.Command, o *AddOptions) {
	fl := cmd.Flags()
	fl.StringVar(&o.Grant, "grant", "", grantFlagHelp)
	fl.StringVar(&o.Environment, "environment", "", "production, sandbox or developer: which kind of org the tokens are for")
	fl.StringVar(&o.SOID, "soid", "", "for client-credentials: the org, as ZohoCRM.<org id>")
	fl.DurationVar(&o.Wait, "wait", app.DefaultLoopbackWait, "how long a loopback grant waits for the browser")
	cmd.RegisterFlagCompletionFunc("grant", cobra.FixedCompletions(grantNames, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("environment", cobra.FixedCompletions([]cobra.Completion{"production", "sandbox", "developer"}, cobra.ShellCompDirectiveNoFileComp))
}

// completeDCs completes --dc with the data centers ztm knows.
func completeDCs(f *Factory) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		dcs, err := app.LoadDataCenters(f.appEnv())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, dc := range dcs.All() {
			out = append(out, cobra.CompletionWithDesc(dc.ID, dc.AccountsServer))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
