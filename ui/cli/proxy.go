package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"ztm/ui/app"
	"ztm/ui/app/service"
)

// DefaultProxyListen is where ztm proxy listens unless told otherwise.
const DefaultProxyListen = "127.0.0.1:8787"

// ProxyOptions are the options of ztm proxy.
type ProxyOptions struct {
	F               *Factory
	Listen          string
	Profile         string
	TLSCert, TLSKey string
	// Ready, when set, is called with the address once it listens (tests).
	Ready func(addr string)
}

// NewCmdProxy is `ztm proxy`.
func NewCmdProxy(f *Factory, runF func(context.Context, *ProxyOptions) error) *cobra.Command {
	o := &ProxyOptions{F: f}
	cmd := &cobra.Command{
		Use:   "proxy [--listen 127.0.0.1:8787] [--profile NAME] [--tls-cert FILE --tls-key FILE]",
		Short: "forward local HTTP requests to Zoho's APIs with each profile's token",
		Long: `http://127.0.0.1:8787/NAME/PATH goes to profile NAME's API domain + PATH, with
Authorization: Zoho-oauthtoken and the profile's token (any Authorization the
caller sent is dropped). With --profile NAME, / is that profile's API domain,
so an SDK or Postman with a base-URL setting works unchanged.

Tokens are refreshed before they expire, once for all requests; when Zoho
answers that a token is dead it is refreshed once and the request sent once
more (a request body is kept for that only up to 1 MiB). Bodies stream both
ways. One JSON line per request on stderr: method, profile, path (the query's
names, not its values), status, milliseconds.

A running agent (ztm unlock) opens the vault, so a passphrase vault asks for
nothing more; without one ztm asks as every command does. On an address other
than loopback the proxy needs --tls-cert and --tls-key, and each request a
reader credential of the token server (ztm serve grant), sent as
Authorization: Bearer CREDENTIAL.`,
		Example: `  ztm proxy
  curl http://127.0.0.1:8787/crm-eu/crm/v8/org
  ztm proxy --profile crm-eu --listen 127.0.0.1:9000   # base URL http://127.0.0.1:9000`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runProxy(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Listen, "listen", DefaultProxyListen, "the address to listen on")
	fl.StringVar(&o.Profile, "profile", "", "send every request to this profile (base URL mode)")
	fl.StringVar(&o.TLSCert, "tls-cert", "", "a TLS certificate (required off loopback)")
	fl.StringVar(&o.TLSKey, "tls-key", "", "the certificate's key")
	return cmd
}

func runProxy(ctx context.Context, o *ProxyOptions) error {
	e := o.F.Env
	ln, err := service.ListenTCP(o.Listen, o.TLSCert, o.TLSKey)
	if err != nil {
		if errors.Is(err, service.ErrTLSRequired) {
			return usagef("%v", err)
		}
		return err
	}
	sess, err := o.open(ctx)
	if err != nil {
		ln.Close()
		return err
	}
	if o.Profile != "" {
		if _, err := sess.Vault.Profile(o.Profile); err != nil {
			ln.Close()
			sess.Close()
			return err
		}
	}
	p, _ := o.F.Paths()
	log := slog.New(slog.NewJSONHandler(e.Stderr, nil))
	so := service.Options{Env: o.F.appEnv(), Paths: p, Log: log}
	po := service.ProxyOptions{Profile: o.Profile, Log: log}
	return service.RunProxy(ctx, so, sess, nil, ln, po, func(*service.Service) {
		scheme := "http"
		if o.TLSCert != "" {
			scheme = "https"
		}
		base := fmt.Sprintf("%s://%s/PROFILE/", scheme, ln.Addr())
		if o.Profile != "" {
			base = fmt.Sprintf("%s://%s/ (%s)", scheme, ln.Addr(), o.Profile)
		}
		fmt.Fprintf(e.Stderr, "ztm proxy: forwarding %s to the API domain with the token; Ctrl+C stops it\n", base)
		if o.Ready != nil {
			o.Ready(ln.Addr().String())
		}
	})
}

// open unlocks the vault through the agent when one runs unlocked for
// it, else as every command does.
func (o *ProxyOptions) open(ctx context.Context) (*app.Session, error) {
	p, err := o.F.Paths()
	if err != nil {
		return nil, err
	}
	c := service.NewAgentClient(service.AgentSocketPath(o.F.Env.Getenv)).ForVault(p.Vault)
	sess, err := service.OpenWithAgent(ctx, o.F.appEnv(), c, p, app.OpenOptions{})
	if err == nil {
		return sess, nil
	}
	if !errors.Is(err, service.ErrNoAgent) && !errors.Is(err, service.ErrLocked) {
		return nil, err
	}
	return o.F.Open()
}
