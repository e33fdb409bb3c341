package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"ztm/model"
	"ztm/ui/app"
)

// DoctorOptions are the options of ztm doctor.
type DoctorOptions struct {
	F     *Factory
	Names []string
	All   bool
	JSON  bool
}

// NewCmdDoctor is `ztm doctor [NAME... | --all] [--json]`.
func NewCmdDoctor(f *Factory, runF func(context.Context, *DoctorOptions) error) *cobra.Command {
	o := &DoctorOptions{F: f}
	cmd := &cobra.Command{
		Use:   "doctor [NAME... | --all] [--json]",
		Short: "check that profiles work: tokens, budget, clock, and a call to the product",
		Long: `Checks each named profile (every profile with --all, or with no name): its
access token and expiry, how much of Zoho's refresh budget it used, the last
refusal and the way out, the clock's skew against Zoho's Date header, how
many of the client's 20 refresh tokens ztm knows of, and, when the scopes
allow one, a call to the product's cheapest endpoint (CRM GET /crm/v8/org,
Books GET /books/v3/organizations, Desk GET /api/v1/organizations, Accounts
GET /oauth/user/info), whose refusals are explained in a sentence.

doctor spends at most one refresh per profile: when its access token has
expired, or when the product says the token is dead, and only within Zoho's
10 refreshes per 10 minutes. It says so on stderr before it does. A refresh
token Zoho already refused is not tried again.

Exit codes: 0 every profile is healthy; 4 a profile is unhealthy (Zoho or
the product refused it, or cannot be asked); 5 Zoho could not be reached
(and no profile was unhealthy).`,
		Example: `  ztm doctor crm-eu
  ztm doctor --all --json | jq '.profiles[] | select(.verdict != "healthy")'`,
		ValidArgsFunction: completeProfiles(f, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Names = args
			if o.All && len(args) > 0 {
				return usagef("give profile names or --all, not both: %s", usageLine(cmd))
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runDoctor(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.All, "all", false, "check every profile (the default when no name is given)")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the checkups as JSON (no secrets)")
	return cmd
}

func runDoctor(ctx context.Context, o *DoctorOptions) error {
	e := o.F.Env
	s, err := o.F.Open()
	if err != nil {
		return err
	}
	defer s.Close()
	names := o.Names
	if len(names) == 0 {
		ps, err := s.Vault.Profiles()
		if err != nil {
			return err
		}
		for _, p := range ps {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 && !o.JSON {
		fmt.Fprintln(e.Stderr, "no profiles yet: nothing to check")
		return nil
	}
	opts := app.CheckupOptions{BeforeRefresh: func(name string, b model.RefreshBudget) {
		fmt.Fprintf(e.Stderr, "doctor will refresh %s once (%d of %d used)\n", model.Printable(name), b.Used, model.RefreshLimit)
	}}
	var all []app.Checkup
	for i, name := range names {
		c, err := s.Checkup(ctx, name, opts)
		if err != nil {
			return withHint(err, name)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		all = append(all, c)
		if !o.JSON {
			if i > 0 {
				fmt.Fprintln(e.Stdout)
			}
			printCheckup(e, c)
		}
	}
	if o.JSON {
		if err := writeJSON(e, doctorJSON(e, all)); err != nil {
			return err
		}
	}
	return doctorVerdict(all)
}

// doctorVerdict is the exit: 4 when any profile is unhealthy, else 5 when
// any could not be checked, else 0. The message names them.
func doctorVerdict(all []app.Checkup) error {
	var bad, unreachable []string
	for _, c := range all {
		switch c.Verdict {
		case app.Unhealthy:
			bad = append(bad, model.Printable(c.Profile))
		case app.Unreachable:
			unreachable = append(unreachable, model.Printable(c.Profile))
		}
	}
	switch {
	case len(bad) > 0:
		return exitStatus{code: ExitZoho, msg: fmt.Sprintf("%d of %d profiles unhealthy: %s (the lines above say what to do)",
			len(bad), len(all), strings.Join(bad, ", "))}
	case len(unreachable) > 0:
		return exitStatus{code: ExitNetwork, msg: fmt.Sprintf("could not check %s: Zoho was unreachable; check the network and try again",
			strings.Join(unreachable, ", "))}
	}
	return nil
}
