package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// commandTable is every command under the root, in the order --help
// lists them, with the name each is called by: Main builds only the one
// that runs (a script's `ztm token NAME` pays for one command, not 27).
// It is a function, not a variable, because the commands' hints look
// commands up in the table.
func commandTable() []commandEntry {
	return []commandEntry{
		{"token", func(f *Factory) *cobra.Command { return NewCmdToken(f, nil) }},
		{"header", func(f *Factory) *cobra.Command { return NewCmdHeader(f, nil) }},
		{"exec", func(f *Factory) *cobra.Command { return NewCmdExec(f, nil) }},
		{"list", func(f *Factory) *cobra.Command { return NewCmdList(f, nil) }},
		{"show", func(f *Factory) *cobra.Command { return NewCmdShow(f, nil) }},
		{"refresh", func(f *Factory) *cobra.Command { return NewCmdRefresh(f, nil) }},
		{"rm", func(f *Factory) *cobra.Command { return NewCmdRm(f, nil) }},
		{"rename", func(f *Factory) *cobra.Command { return NewCmdRename(f, nil) }},
		{"add", func(f *Factory) *cobra.Command { return NewCmdAdd(f, nil) }},
		{"consent", func(f *Factory) *cobra.Command { return NewCmdConsent(f, nil) }},
		{"keep-alive", NewCmdKeepAlive},
		{"edit", func(f *Factory) *cobra.Command { return NewCmdEdit(f, nil) }},
		{"export", func(f *Factory) *cobra.Command { return NewCmdExport(f, nil) }},
		{"import", func(f *Factory) *cobra.Command { return NewCmdImport(f, nil) }},
		{"vault", NewCmdVault},
		{"completion", func(f *Factory) *cobra.Command { return NewCmdCompletion(f, nil) }},
		{"version", NewCmdVersion},
		{"demo", func(f *Factory) *cobra.Command { return NewCmdDemo(f, nil) }},
		{"doctor", func(f *Factory) *cobra.Command { return NewCmdDoctor(f, nil) }},
		{"dc", NewCmdDC},
		{"unlock", func(f *Factory) *cobra.Command { return NewCmdUnlock(f, nil) }},
		{"lock", func(f *Factory) *cobra.Command { return NewCmdLock(f, nil) }},
		{"agent", func(f *Factory) *cobra.Command { return NewCmdAgent(f, nil) }},
		{"serve", func(f *Factory) *cobra.Command { return NewCmdServe(f, nil) }},
		{"use", NewCmdUse},
		{"api", func(f *Factory) *cobra.Command { return NewCmdAPI(f, nil) }},
		{"proxy", func(f *Factory) *cobra.Command { return NewCmdProxy(f, nil) }},
	}
}

// commandEntry is a command's name and how to build it.
type commandEntry struct {
	name  string
	build func(*Factory) *cobra.Command
}

// NewCmdRoot builds the whole command table on f. Bare `ztm` starts the
// dashboard.
func NewCmdRoot(f *Factory) *cobra.Command {
	root := newRoot(f)
	for _, c := range commandTable() {
		root.AddCommand(c.build(f))
	}
	return root
}

// newCmdRootFor builds the root with only the command args run, when
// args name one plainly; anything else (no command, help, --version, a
// typo that needs "did you mean", the completion scripts' hidden
// __complete) gets the whole table, which those need.
func newCmdRootFor(f *Factory, args []string) *cobra.Command {
	name := commandName(args)
	for _, c := range commandTable() {
		if c.name == name {
			root := newRoot(f)
			root.AddCommand(c.build(f))
			return root
		}
	}
	return NewCmdRoot(f)
}

// commandName is the first argument after the root's own options
// (--vault FILE, --identity FILE), which cobra takes as the command's
// name; "" when something else comes first.
func commandName(args []string) string {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--vault" || a == "--identity":
			i++
		case strings.HasPrefix(a, "--vault=") || strings.HasPrefix(a, "--identity="):
		case strings.HasPrefix(a, "-"):
			return ""
		default:
			return a
		}
	}
	return ""
}

// newRoot is the root command, with its options and help, and no
// commands under it yet.
func newRoot(f *Factory) *cobra.Command {
	var version bool
	root := &cobra.Command{
		Use:   "ztm",
		Short: "ztm keeps Zoho OAuth tokens for every org and data center in one encrypted vault.",
		Long:  "With no command, ztm opens the dashboard (and the guided set-up on first run).",
		Example: `  ztm                          # the dashboard
  ztm token crm-eu             # a valid access token, for scripts`,
		Args: noArgsButSubcommands,
		RunE: func(cmd *cobra.Command, args []string) error {
			if version {
				return printVersion(f.Env.Stdout)
			}
			return runDashboard(cmd.Context(), f)
		},
		SilenceErrors: true,
		SilenceUsage:  true,
		// Our own completion command: it names every shell we support
		// and says what to do with a wrong one in one line.
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&f.VaultFlag, "vault", "", "the vault file (default: $ZTM_VAULT, else the user config dir)")
	pf.StringVar(&f.IdentityFlag, "identity", "", "the key: identity.age, an age identity file or an SSH key (default: $ZTM_IDENTITY)")
	root.Flags().BoolVar(&version, "version", false, "print ztm's version")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef("%v: %s --help shows the options", err, c.CommandPath())
	})
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { printHelp(c.OutOrStdout(), c) })
	root.SetHelpCommand(newCmdHelp(root))
	return root
}

