package cli

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"ztm/model"
	"ztm/ui/app"
	"ztm/vault"
)

// RefreshOptions are the options of ztm refresh.
type RefreshOptions struct {
	F          *Factory
	Names      []string
	All        bool
	MinValid   time.Duration
	OverBudget bool
}

// NewCmdRefresh is `ztm refresh NAME... | --all`.
func NewCmdRefresh(f *Factory, runF func(context.Context, *RefreshOptions) error) *cobra.Command {
	o := &RefreshOptions{F: f}
	cmd := &cobra.Command{
		Use:   "refresh NAME... | --all [--min-valid 15m] [--over-budget]",
		Short: "refresh access tokens now",
		Long: `NAME refreshes those profiles now. --all refreshes every profile whose token
is expired or has less than --min-valid left, a few at a time, in one save.
ztm refuses a refresh that would pass Zoho's limit of 10 in 10 minutes
(Zoho would throttle it) unless --over-budget is given.`,
		Example: `  ztm refresh crm-eu
  ztm refresh --all`,
		ValidArgsFunction: completeProfiles(f, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Names = args
			if o.All == (len(args) > 0) {
				return usagef("give profile names or --all: %s", usageLine(cmd))
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runRefresh(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.All, "all", false, "refresh every profile that is expired or expiring")
	cmd.Flags().DurationVar(&o.MinValid, "min-valid", model.SoonThreshold, "with --all: refresh tokens with less than this left")
	cmd.Flags().BoolVar(&o.OverBudget, "over-budget", false, "refresh even past Zoho's 10 refreshes in 10 minutes")
	return cmd
}

func runRefresh(ctx context.Context, o *RefreshOptions) error {
	e := o.F.Env
	s, err := o.F.ForChange().Open()
	if err != nil {
		return err
	}
	defer s.Close()
	ro := app.RefreshOptions{Force: !o.All, Margin: o.MinValid, OverBudget: o.OverBudget}
	if !o.All {
		out, err := s.Refresh(ctx, o.Names, ro)
		if err != nil {
			return err
		}
		// One profile named: its error is the one line report prints.
		if len(out) == 1 && out[0].Err != nil {
			return withHint(out[0].Err, o.Names[0])
		}
		return reportRefreshes(e, o.Names, out)
	}
	profiles, _, err := s.Profiles()
	if err != nil {
		return err
	}
	taken, out, err := s.RefreshExpiring(ctx, o.MinValid, ro)
	if err != nil {
		return err
	}
	// Every profile that could be refreshed gets a line: those the rule
	// took, with their outcome, and the others as still valid.
	var names []string
	var all []vault.Fresh
	for _, p := range profiles {
		if !app.CanRefresh(p) {
			continue
		}
		f := vault.Fresh{Profile: p}
		if i := slices.Index(taken, p.Name); i >= 0 {
			f = out[i]
		}
		names, all = append(names, p.Name), append(all, f)
	}
	if len(names) == 0 {
		fmt.Fprintln(e.Stderr, "no profile has a refresh token yet: nothing to refresh")
		return nil
	}
	return reportRefreshes(e, names, all)
}

// reportRefreshes prints a line per profile and fails with the first
// failure's exit code when any failed.
func reportRefreshes(e Env, names []string, out []vault.Fresh) error {
	var failed []error
	now := e.Now()
	for i, f := range out {
		switch {
		case f.Err != nil:
			err := withHint(f.Err, names[i])
			fmt.Fprintf(e.Stderr, "%s: %v\n", names[i], err)
			failed = append(failed, err)
		case f.Refreshed:
			fmt.Fprintf(e.Stdout, "%s: refreshed, valid until %s (%s); %d of Zoho's 10 refreshes used in the last 10 minutes\n",
				f.Profile.Name, f.Profile.Token.ExpiresAt.Local().Format(time.TimeOnly),
				model.FormatRemaining(f.Profile.Token.Remaining(now)), f.Budget.Used)
		default:
			fmt.Fprintf(e.Stdout, "%s: still valid for %s, not refreshed\n", f.Profile.Name, model.FormatRemaining(f.Profile.Token.Remaining(now)))
		}
	}
	if len(failed) == 0 {
		return nil
	}
	// The lines above name each failure; exit with the code of the first.
	return fmt.Errorf("%d of %d refreshes failed; the first: %w", len(failed), len(out), failed[0])
}
