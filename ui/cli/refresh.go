package cli

import (
	"context"
	"fmt"
	"time"

	"ztm/model"
	"ztm/vault"
)

var refreshCmd = &command{
	name:    "refresh",
	summary: "refresh access tokens now",
	usage: `ztm refresh NAME... | --all [--min-valid 15m] [--over-budget]

NAME refreshes those profiles now. --all refreshes every profile whose token
is expired or has less than --min-valid left, a few at a time, in one save.
ztm refuses a refresh that would pass Zoho's limit of 10 in 10 minutes
(Zoho would throttle it) unless --over-budget is given.

Examples:
  ztm refresh crm-eu
  ztm refresh --all`,
	run: runRefresh,
}

func runRefresh(ctx context.Context, e Env, g *globals, c *command, args []string) error {
	fs := newFlags(e, c, g)
	all := fs.Bool("all", false, "refresh every profile that is expired or expiring")
	minValid := fs.Duration("min-valid", model.SoonThreshold, "with --all: refresh tokens with less than this left")
	over := fs.Bool("over-budget", false, "refresh even past Zoho's 10 refreshes in 10 minutes")
	names, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *all == (len(names) > 0) {
		return usagef("give profile names or --all: ztm refresh NAME... | --all")
	}
	s, err := openSession(e, g)
	if err != nil {
		return err
	}
	defer s.close()
	o := vault.FreshOptions{Force: !*all, Margin: *minValid, OverBudget: *over, Concurrency: 4}
	if *all {
		profiles, err := s.v.Profiles()
		if err != nil {
			return err
		}
		for _, p := range profiles {
			if p.Token != nil && p.Token.RefreshToken != "" {
				names = append(names, p.Name)
			}
		}
	}
	if len(names) == 0 {
		fmt.Fprintln(e.Stderr, "no profile has a refresh token yet: nothing to refresh")
		return nil
	}
	out, err := s.v.FreshTokens(ctx, names, o, s.refresh(), nil)
	if err != nil {
		return err
	}
	// One profile named: its error is the one line report prints.
	if len(out) == 1 && !*all && out[0].Err != nil {
		return out[0].Err
	}
	var failed []error
	now := e.Now()
	for i, f := range out {
		switch {
		case f.Err != nil:
			fmt.Fprintf(e.Stderr, "%s: %v\n", names[i], f.Err)
			failed = append(failed, f.Err)
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
