package cli

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/spf13/cobra"

	"ztm/model"
	"ztm/ui/tui"
	"ztm/vault"
)

// Hints name dashboard keys and commands. Both are read from where they
// are defined (the dashboard's key map, the command table), never typed
// into a message, so a hint cannot send anyone to a key or a command that
// does something else. TestHintsNameRealKeysAndCommands holds them to it.

// dashKey is the key of a dashboard binding, as its help shows it.
func dashKey(pick func(tui.KeyMap) key.Binding) string {
	return pick(tui.DefaultKeyMap()).Help().Key
}

// grantKey is the dashboard's "new consent" key.
func grantKey() string { return dashKey(func(k tui.KeyMap) key.Binding { return k.Grant }) }

// command returns "ztm PATH ARGS" after checking that PATH is a command
// in the table; ok is false when it is not.
func command(path string, args ...string) (string, bool) {
	c, rest, err := NewCmdRoot(&Factory{}).Find(strings.Fields(path))
	if err != nil || len(rest) > 0 || !c.HasParent() {
		return "", false
	}
	return strings.Join(append([]string{c.CommandPath()}, args...), " "), true
}

// mustCommand is command for paths that are always in the table; a
// missing one is a bug that the hint test reports.
func mustCommand(path string, args ...string) string {
	s, ok := command(path, args...)
	if !ok {
		return "ztm " + path + " (missing from the command table)"
	}
	return s
}

// grantHint says how to get a new grant for profile name: in the
// dashboard, and on the command line.
func grantHint(name string) string {
	dash := dashGrantHint(name)
	if c, ok := command("consent", name); ok {
		return dash + ", or run " + c
	}
	return fmt.Sprintf("%s, or run %s then %s", dash, mustCommand("rm", name), mustCommand("add", name, "... --code"))
}

// dashGrantHint says how to get a new grant in the dashboard.
func dashGrantHint(name string) string {
	return fmt.Sprintf("in the dashboard (ztm) select %s and press %s", name, grantKey())
}

// withHint adds to an error what to do next, where ztm knows more than
// the layer that made it.
func withHint(err error, name string) error {
	switch {
	case err == nil:
		return nil
	case alreadyHinted(err):
		return err
	case errors.Is(err, model.ErrRefreshRevoked):
		return hinted{err, err.Error() + ": " + grantHint(name)}
	case errors.Is(err, vault.ErrNoToken):
		// The vault's own wording names a key of its own choosing.
		return hinted{err, fmt.Sprintf("%v for %s: nothing to refresh it with; to get tokens, %s", vault.ErrNoToken, name, grantHint(name))}
	}
	return err
}

// alreadyHinted reports an error that says how to consent again already
// (the session's ConsentHow put it there).
func alreadyHinted(err error) bool {
	var h interface{ ConsentHinted() bool }
	return errors.As(err, &h)
}

// hinted is an error with a better sentence; it unwraps to the original,
// so its exit code is the original's.
type hinted struct {
	err error
	msg string
}

func (h hinted) Error() string { return h.msg }
func (h hinted) Unwrap() error { return h.err }

// completeProfiles completes the first n arguments with profile names. It
// never asks: a vault that needs a passphrase nobody gave completes
// nothing rather than waiting on a prompt inside the shell's completion.
func completeProfiles(f *Factory, n int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if n >= 0 && len(args) >= n {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		quiet := &Factory{Env: f.Env, VaultFlag: f.VaultFlag, IdentityFlag: f.IdentityFlag}
		quiet.Env.Prompt, quiet.Env.Stderr = nil, discard{}
		v, err := quiet.openVault()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer v.Close()
		ps, _ := v.Profiles()
		var names []cobra.Completion
		for _, p := range ps {
			names = append(names, cobra.CompletionWithDesc(p.Name, dcLabel(p)+" "+p.Account))
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// oneLine is an error's text on one line.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }
