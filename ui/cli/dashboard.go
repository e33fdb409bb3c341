package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"ztm/oauth/fakezoho"
	"ztm/ui/app"
	"ztm/ui/demo"
	"ztm/ui/tui"
)

// runDashboard starts the TUI on the vault the flags and environment name.
func runDashboard(ctx context.Context, f *Factory) error {
	e := f.Env
	p, err := f.Paths()
	if err != nil {
		return err
	}
	dcs, err := app.LoadDataCenters(f.appEnv())
	if err != nil {
		return err
	}
	clear, err := clipboardClear(e)
	if err != nil {
		return err
	}
	return e.runTUI(ctx, tui.Config{
		Paths: p, DCs: dcs, OAuth: app.NewOAuthClient(f.appEnv(), dcs),
		Now: e.Now, Getenv: e.Getenv, ScryptWorkFactor: e.ScryptWorkFactor, ClipboardClear: clear,
		AgentKey: AgentKeyFunc(e.Getenv),
	})
}

func (e Env) runTUI(ctx context.Context, cfg tui.Config) error {
	if e.RunTUI != nil {
		return e.RunTUI(ctx, cfg)
	}
	return tui.Run(ctx, cfg)
}

// NewCmdDemo is `ztm demo`. Its throwaway vault and key are removed
// however it ends: quit, Ctrl+C, kill (SIGTERM) or the terminal closing
// (SIGHUP), which all end the command's context rather than the process.
func NewCmdDemo(f *Factory, runF func(context.Context) error) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "try the dashboard against a built-in fake Zoho, with sample profiles",
		Long: `Starts a fake Zoho accounts service on loopback ports and a throwaway vault
with a dozen sample profiles in every data center (some expired, some about
to expire). Refresh, copy, delete and the guided set-up all work; the vault
is deleted on exit. The demo clients' secret is ` + fakezoho.DemoSecret + `.`,
		Example: "  ztm demo",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context())
			}
			return runDemo(cmd.Context(), f.Env)
		},
	}
}

func runDemo(ctx context.Context, e Env) error {
	d, err := demo.Start(e.Now())
	if err != nil {
		return fmt.Errorf("cannot start the demo: %w", err)
	}
	defer d.Close()
	// The guided set-up's Self Client path needs a code from the fake
	// console: tell the user where to get one.
	fmt.Fprintf(e.Stderr, "ztm demo: fake Zoho at %s (and one port per data center)\n", d.Cluster.URL("US"))
	aenv := app.Env{Now: e.Now, HTTP: e.HTTP, Getenv: e.Getenv}
	err = e.runTUI(ctx, tui.Config{
		Paths: d.Paths, DCs: d.DCs, OAuth: app.NewOAuthClient(aenv, d.DCs),
		Now: e.Now, Getenv: e.Getenv, Demo: "DEMO · fake Zoho", ClipboardClear: 45 * time.Second,
	})
	if ctx.Err() != nil {
		// Ended by a signal: the clean-up above is what mattered.
		return ctx.Err()
	}
	return err
}

// clipboardClear reads ZTM_CLIPBOARD_CLEAR, how long a copied token stays
// on the clipboard (a Go duration such as 30s or 2m; default 45s).
func clipboardClear(e Env) (time.Duration, error) {
	v := e.Getenv("ZTM_CLIPBOARD_CLEAR")
	if v == "" {
		return 45 * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		return 0, usagef("ZTM_CLIPBOARD_CLEAR=%q: give a duration of at least 1s, such as 30s or 2m", cut(v))
	}
	return d, nil
}
