package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"ztm/vault"
)

// VaultMigrateOptions are the options of ztm vault migrate.
type VaultMigrateOptions struct {
	F  *Factory
	To string
}

// NewCmdVaultMigrate is `ztm vault migrate --to postgres://...|FILE`.
func NewCmdVaultMigrate(f *Factory, runF func(*VaultMigrateOptions) error) *cobra.Command {
	o := &VaultMigrateOptions{F: f}
	cmd := &cobra.Command{
		Use:   "migrate --to postgres://USER@HOST:PORT/DB?sslmode=MODE | --to FILE",
		Short: "copy the vault into PostgreSQL, or out of it into a file",
		Long: `Copies the vault named by --vault (or ZTM_VAULT, or the default file) to a
new vault at --to: a PostgreSQL URL moves it in (the schema is created), a
path moves it out. The copy is encrypted to the same recipients, so the same
key opens it; nothing is written in plaintext. The source is left as it was:
point ZTM_VAULT or --vault at the new vault once you have checked it.`,
		Example: `  ztm vault migrate --to 'postgres://ci@db.example:5432/ztm?sslmode=verify-full'
  ztm vault migrate --vault postgres://ci@db.example/ztm --to ~/ztm-backup.age`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.To == "" {
				return usagef("vault migrate needs --to: a postgres:// URL or a file path")
			}
			if runF != nil {
				return runF(o)
			}
			return vaultMigrate(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.To, "to", "", "where the copy goes: a postgres:// URL or a file path")
	return cmd
}

func vaultMigrate(ctx context.Context, o *VaultMigrateOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	src, err := o.F.Paths()
	if err != nil {
		return err
	}
	getenv := func(k string) string {
		if k == vault.EnvVault || k == vault.EnvIdentity {
			return ""
		}
		return o.F.Env.Getenv(k)
	}
	dst, err := vault.ResolvePaths(o.To, "", getenv)
	if err != nil {
		return err
	}
	if dst.Vault == src.Vault {
		return usagef("vault migrate: --to names the vault being copied (%s)", src.Vault)
	}
	s, err := o.F.OpenOwnKey()
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Vault.CopyTo(ctx, dst); err != nil {
		return err
	}
	fmt.Fprintf(o.F.Env.Stdout, "copied %s to %s (same key, same recipients); %s is unchanged: point ZTM_VAULT or --vault at the new vault\n",
		src.Vault, dst.Vault, src.Vault)
	return nil
}
