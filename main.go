// Command ztm keeps Zoho OAuth tokens for every org and data center in one
// age-encrypted vault: a dashboard with live countdowns for people (ztm),
// and commands for scripts (ztm token NAME). See README.md.
//
// main is the composition root: it builds the environment (clock, HTTP,
// environment variables, terminal) and hands it to the command line. It
// has no logic of its own.
package main

import (
	"os"
	"time"

	"ztm/ui/cli"
	"ztm/vault"
)

func main() {
	// No core file may hold an unlocked vault; a failure is worth a
	// warning, not a stop.
	if err := vault.DisableCoreDumps(); err != nil {
		os.Stderr.WriteString("ztm: warning: " + err.Error() + "\n")
	}
	env := cli.Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv: os.Getenv,
		Now:    time.Now,
		// HTTP stays nil: the OAuth client's own default (no redirects,
		// timeouts) is the right one for Zoho.
		HTTP: nil,
	}
	env.Prompt, env.StdinIsTerminal, env.StdoutIsTerminal = cli.Terminal(os.Stdin, os.Stdout)
	os.Exit(cli.Main(os.Args[1:], env))
}
