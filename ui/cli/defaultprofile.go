package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"ztm/model"
	"ztm/vault"
)

// The default profile, for commands given no NAME, comes from the first of:
// the argument, ZTM_PROFILE, a .ztm-profile file in the current directory
// or its nearest parent (per repository), and `ztm use` (per user).
//
// `ztm use` stores its choice in the vault's settings rather than in a file
// beside it: profile names are org and customer names that the vault keeps
// encrypted, a vault copied to another machine brings its default along,
// and a default can never name a profile of another vault. Reading it
// costs nothing more, since a command that needs a profile unlocks the
// vault anyway.
const (
	// EnvProfile names the default profile for one shell or one job.
	EnvProfile = "ZTM_PROFILE"
	// ProfileFile names the default profile of a directory tree.
	ProfileFile = ".ztm-profile"
	// defaultSetting is the vault setting `ztm use` writes.
	defaultSetting = "default_profile"
)

// noDefaultHint says how to name a default.
const noDefaultHint = "no default is set: ztm use NAME sets one, and " + EnvProfile + " or a " + ProfileFile + " file in this directory or a parent names one"

// errNoDefault is a command given no NAME with no default anywhere.
func (f *Factory) errNoDefault() error {
	if c := f.named; c != nil {
		return usagef("%s needs one profile name: ztm %s NAME (%s)", c.Name(), c.Name(), noDefaultHint)
	}
	return usagef("give a profile name (%s)", noDefaultHint)
}

// defaultName resolves the profile a command acts on when it was given
// none, and says where the name came from. It reads the vault only when
// nothing outside it names one.
func (f *Factory) defaultName(v *vault.Vault) (name, source string, err error) {
	if name, source, err = f.outsideDefault(); err != nil || name != "" {
		return name, source, err
	}
	err = v.View(func(tx *vault.Tx) error {
		var ok bool
		name, ok, err = tx.Setting(defaultSetting)
		if !ok {
			name = ""
		}
		return err
	})
	if err != nil || name == "" {
		return "", "", err
	}
	return name, "ztm use (kept in the vault)", nil
}

// outsideDefault is the default named by the environment or a
// .ztm-profile file, if any.
func (f *Factory) outsideDefault() (name, source string, err error) {
	if n := strings.TrimSpace(f.Env.Getenv(EnvProfile)); n != "" {
		if err := model.ValidateName(n); err != nil {
			return "", "", usagef("%s: %v", EnvProfile, err)
		}
		return n, EnvProfile, nil
	}
	getwd := f.Env.Getwd
	if getwd == nil {
		getwd = os.Getwd
	}
	dir, err := getwd()
	if err != nil {
		return "", "", nil // no current directory: no file to find
	}
	for {
		path := filepath.Join(dir, ProfileFile)
		if n, ok, err := readProfileFile(path); ok || err != nil {
			return n, path, err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", "", nil
		}
		dir = parent
	}
}

// readProfileFile reads the first line of a .ztm-profile file; ok is false
// when there is none.
func readProfileFile(path string) (string, bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("cannot read %s: %w", path, err)
	}
	defer f.Close()
	buf := make([]byte, model.MaxName+64)
	n, _ := f.Read(buf)
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	line = strings.TrimSpace(line)
	if err := model.ValidateName(line); err != nil {
		return "", false, usagef("%s: %v; write one profile name in it", path, err)
	}
	return line, true, nil
}

// resolveName fills in *name from the defaults when the command was given
// none.
func (f *Factory) resolveName(v *vault.Vault, name *string) error {
	if *name != "" {
		return nil
	}
	n, _, err := f.defaultName(v)
	if err != nil {
		return err
	}
	if n == "" {
		return f.errNoDefault()
	}
	*name = n
	return nil
}

// profileArg checks for one profile name, or none when a default may
// stand in.
func profileArg(cmd *cobra.Command, args []string) error {
	if len(args) > 1 {
		return usagef("%s needs one profile name (or none, for the default): %s", cmd.Name(), usageLine(cmd))
	}
	return nil
}

// nameArg is the profile name given, or "" for the default; it notes the
// command for the message when there is none.
func (f *Factory) nameArg(cmd *cobra.Command, args []string) string {
	if len(args) == 0 {
		f.named = cmd
	}
	return firstArg(args)
}

// firstArg is the first argument, or "".
func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// NewCmdUse is `ztm use [NAME]`.
func NewCmdUse(f *Factory) *cobra.Command {
	var clear bool
	cmd := &cobra.Command{
		Use:   "use [NAME] [--clear]",
		Short: "set the default profile, for commands given no NAME",
		Long: `ztm use NAME makes NAME the default of every command that takes one profile
(token, header, exec, show, consent, edit); it is kept in the vault. Alone,
ztm use prints the default in force and where it comes from. The first of
these wins: the NAME on the command line, ` + EnvProfile + `, a ` + ProfileFile + `
file (one name) in the current directory or its nearest parent, ztm use.`,
		Example: `  ztm use crm-eu
  echo books-in > .ztm-profile     # this repository's default
  ZTM_PROFILE=desk-us ztm token    # one command's`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProfiles(f, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUse(cmd.Context(), f, firstArg(args), clear)
		},
	}
	cmd.Flags().BoolVar(&clear, "clear", false, "forget the default set with ztm use")
	return cmd
}

func runUse(ctx context.Context, f *Factory, name string, clear bool) error {
	e := f.Env
	if name != "" && clear {
		return usagef("give a name or --clear, not both")
	}
	if name != "" || clear {
		f = f.ForChange()
	}
	s, err := f.Open()
	if err != nil {
		return err
	}
	defer s.Close()
	switch {
	case clear:
		if err := s.Vault.Update(ctx, func(tx *vault.Tx) error { return tx.SetSetting(defaultSetting, "") }); err != nil {
			return err
		}
		_, err = fmt.Fprintln(e.Stdout, "no default set with ztm use")
		return err
	case name != "":
		p, err := s.Vault.Profile(name)
		if err != nil {
			return err
		}
		if err := s.Vault.Update(ctx, func(tx *vault.Tx) error { return tx.SetSetting(defaultSetting, p.Name) }); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "%s is the default profile\n", p.Name)
		// Say when something stronger will still win in this shell.
		if n, src, _ := f.outsideDefault(); n != "" && n != p.Name {
			fmt.Fprintf(e.Stderr, "ztm: note: here %s names %s, which comes first\n", src, n)
		}
		return nil
	}
	n, src, err := f.defaultName(s.Vault)
	if err != nil {
		return err
	}
	if n == "" {
		return usagef("%s", noDefaultHint)
	}
	_, err = fmt.Fprintf(e.Stdout, "%s (from %s)\n", n, src)
	return err
}
