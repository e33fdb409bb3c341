package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes, documented in the README and in `ztm --help`.
const (
	ExitOK        = 0
	ExitUsage     = 1 // bad arguments, or any other failure
	ExitNoProfile = 2 // no such profile
	ExitLocked    = 3 // the vault could not be unlocked or locked
	ExitZoho      = 4 // Zoho refused, or could not be asked (no refresh token, budget spent)
	ExitNetwork   = 5 // Zoho could not be reached
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string // the lines after "usage:", with examples
	hidden  bool
	run     func(ctx context.Context, e Env, g *globals, c *command, args []string) error
}

// commands lists every command; each is defined beside its code.
func commands() []*command {
	return []*command{
		tokenCmd, headerCmd, execCmd, listCmd, showCmd, refreshCmd, rmCmd, renameCmd,
		addCmd, exportCmd, importCmd, vaultCmd, completionCmd, versionCmd, demoCmd,
		completeProfilesCmd,
	}
}

func lookup(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// globals are the flags every command accepts.
type globals struct {
	vault    string
	identity string
	// all is the command list, for help and completion (a field, not a
	// package variable, so commands may list their siblings).
	all []*command
}

// add registers the global flags on fs. Their defaults are the values
// already parsed, since registering a flag resets its variable: `ztm --vault
// X token NAME` must not lose X when token parses its own flags.
func (g *globals) add(fs *flag.FlagSet) {
	fs.StringVar(&g.vault, "vault", g.vault, "the vault file (default: $ZTM_VAULT, else the user config dir)")
	fs.StringVar(&g.identity, "identity", g.identity, "the key: identity.age, an age identity file or an SSH key (default: $ZTM_IDENTITY)")
}

// Main runs ztm with args (without the program name) and returns the exit
// code. With no command it starts the dashboard.
func Main(args []string, e Env) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	g := globals{all: commands()}
	fs := flag.NewFlagSet("ztm", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.add(fs)
	help := fs.Bool("help", false, "")
	fs.BoolVar(help, "h", false, "")
	version := fs.Bool("version", false, "")
	if err := fs.Parse(args); err != nil {
		// One line, like every error: the usage would bury it.
		fmt.Fprintf(e.Stderr, "ztm: %v: ztm --help lists the commands and options\n", err)
		return ExitUsage
	}
	switch {
	case *help:
		printUsage(e.Stdout)
		return ExitOK
	case *version:
		args = []string{"version"}
	default:
		args = fs.Args()
	}
	if len(args) == 0 {
		return report(e, "", runDashboard(ctx, e, &g))
	}
	if args[0] == "help" && len(args) > 1 {
		// `ztm help token` is `ztm token --help`.
		args = []string{args[1], "--help"}
	} else if args[0] == "help" {
		printUsage(e.Stdout)
		return ExitOK
	}
	c := lookup(args[0])
	if c == nil {
		fmt.Fprintf(e.Stderr, "ztm: unknown command %q: ztm --help lists the commands\n", args[0])
		return ExitUsage
	}
	err := c.run(ctx, e, &g, c, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	return report(e, c.name, err)
}

// newFlags makes a command's flag set with the global flags. -h and --help
// print the command's usage to stdout (once, from parse); a flag error
// prints nothing there, so $(ztm token NAME --typo) never captures help text.
func newFlags(e Env, c *command, g *globals) *flag.FlagSet {
	fs := flag.NewFlagSet("ztm "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.add(fs)
	fs.Usage = func() { printCommandUsage(e.Stdout, c, fs) }
	return fs
}

// parse parses flags, accepting them after positional arguments too
// (`ztm token crm-eu --json`), and turns flag errors into usage errors.
// Everything after the first "--" is positional, verbatim: `ztm exec NAME
// -- sh -c ...` must not read -c as a flag of ztm's.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for i, a := range args {
		if a == "--" {
			args, rest = args[:i], args[i+1:]
			break
		}
	}
	// The flag package calls Usage on every error, and before returning
	// ErrHelp: silence it, and print the help once, here.
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return nil, flag.ErrHelp
			}
			return nil, usageErr{err.Error() + ": " + fs.Name() + " --help shows the options"}
		}
		args = fs.Args()
		if len(args) == 0 {
			return append(pos, rest...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// usageErr is a mistake in the command line (exit code 1).
type usageErr struct{ msg string }

func (u usageErr) Error() string { return u.msg }

func usagef(format string, a ...any) error { return usageErr{fmt.Sprintf(format, a...)} }

func printUsage(w io.Writer) {
	fmt.Fprint(w, `ztm keeps Zoho OAuth tokens for every org and data center in one encrypted vault.

usage: ztm [--vault FILE] [--identity FILE] [COMMAND] [ARGS]

With no command, ztm opens the dashboard (and the guided set-up on first run).

Commands:
`)
	for _, c := range commands() {
		if !c.hidden {
			fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprint(w, `
Environment:
  ZTM_VAULT        the vault file (default ~/.config/ztm/vault.age)
  ZTM_IDENTITY     the key file: identity.age, an age identity or an SSH key
  ZTM_PASSPHRASE   the vault passphrase, for unattended use (less safe than a key file)
  ZTM_DATACENTERS  a JSON file adding or overriding Zoho data centers
  ZTM_CLIPBOARD_CLEAR  how long the dashboard leaves a copied token on the clipboard (default 45s)

Exit codes:
  0 ok   1 usage or other error   2 no such profile   3 vault locked or unlock failed
  4 Zoho refused (or cannot be asked)   5 Zoho unreachable

Run 'ztm COMMAND --help' for a command's options and examples.
`)
}

func printCommandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\n\nusage: %s\n", c.summary, strings.TrimSpace(c.usage))
	if fs != nil {
		fmt.Fprintln(w, "\nOptions:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}
