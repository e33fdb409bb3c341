package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"ztm/ui/app"
	"ztm/vault"
)

// maxBundleRead bounds what import reads from a file or stdin.
const maxBundleRead = 256 << 20

// ImportOptions are the options of ztm import.
type ImportOptions struct {
	F       *Factory
	File    string
	Key     string
	Replace bool
}

// NewCmdImport is `ztm import FILE|-`.
func NewCmdImport(f *Factory, runF func(context.Context, *ImportOptions) error) *cobra.Command {
	o := &ImportOptions{F: f}
	cmd := &cobra.Command{
		Use:   "import FILE|- [--key IDENTITY_FILE] [--replace]",
		Short: "read profiles from a bundle made by ztm export",
		Long: `A bundle encrypted to this vault's key opens without more; one encrypted to a
passphrase asks for it (or reads ZTM_BUNDLE_PASSPHRASE); --key names another
age identity or SSH key. Profiles whose name is taken are skipped unless
--replace is given; an import that skipped every profile fails (exit 1).`,
		Example: `  ztm import crm-eu.age
  ztm import all-profiles.txt --replace`,
		Args: exactArgs(1, "the bundle (a file, or - for stdin)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runImport(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Key, "key", "", "an age identity file or SSH key that opens the bundle")
	cmd.Flags().BoolVar(&o.Replace, "replace", false, "replace profiles that have the same name")
	return cmd
}

func runImport(ctx context.Context, o *ImportOptions) error {
	e := o.F.Env
	data, err := readBundle(e, o.File)
	if err != nil {
		return fmt.Errorf("cannot read the bundle: %w", err)
	}
	s, err := o.F.ForChange().Open()
	if err != nil {
		return err
	}
	defer s.Close()
	ids := s.Vault.Key().Identities()
	if o.Key != "" {
		k, err := loadBundleKey(o.F, o.Key)
		if err != nil {
			return err
		}
		ids = append(k, ids...)
	}
	plain, err := app.OpenBundle(data, ids, func() (string, error) { return bundlePassphrase(e) })
	if err != nil {
		return err
	}
	defer clear(plain)
	b, err := app.ParseBundle(plain)
	if err != nil {
		return err
	}
	r, err := s.Import(ctx, b, o.Replace)
	if err != nil {
		return err
	}
	if len(r.Skipped) > 0 && len(r.Added)+len(r.Replaced) == 0 {
		return usagef("nothing was imported: every profile's name is taken (%d); --replace overwrites them", len(r.Skipped))
	}
	fmt.Fprintf(e.Stdout, "imported %d, replaced %d, skipped %d\n", len(r.Added), len(r.Replaced), len(r.Skipped))
	if len(r.Skipped) > 0 {
		fmt.Fprintf(e.Stderr, "skipped (name taken; --replace overwrites): %v\n", r.Skipped)
	}
	return nil
}

func readBundle(e Env, file string) ([]byte, error) {
	var src io.Reader
	if file == "-" {
		src = e.Stdin
	} else {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		src = f
	}
	data, err := io.ReadAll(io.LimitReader(src, maxBundleRead+1))
	if err == nil && len(data) > maxBundleRead {
		return nil, fmt.Errorf("it is larger than %d MiB", maxBundleRead>>20)
	}
	return data, err
}

// loadBundleKey reads --key, with a message about that file rather than
// the vault's identity.
func loadBundleKey(f *Factory, path string) ([]age.Identity, error) {
	if _, err := os.Stat(path); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, app.NewKeyError(path, err)
	}
	k, err := vault.LoadKey(path, f.passphrase(vault.Paths{Identity: path}))
	if err != nil {
		return nil, err
	}
	return k.Identities(), nil
}

func bundlePassphrase(e Env) (string, error) {
	if pass := e.Getenv("ZTM_BUNDLE_PASSPHRASE"); pass != "" {
		return pass, nil
	}
	if e.Prompt == nil {
		return "", usagef("the bundle needs its passphrase and there is no terminal: set ZTM_BUNDLE_PASSPHRASE")
	}
	return e.Prompt.Secret("Passphrase for the bundle: ")
}
