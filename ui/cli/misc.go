package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"ztm/vault"
)

// NewCmdVersion is `ztm version` (also `ztm --version`).
func NewCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print ztm's version",
		Long: `Prints the version, the Go release, the platform and the vault schema this
ztm writes; include it in bug reports.`,
		Example: "  ztm version",
		Args:    noArgs,
		RunE:    func(*cobra.Command, []string) error { return printVersion(f.Env.Stdout) },
	}
}

func printVersion(w io.Writer) error {
	version := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				version += " " + s.Value[:12]
			}
		}
	}
	_, err := fmt.Fprintf(w, "ztm %s (%s, %s/%s, vault schema %d)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH, vault.SchemaVersion)
	return err
}

// shells are the shells ztm writes completion scripts for.
var shells = []string{"bash", "zsh", "fish", "powershell"}

// NewCmdCompletion is `ztm completion SHELL`. The scripts are cobra's:
// they complete commands, flags, flag values (data centers, client types)
// and profile names, which they get by calling ztm back.
func NewCmdCompletion(f *Factory, runF func(context.Context, string) error) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "print a shell completion script (bash, zsh, fish or powershell)",
		Long: `Completes commands, options and profile names. Profile names complete only
when the vault opens without a prompt (a key file, or ZTM_PASSPHRASE); ztm
never asks for a passphrase while completing.`,
		Example: `  source <(ztm completion bash)
  ztm completion zsh > "${fpath[1]}/_ztm"
  ztm completion fish > ~/.config/fish/completions/ztm.fish
  ztm completion powershell | Out-String | Invoke-Expression`,
		ValidArgs: shells,
		Args:      exactArgs(1, "a shell"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), args[0])
			}
			root, w := cmd.Root(), f.Env.Stdout
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(w, true)
			case "zsh":
				return root.GenZshCompletion(w)
			case "fish":
				return root.GenFishCompletion(w, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(w)
			}
			return usagef("completion: unknown shell %q: use bash, zsh, fish or powershell", cut(args[0]))
		},
	}
}
