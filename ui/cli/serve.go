package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"ztm/model"
	"ztm/ui/app"
	"ztm/ui/app/service"
	"ztm/vault"
)

// ServeOptions are the options of ztm serve.
type ServeOptions struct {
	F               *Factory
	Listen          string
	TLSCert, TLSKey string
}

// DefaultListen is where ztm serve listens without --listen.
const DefaultListen = "127.0.0.1:8377"

// NewCmdServe is `ztm serve`, with grant, revoke and grants.
func NewCmdServe(f *Factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	o := &ServeOptions{F: f}
	cmd := &cobra.Command{
		Use:   "serve [--listen 127.0.0.1:8377] [--tls-cert FILE --tls-key FILE]",
		Short: "serve access tokens over HTTP to readers with a credential",
		Long: `The token server: machines that need access tokens (CI runners, servers) ask it
with a reader credential (ztm serve grant) and get access tokens for the
profiles the credential covers, never a refresh token or a client secret. It
refreshes each token once for every reader, ahead of time for tokens asked
for in the last hour. Off loopback it needs --tls-cert and --tls-key. It
unlocks the vault itself (ZTM_PASSPHRASE, the terminal, or a key file), so it
keeps serving when an agent forgets its key. One JSON log line per request on
stderr, never a secret. Readers use: ztm token NAME --server URL with
ZTM_SERVER_TOKEN set, or GET /v1/token/NAME with Authorization: Bearer.`,
		Example: `  ztm serve --listen 127.0.0.1:8377
  ztm serve --listen 0.0.0.0:8377 --tls-cert cert.pem --tls-key key.pem`,
		Args: noArgsButSubcommands,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runServe(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Listen, "listen", DefaultListen, "host:port to listen on (off loopback, TLS is required)")
	cmd.Flags().StringVar(&o.TLSCert, "tls-cert", "", "the TLS certificate (PEM)")
	cmd.Flags().StringVar(&o.TLSKey, "tls-key", "", "the TLS certificate's private key (PEM)")
	cmd.AddCommand(NewCmdServeGrant(f, nil), newCmdServeRevoke(f), newCmdServeGrants(f))
	return cmd
}

func runServe(ctx context.Context, o *ServeOptions) error {
	f := o.F
	p, err := f.existingPaths()
	if err != nil {
		return err
	}
	ln, err := service.ListenTCP(o.Listen, o.TLSCert, o.TLSKey)
	if errors.Is(err, service.ErrTLSRequired) {
		return usageErr{err.Error()}
	}
	if err != nil {
		return err
	}
	defer ln.Close()
	// The server's own key, not the agent's: it must not stop serving
	// when an agent forgets.
	key, err := vault.LoadKey(p.Identity, f.passphrase(p))
	if err != nil {
		return err
	}
	dcs, err := app.LoadDataCenters(f.appEnv())
	if err != nil {
		return err
	}
	v, err := vault.Open(p, key, vault.Options{Now: f.Env.Now})
	if err != nil {
		return err
	}
	f.warn(v)
	scheme := "http"
	if o.TLSCert != "" {
		scheme = "https"
	}
	url := scheme + "://" + ln.Addr().String()
	log := slog.New(slog.NewJSONHandler(f.Env.Stderr, nil))
	opts := service.Options{Env: f.appEnv(), Paths: p, Log: log}
	return service.RunServer(ctx, opts, app.NewSession(f.appEnv(), v, dcs), key, ln, func(*service.Service) {
		log.Info("listening", "url", url, "vault", p.Vault, "pid", os.Getpid())
	})
}

// GrantOptions are the options of ztm serve grant.
type GrantOptions struct {
	F        *Factory
	Name     string
	Profiles string
	Expires  string
}

// NewCmdServeGrant is `ztm serve grant NAME --profiles GLOBS`.
func NewCmdServeGrant(f *Factory, runF func(context.Context, *GrantOptions) error) *cobra.Command {
	o := &GrantOptions{F: f}
	cmd := &cobra.Command{
		Use:   "grant NAME --profiles GLOB[,GLOB] [--expires 30d]",
		Short: "make a reader credential for the token server",
		Long: `Prints the new credential alone on the last line of stdout; it is shown only
this once (the vault keeps its SHA-256 hash). The reader may read the profiles
whose names match a glob (* and ?), until --expires (days or hours) or until
revoked. Granting an existing NAME replaces its credential. A running server
accepts it at once.`,
		Example: `  ztm serve grant ci --profiles 'crm-*,books-eu' --expires 30d
  export ZTM_SERVER_TOKEN=$(ztm serve grant ci --profiles 'crm-*')`,
		Args: exactArgs(1, "a name for the credential"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if o.Profiles == "" {
				return usagef("grant needs --profiles, the profiles the credential may read: %s", usageLine(cmd))
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runGrant(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Profiles, "profiles", "", "comma-separated profile names or globs the credential may read")
	cmd.Flags().StringVar(&o.Expires, "expires", "", "how long it works: days (30d) or hours (12h); default until revoked")
	return cmd
}

func runGrant(ctx context.Context, o *GrantOptions) error {
	e := o.F.Env
	globs, err := service.ParseGlobs(o.Profiles)
	if err != nil {
		return usageErr{err.Error()}
	}
	ttl, err := service.ParseExpiry(o.Expires)
	if err != nil {
		return usageErr{err.Error()}
	}
	s, err := o.F.Open()
	if err != nil {
		return err
	}
	defer s.Close()
	cred, err := service.Grant(ctx, s.Vault, o.Name, service.GrantOptions{Globs: globs, TTL: ttl})
	if err != nil {
		return err
	}
	until := "until revoked"
	if ttl > 0 {
		until = "until " + e.Now().Add(ttl).Local().Format("2006-01-02 15:04")
	}
	fmt.Fprintf(e.Stderr, "ztm: %s may read %s %s. The credential below is shown only this once: store it where the reader runs (as %s).\n",
		o.Name, model.Printable(strings.Join(globs, ",")), until, service.EnvServerToken)
	_, err = fmt.Fprintln(e.Stdout, cred)
	return err
}

func newCmdServeRevoke(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "revoke NAME",
		Short:   "delete a reader credential; a running server refuses it at once",
		Example: "  ztm serve revoke ci",
		Args:    exactArgs(1, "the credential's name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Open()
			if err != nil {
				return err
			}
			defer s.Close()
			err = service.Revoke(cmd.Context(), s.Vault, args[0])
			if errors.Is(err, service.ErrNoReader) {
				return exitStatus{code: ExitNoProfile, msg: fmt.Sprintf("%v %s: %s lists them",
					service.ErrNoReader, model.Echo(args[0]), mustCommand("serve grants"))}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(f.Env.Stdout, "revoked %s\n", args[0])
			return nil
		},
	}
}

func newCmdServeGrants(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "grants",
		Short:   "list the reader credentials (never the credentials themselves)",
		Example: "  ztm serve grants",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := f.Open()
			if err != nil {
				return err
			}
			defer s.Close()
			rs, err := service.Grants(s.Vault)
			if err != nil {
				return err
			}
			return printGrants(f.Env, rs)
		},
	}
}

func printGrants(e Env, rs []service.ReaderInfo) error {
	if len(rs) == 0 {
		fmt.Fprintf(e.Stderr, "no reader credentials yet: %s makes one\n", mustCommand("serve grant", "NAME", "--profiles", "'crm-*'"))
		return nil
	}
	const day = "2006-01-02 15:04"
	now := e.Now()
	w := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tPROFILES\tCREATED\tEXPIRES")
	for _, r := range rs {
		exp := "never"
		switch {
		case r.Expired(now):
			exp = "expired " + r.Expires.Local().Format(day)
		case !r.Expires.IsZero():
			exp = r.Expires.Local().Format(day) + " (in " + model.FormatRemaining(r.Expires.Sub(now)) + ")"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", model.Printable(r.Name), model.Printable(strings.Join(r.Globs, ",")),
			r.Created.Local().Format(day), exp)
	}
	return w.Flush()
}
