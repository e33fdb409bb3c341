package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// RmOptions are the options of ztm rm.
type RmOptions struct {
	F      *Factory
	Name   string
	Revoke bool
	Yes    bool
}

// NewCmdRm is `ztm rm NAME`.
func NewCmdRm(f *Factory, runF func(context.Context, *RmOptions) error) *cobra.Command {
	o := &RmOptions{F: f}
	cmd := &cobra.Command{
		Use:   "rm NAME [--revoke] [--yes]",
		Short: "delete a profile (optionally revoking its refresh token at Zoho)",
		Long: `--revoke asks Zoho to revoke the refresh token first, so it stops working
everywhere; if Zoho cannot be reached the profile is kept. On a terminal ztm
asks before deleting; elsewhere --yes is required.`,
		Example: `  ztm rm old-sandbox --revoke
  ztm rm ci-books --yes`,
		Args:              exactArgs(1, "one profile name"),
		ValidArgsFunction: completeProfiles(f, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runRm(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.Revoke, "revoke", false, "revoke the refresh token at Zoho before deleting")
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func runRm(ctx context.Context, o *RmOptions) error {
	e := o.F.Env
	s, p, err := o.F.ForChange().OpenProfile(o.Name)
	if err != nil {
		return err
	}
	defer s.Close()
	if !o.Yes {
		if e.Prompt == nil {
			return usagef("deleting %s needs confirmation: add --yes", p.Name)
		}
		ok, err := e.confirm(fmt.Sprintf("Delete profile %s (%s, %s)?", p.Name, dcLabel(p), orDash(p.Account)))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("kept %s", p.Name)
		}
	}
	d, err := s.Delete(ctx, p.Name, o.Revoke)
	if err != nil {
		if o.Revoke {
			return fmt.Errorf("%w (run again without --revoke to delete it anyway)", err)
		}
		return err
	}
	switch {
	case d.AlreadyRevoked:
		fmt.Fprintf(e.Stdout, "the refresh token of %s was already revoked at Zoho\n", p.Name)
	case d.Revoked:
		fmt.Fprintf(e.Stdout, "revoked the refresh token of %s at Zoho\n", p.Name)
	}
	fmt.Fprintf(e.Stdout, "deleted %s\n", p.Name)
	return nil
}

// NewCmdRename is `ztm rename OLD NEW`.
func NewCmdRename(f *Factory, runF func(ctx context.Context, oldName, newName string) error) *cobra.Command {
	return &cobra.Command{
		Use:               "rename OLD NEW",
		Short:             "rename a profile",
		Example:           "  ztm rename crm crm-eu",
		Args:              exactArgs(2, "the old and the new name"),
		ValidArgsFunction: completeProfiles(f, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), args[0], args[1])
			}
			s, err := f.ForChange().Open()
			if err != nil {
				return err
			}
			defer s.Close()
			if err := s.Rename(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			_, err = fmt.Fprintf(f.Env.Stdout, "renamed %s to %s\n", args[0], args[1])
			return err
		},
	}
}
