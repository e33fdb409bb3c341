package cli

import (
	"context"
	"errors"
	"fmt"

	"ztm/model"
	"ztm/vault"
)

var rmCmd = &command{
	name:    "rm",
	summary: "delete a profile (optionally revoking its refresh token at Zoho)",
	usage: `ztm rm NAME [--revoke] [--yes]

--revoke asks Zoho to revoke the refresh token first, so it stops working
everywhere; if Zoho cannot be reached the profile is kept. On a terminal ztm
asks before deleting; elsewhere --yes is required.

Examples:
  ztm rm old-sandbox --revoke
  ztm rm ci-books --yes`,
	run: runRm,
}

var renameCmd = &command{
	name:    "rename",
	summary: "rename a profile",
	usage: `ztm rename OLD NEW

Example:
  ztm rename crm crm-eu`,
	run: runRename,
}

func runRm(ctx context.Context, e Env, g *globals, c *command, args []string) error {
	fs := newFlags(e, c, g)
	revoke := fs.Bool("revoke", false, "revoke the refresh token at Zoho before deleting")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	name, err := parseName(fs, args, "rm")
	if err != nil {
		return err
	}
	s, p, err := openProfile(e, g, name)
	if err != nil {
		return err
	}
	defer s.close()
	if !*yes {
		if e.Prompt == nil {
			return usagef("deleting %s needs confirmation: add --yes", p.Name)
		}
		if !e.confirm(fmt.Sprintf("Delete profile %s (%s, %s)?", p.Name, dcLabel(p), orDash(p.Account))) {
			return fmt.Errorf("kept %s", p.Name)
		}
	}
	if *revoke && p.Token != nil && p.Token.RefreshToken != "" {
		err := s.zoho.Revoke(ctx, p, p.Token.RefreshToken)
		switch {
		case errors.Is(err, model.ErrRefreshRevoked):
			// Zoho no longer knows it: what --revoke wanted is done.
			fmt.Fprintf(e.Stdout, "the refresh token of %s was already revoked at Zoho\n", p.Name)
		case err != nil:
			return fmt.Errorf("%w; %s was kept (run again without --revoke to delete it anyway)", err, p.Name)
		default:
			fmt.Fprintf(e.Stdout, "revoked the refresh token of %s at Zoho\n", p.Name)
		}
	}
	err = s.v.Update(ctx, func(tx *vault.Tx) error {
		if *revoke {
			if err := tx.AddEvent(model.Event{Profile: p.Name, Kind: model.EventRevoke}); err != nil {
				return err
			}
			if err := tx.RevokeGrants(p.Name, false); err != nil {
				return err
			}
		}
		return tx.DeleteProfile(p.Name)
	})
	if err == nil {
		fmt.Fprintf(e.Stdout, "deleted %s\n", p.Name)
	}
	return err
}

func runRename(ctx context.Context, e Env, g *globals, c *command, args []string) error {
	fs := newFlags(e, c, g)
	args, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 2 {
		return usagef("rename needs the old and the new name: ztm rename OLD NEW")
	}
	s, err := openSession(e, g)
	if err != nil {
		return err
	}
	defer s.close()
	err = s.v.Update(ctx, func(tx *vault.Tx) error { return tx.RenameProfile(args[0], args[1]) })
	if err == nil {
		fmt.Fprintf(e.Stdout, "renamed %s to %s\n", args[0], args[1])
	}
	return err
}
