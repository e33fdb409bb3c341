package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"ztm/model"
	"ztm/ui/app"
	"ztm/ui/app/service"
)

// maxStdinBody bounds a request body read from stdin, which is kept for
// the one retry after a dead token.
const maxStdinBody = 64 << 20

// APIOptions are the options of ztm api.
type APIOptions struct {
	F       *Factory
	Profile string
	Target  string
	Method  string
	Headers []string
	// RawFields are -f key=value (strings); TypedFields -F key=value
	// (true, false, null, numbers, @file).
	RawFields, TypedFields []string
	Input                  string
	Include, Silent        bool
	Paginate               bool
	Server                 string
}

// NewCmdAPI is `ztm api [NAME] PATH`.
func NewCmdAPI(f *Factory, runF func(context.Context, *APIOptions) error) *cobra.Command {
	o := &APIOptions{F: f}
	cmd := &cobra.Command{
		Use:   "api [NAME] PATH [-X METHOD] [-H 'Name: value'] [-f key=value] [-F key=value] [--input FILE|-] [--paginate] [--include] [--silent]",
		Short: "call a Zoho API with a profile's token",
		Long: `PATH is a path on the profile's API domain (/crm/v8/org), or a full URL on
one of its Zoho API hosts (Desk and others live on their own, such as
https://desk.zoho.eu/api/v1/tickets). Any other host is refused before a
token is read. NAME may be left out when ZTM_PROFILE or a .ztm-profile file names the profile.

The token comes from a running agent (ztm unlock), a token server
(--server or ZTM_SERVER, with ZTM_SERVER_TOKEN), or the vault. When Zoho
answers that the token is dead (CRM INVALID_TOKEN, Books code 57, Desk
INVALID_OAUTH), it is refreshed once and the call sent once more, never
more. Other refusals are explained in one line on stderr; Zoho's body
stays on stdout.

-f adds a string field, -F a typed one (true, false, null, a number, or
@FILE for a file's text): query parameters for GET and DELETE, else a
JSON body (the method becomes POST unless -X or --paginate says otherwise). --paginate
follows CRM's and Books' paging and prints one JSON array of every record.
JSON is indented and coloured on a terminal, and left as sent when piped.

Exit codes: 0 a 2xx or 3xx answer; 2 no such profile; 3 the vault is
locked; 4 Zoho answered 4xx (404 too: the profile exists, the resource
does not), or refused the refresh; 5 Zoho answered 5xx or could not be
reached; 1 anything else, such as a refused host.`,
		Example: `  ztm api crm-eu /crm/v8/org
  ztm api crm-eu /crm/v8/Leads --paginate > leads.json
  ztm api books-in /books/v3/invoices -f organization_id=123 --paginate
  ztm api crm-eu /crm/v8/Leads -F 'data=@lead.json' --include
  ztm api desk-us https://desk.zoho.com/api/v1/tickets -H 'orgId: 123'`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 1:
				// The default profile is read without the vault (ZTM_PROFILE,
				// .ztm-profile): a foreign host is refused before anything opens.
				name, _, err := f.outsideDefault()
				if err != nil {
					return err
				}
				if o.Profile, o.Target = name, args[0]; o.Profile == "" {
					return usagef("api needs a profile: give NAME, set %s, or write it in %s: %s", EnvProfile, ProfileFile, usageLine(cmd))
				}
			case 2:
				o.Profile, o.Target = args[0], args[1]
			default:
				return usagef("api needs a profile and a path: %s", usageLine(cmd))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runAPI(cmd.Context(), o)
		},
		ValidArgsFunction: completeProfiles(f, 1),
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Method, "method", "X", "", "the HTTP method (default GET, or POST with fields)")
	fl.StringArrayVarP(&o.Headers, "header", "H", nil, "a request header, 'Name: value' (repeatable)")
	fl.StringArrayVarP(&o.RawFields, "raw-field", "f", nil, "a string field key=value (repeatable)")
	fl.StringArrayVarP(&o.TypedFields, "field", "F", nil, "a typed field key=value: true, false, null, numbers, @FILE (repeatable)")
	fl.StringVar(&o.Input, "input", "", "the request body from FILE, or - for stdin")
	fl.BoolVarP(&o.Include, "include", "i", false, "print the status line and headers before the body")
	fl.BoolVar(&o.Silent, "silent", false, "print no body")
	fl.BoolVar(&o.Paginate, "paginate", false, "follow CRM and Books paging; print one JSON array of every record")
	fl.StringVar(&o.Server, "server", "", "a token server's URL (default $ZTM_SERVER); its credential in $ZTM_SERVER_TOKEN")
	return cmd
}

func runAPI(ctx context.Context, o *APIOptions) error {
	e := o.F.Env
	req, err := o.request()
	if err != nil {
		return err
	}
	dcs, err := app.LoadDataCenters(o.F.appEnv())
	if err != nil {
		return err
	}
	// Refused before any vault, agent or server is asked for anything.
	if err := app.PrecheckTarget(dcs, req.Target); err != nil {
		return usagef("%v", err)
	}
	src, closeSrc, err := o.tokens()
	if err != nil {
		return err
	}
	defer closeSrc()
	api := &app.APIClient{Tokens: src, DCs: dcs, HTTP: apiHTTP(e.HTTP)}
	if o.Paginate {
		var out io.Writer = e.Stdout
		var buf bytes.Buffer
		if e.StdoutIsTerminal {
			out = &buf
		}
		resp, err := api.Paginate(ctx, req, out)
		if buf.Len() > 0 && !o.Silent {
			writePretty(e, buf.Bytes())
		}
		if err != nil {
			return apiError(err, o.Profile)
		}
		if resp != nil {
			return o.show(resp)
		}
		return nil
	}
	resp, err := api.Do(ctx, req)
	if err != nil {
		return apiError(err, o.Profile)
	}
	return o.show(resp)
}

