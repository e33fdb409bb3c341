package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"ztm/model"
	"ztm/oauth"
	"ztm/vault"
)

var addCmd = &command{
	name:    "add",
	summary: "add a profile without the dashboard (for automation)",
	usage: `ztm add NAME --dc DC --type self|server|device --client-id ID --scopes LIST [options]

The client secret, and with --code the grant code, are read from stdin (one a
line) or asked for on the terminal: never from the command line, where other
users could see them. With --code the code is exchanged at once and the
profile is saved with its tokens, or not at all. The code line may also be the
whole URL the browser landed on after consent. Without --code the profile is
saved without tokens; finish it in the dashboard (ztm).

Examples:
  printf '%s\n%s\n' "$SECRET" "$CODE" | ztm add crm-eu --dc EU --type self \
      --client-id 1000.ABCDEF --scopes ZohoCRM.modules.ALL,AaaServer.profile.READ --code
  ztm add books --dc IN --type server --client-id 1000.XYZ \
      --redirect-uri http://localhost:8765/callback --scopes ZohoBooks.fullaccess.all`,
	run: runAdd,
}

type addFlags struct {
	dc, server, typ, clientID, scopes, redirect, consent, tags, notes string
	keepAlive, code                                                   bool
}

func (a *addFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&a.dc, "dc", "", "data center: US, EU, IN, AU, JP, CA, SA, UK or CN")
	fs.StringVar(&a.server, "accounts-server", "", "a custom accounts server URL instead of --dc")
	fs.StringVar(&a.typ, "type", "self", "client type: self, server or device")
	fs.StringVar(&a.clientID, "client-id", "", "the client id from the API Console (1000.XXXX)")
	fs.StringVar(&a.scopes, "scopes", "", "comma-separated scopes, such as ZohoCRM.modules.ALL")
	fs.StringVar(&a.redirect, "redirect-uri", "", "the redirect URI registered for a server-based client")
	fs.StringVar(&a.consent, "consent", "user", "user or org consent")
	fs.StringVar(&a.tags, "tags", "", "comma-separated tags")
	fs.StringVar(&a.notes, "notes", "", "free-form notes")
	fs.BoolVar(&a.keepAlive, "keep-alive", false, "let a running dashboard refresh this profile before it expires")
	fs.BoolVar(&a.code, "code", false, "read a grant code (or redirect URL) after the secret and exchange it")
}

// profile builds and validates the profile the flags describe.
func (a *addFlags) profile(name string, dcs model.DataCenters) (model.Profile, error) {
	p := model.Profile{Name: name, ClientID: strings.TrimSpace(a.clientID), RedirectURI: strings.TrimSpace(a.redirect), Notes: a.notes, KeepAlive: a.keepAlive}
	var err error
	if p.ClientType, err = model.ParseClientType(a.typ); err != nil {
		return p, usageErr{err.Error()}
	}
	if p.Consent, err = model.ParseConsent(a.consent); err != nil {
		return p, usageErr{err.Error()}
	}
	switch {
	case a.server != "" && a.dc != "":
		return p, usagef("give --dc or --accounts-server, not both")
	case a.server != "":
		if err := model.ValidateServerURL(a.server); err != nil {
			return p, usageErr{err.Error()}
		}
		p.AccountsServer = model.NormalizeServerURL(a.server)
		if dc, ok := dcs.ByAccountsServer(p.AccountsServer); ok {
			p.DC = dc.ID
		}
	default:
		dc, ok := dcs.ByID(a.dc)
		if !ok {
			return p, usagef("--dc %q: use one of %s, or --accounts-server URL", a.dc, strings.Join(dcs.IDs(), ", "))
		}
		p.DC, p.AccountsServer, p.APIDomain = dc.ID, dc.AccountsServer, dc.APIDomain
	}
	if p.Scopes, err = model.ParseScopes(a.scopes); err != nil {
		return p, usageErr{err.Error()}
	}
	if p.Tags, err = model.ParseTags(a.tags); err != nil {
		return p, usageErr{err.Error()}
	}
	return p, nil
}

func runAdd(ctx context.Context, e Env, g *globals, c *command, args []string) error {
	var a addFlags
	fs := newFlags(e, c, g)
	a.add(fs)
	name, err := parseName(fs, args, "add")
	if err != nil {
		return err
	}
	if err := model.ValidateName(name); err != nil {
		return usageErr{err.Error()}
	}
	s, err := openSession(e, g)
	if err != nil {
		return err
	}
	defer s.close()
	p, err := a.profile(name, s.dcs)
	if err != nil {
		return err
	}
	if _, err := s.v.Profile(name); err == nil {
		return fmt.Errorf("%w: %q; pick another name, or ztm rm it first", vault.ErrProfileExists, name)
	}
	in := secretReader(e)
	if p.ClientSecret, err = in("Client secret: "); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return usageErr{err.Error()}
	}
	if !a.code {
		err := s.v.Update(ctx, func(tx *vault.Tx) error { return tx.CreateProfile(&p) })
		if err == nil {
			fmt.Fprintf(e.Stdout, "saved %s without tokens; open the dashboard (ztm), select it and press g to get a grant\n", p.Name)
		}
		return err
	}
	pasted, err := in("Grant code (or the URL the browser landed on): ")
	if err != nil {
		return err
	}
	grant, err := oauth.ParsePasted(pasted, "", s.dcs)
	if err != nil {
		return err
	}
	// Announce the move only to a data center ztm knows: SaveGrant refuses
	// to send the secret anywhere else.
	if dc, ok := grant.OtherDC(p, s.dcs); ok && knownServer(s.dcs, dc.AccountsServer) {
		fmt.Fprintf(e.Stderr, "ztm: the code came from %s, not %s: exchanging it at %s\n", dc.ID, dcLabel(p), dc.AccountsServer)
	}
	saved, err := s.app.SaveGrant(ctx, p, grant, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "saved %s: access token valid until %s", saved.Name, saved.Token.ExpiresAt.Local().Format("15:04:05"))
	if saved.Token.RefreshToken == "" {
		fmt.Fprint(e.Stdout, " (no refresh token: the grant was for online access)")
	}
	fmt.Fprintln(e.Stdout)
	return nil
}

func knownServer(dcs model.DataCenters, server string) bool {
	_, ok := dcs.ByAccountsServer(server)
	return ok
}

// secretReader returns a function that reads the next secret: a line of
// stdin when it is a pipe, else a prompt on the terminal without echo.
func secretReader(e Env) func(prompt string) (string, error) {
	lines := bufio.NewReader(e.Stdin)
	return func(prompt string) (string, error) {
		if !e.StdinIsTerminal {
			line, err := lines.ReadString('\n')
			if err != nil && !(errors.Is(err, io.EOF) && line != "") {
				return "", usagef("expected a line on stdin for %q", strings.TrimSuffix(prompt, ": "))
			}
			return model.CleanPasted(line), nil
		}
		if e.Prompt == nil {
			return "", usagef("no terminal to ask for %q: pipe it on stdin", strings.TrimSuffix(prompt, ": "))
		}
		s, err := e.Prompt.Secret(prompt)
		return model.CleanPasted(s), err
	}
}
