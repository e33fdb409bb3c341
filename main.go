// Command ztm keeps Zoho OAuth tokens for every org and data center in one
// age-encrypted vault: a dashboard with live countdowns for people (ztm),
// and commands for scripts (ztm token NAME). See README.md.
package main

import (
	"os"

	"ztm/ui/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.SystemEnv()))
}