// apiHTTP is the HTTP client of API calls: the environment's transport,
// never following a redirect, which would carry the token along.
func apiHTTP(hc *http.Client) *http.Client {
	if hc == nil {
		return nil
	}
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// show prints an answer and turns its status into the exit code.
func (o *APIOptions) show(resp *app.APIResponse) error {
	e := o.F.Env
	defer resp.Body.Close()
	if o.Include {
		fmt.Fprintf(e.Stdout, "HTTP/1.1 %d %s\n", resp.Status, http.StatusText(resp.Status))
		resp.Header.Write(e.Stdout)
		fmt.Fprintln(e.Stdout)
	}
	if !o.Silent {
		if err := writeBody(e, resp); err != nil {
			return err
		}
	} else {
		io.Copy(io.Discard, resp.Body)
	}
	if resp.Status < 400 {
		return nil
	}
	code := ExitZoho
	if resp.Status >= 500 {
		code = ExitNetwork
	}
	return exitStatus{code: code, msg: explainStatus(resp)}
}

// explainStatus is the one line said about an error answer: the
// explanation ztm knows for the product's code, else the status and code.
func explainStatus(resp *app.APIResponse) string {
	if resp.Verdict.Explanation != "" {
		return resp.Verdict.Explanation
	}
	who := "Zoho"
	if resp.Product != "" {
		who = string(resp.Product)
	}
	msg := fmt.Sprintf("%s answered HTTP %d %s", who, resp.Status, http.StatusText(resp.Status))
	if resp.Verdict.Code != "" {
		msg += " (" + model.Printable(resp.Verdict.Code) + ")"
	}
	if resp.Renewed {
		msg += " after one refresh of a dead token"
	}
	return msg + "; the body is on stdout"
}

// apiError gives a failure before any answer its exit code: the service's
// errors (agent, token server) carry their own.
func apiError(err error, profile string) error {
	var se *service.Error
	switch {
	case errors.Is(err, app.ErrForeignHost), errors.Is(err, app.ErrNoPaging):
		return usagef("%v", err)
	case errors.As(err, &se):
		return exitStatus{code: service.ExitCode(err), msg: se.Message}
	case errors.Is(err, service.ErrUnreachable):
		return exitStatus{code: ExitNetwork, msg: err.Error()}
	}
	return withHint(err, profile)
}

// tokens picks where tokens come from: a token server when one is named,
// else the agent when it runs unlocked for this vault, else the vault.
func (o *APIOptions) tokens() (app.TokenSource, func(), error) {
	e := o.F.Env
	if base, cred := service.ServerFromEnv(o.Server, e.Getenv); base != "" {
		c, err := service.NewServerClient(base, cred, nil)
		if err != nil {
			return nil, nil, usagef("%v", err)
		}
		return c.APITokens(), func() {}, nil
	}
	agent := service.NewAgentClient(service.AgentSocketPath(e.Getenv))
	if p, err := o.F.Paths(); err == nil {
		agent = agent.ForVault(p.Vault)
	}
	src := &agentOrVault{f: o.F, agent: agent.APITokens()}
	return src, src.close, nil
}

// agentOrVault asks the agent, and opens the vault itself when no agent
// runs or it is locked, as every command does without one.
type agentOrVault struct {
	f     *Factory
	agent app.TokenSource
	sess  *app.Session
	vault app.TokenSource
}

func (a *agentOrVault) use(ctx context.Context) error {
	if a.vault != nil {
		return nil
	}
	s, err := a.f.Open()
	if err != nil {
		return err
	}
	a.sess, a.vault = s, s.APITokens()
	return nil
}

func (a *agentOrVault) fallBack(err error) bool {
	return errors.Is(err, service.ErrNoAgent) || errors.Is(err, service.ErrLocked)
}

func (a *agentOrVault) Target(ctx context.Context, name string) (model.Profile, error) {
	if a.vault == nil {
		p, err := a.agent.Target(ctx, name)
		if !a.fallBack(err) {
			return p, err
		}
		if err := a.use(ctx); err != nil {
			return model.Profile{}, err
		}
	}
	return a.vault.Target(ctx, name)
}

func (a *agentOrVault) source() app.TokenSource {
	if a.vault != nil {
		return a.vault
	}
	return a.agent
}

func (a *agentOrVault) Token(ctx context.Context, name string, minValid time.Duration) (string, error) {
	return a.source().Token(ctx, name, minValid)
}

func (a *agentOrVault) Renew(ctx context.Context, name, refused string) (string, error) {
	return a.source().Renew(ctx, name, refused)
}

func (a *agentOrVault) close() {
	if a.sess != nil {
		a.sess.Close()
	}
}

// openInput opens --input: a file, opened again for a retry, or stdin,
// read once and kept.
func (o *APIOptions) openInput() (func() (io.ReadCloser, error), error) {
	if o.Input != "-" {
		name := o.Input
		if _, err := os.Stat(name); err != nil {
			return nil, usagef("--input %s: %v", cut(name), errors.Unwrap(err))
		}
		return func() (io.ReadCloser, error) { return os.Open(name) }, nil
	}
	data, err := io.ReadAll(io.LimitReader(o.F.Env.Stdin, maxStdinBody+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxStdinBody {
		return nil, usagef("--input -: stdin is over %d MiB; give a file with --input FILE", maxStdinBody>>20)
	}
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, nil
}

// isJSON reports whether a content type is JSON's.
func isJSON(contentType string) bool {
	ct, _, _ := strings.Cut(contentType, ";")
	ct = strings.TrimSpace(strings.ToLower(ct))
	return ct == "application/json" || strings.HasSuffix(ct, "+json")
}