// noArgsButSubcommands is the Args of a command that takes no words of
// its own: a word there is a mistyped subcommand, answered with
// did-you-mean.
func noArgsButSubcommands(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return unknownCommand(cmd, args[0])
	}
	return nil
}

// needsSubcommand is the Args of a command that only groups subcommands
// (dc, vault): alone it lists them, and a word is a mistyped one.
func needsSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return usagef("%s needs a subcommand: %s", cmd.Name(), subcommandList(cmd))
	}
	return unknownCommand(cmd, args[0])
}

// unknownCommand is one line, with cobra's "did you mean" when a
// command is close.
func unknownCommand(c *cobra.Command, name string) error {
	what := "command"
	if c.HasParent() {
		what = c.Name() + " subcommand"
	}
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's own default for its message
	}
	if s := c.SuggestionsFor(name); len(s) > 0 {
		for i := range s {
			s[i] = fmt.Sprintf("%q", s[i])
		}
		return usagef("unknown %s %q: did you mean %s? %s --help lists the commands", what, cut(name), strings.Join(s, " or "), c.CommandPath())
	}
	return usagef("unknown %s %q: %s --help lists the commands", what, cut(name), c.CommandPath())
}

// newCmdHelp is `ztm help [COMMAND...]`: the command's --help.
func newCmdHelp(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "show the help of ztm or of a command",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				name := strings.Join(args, " ")
				if len(rest) > 0 {
					name = rest[0]
				}
				return unknownCommand(c, name)
			}
			printHelp(cmd.OutOrStdout(), c)
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			var names []cobra.Completion
			for _, c := range root.Commands() {
				if c.IsAvailableCommand() {
					names = append(names, c.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
	}
}

// printHelp writes a command's help: what it does, its usage line, the
// long text, its examples and options. It goes to stdout, and nothing
// else ever does on an error, so $(ztm token NAME --typo) captures no
// help text.
func printHelp(w io.Writer, c *cobra.Command) {
	if !c.HasParent() {
		printRootHelp(w, c)
		return
	}
	fmt.Fprintf(w, "%s\n\nusage: %s\n", c.Short, usageLine(c))
	if c.Long != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Long))
	}
	if subs := visible(c); len(subs) > 0 {
		fmt.Fprintln(w, "\nCommands:")
		for _, s := range subs {
			fmt.Fprintf(w, "  %-11s %s\n", s.Name(), s.Short)
		}
	}
	if c.Example != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", c.Example)
	}
	if local := hideHelp(c.LocalFlags()); local.HasAvailableFlags() {
		fmt.Fprintf(w, "\nOptions:\n%s", local.FlagUsages())
	}
	if c.HasAvailableInheritedFlags() {
		fmt.Fprintf(w, "\nGlobal options:\n%s", flagUsages(c.InheritedFlags()))
	}
}

func usageLine(c *cobra.Command) string {
	path := "ztm"
	if c.HasParent() && c.Parent().HasParent() {
		path = c.Parent().CommandPath()
	}
	lines := strings.Split(c.Use, "\n")
	for i := range lines {
		lines[i] = path + " " + strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "\n       ")
}

func flagUsages(fs *pflag.FlagSet) string {
	fs = hideHelp(fs)
	return fs.FlagUsages()
}

// hideHelp leaves -h/--help out of the option lists: every command has it.
func hideHelp(fs *pflag.FlagSet) *pflag.FlagSet {
	out := pflag.NewFlagSet("", pflag.ContinueOnError)
	fs.VisitAll(func(fl *pflag.Flag) {
		if fl.Name != "help" {
			out.AddFlag(fl)
		}
	})
	return out
}

func visible(c *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, s := range c.Commands() {
		if s.IsAvailableCommand() && s.Name() != "help" {
			out = append(out, s)
		}
	}
	return out
}

func printRootHelp(w io.Writer, root *cobra.Command) {
	fmt.Fprintf(w, "%s\n\nusage: ztm [--vault FILE] [--identity FILE] [COMMAND] [ARGS]\n\n%s\n\nCommands:\n", root.Short, root.Long)
	for _, c := range visible(root) {
		fmt.Fprintf(w, "  %-11s %s\n", c.Name(), c.Short)
	}
	fmt.Fprintf(w, "\nGlobal options:\n%s", flagUsages(root.PersistentFlags()))
	fmt.Fprint(w, `
Environment:
  ZTM_VAULT        the vault file (default ~/.config/ztm/vault.age)
  ZTM_IDENTITY     the key file: identity.age, an age identity or an SSH key
  ZTM_PASSPHRASE   the vault passphrase, for unattended use (less safe than a key file)
  ZTM_DATACENTERS  a JSON file adding or overriding Zoho data centers
  ZTM_CLIPBOARD_CLEAR  how long the dashboard leaves a copied token on the clipboard (default 45s)

Exit codes:
  0 ok   1 usage or other error   2 no such profile   3 vault locked or unlock failed
  4 Zoho refused (or cannot be asked)   5 Zoho unreachable   130 interrupted (Ctrl+C)

Run 'ztm COMMAND --help' for a command's options and examples.
`)
}

// exactArgs checks the number of positional arguments; the message says
// what the command needs and shows its usage line, from the table.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s needs %s: %s", cmd.Name(), what, usageLine(cmd))
		}
		return nil
	}
}

// subcommandList names a command's subcommands: "init, passwd or info".
func subcommandList(c *cobra.Command) string {
	var names []string
	for _, s := range visible(c) {
		names = append(names, s.Name())
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// noArgs refuses positional arguments.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments", cmd.Name())
	}
	return nil
}
