package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"ztm/vault"
)

var versionCmd = &command{
	name:    "version",
	summary: "print ztm's version",
	usage: `ztm version

Prints the version, the Go release, the platform and the vault schema this
ztm writes; include it in bug reports.

Example:
  ztm version`,
	run: func(ctx context.Context, e Env, g *globals, c *command, args []string) error {
		args, err := parse(newFlags(e, c, g), args)
		if err != nil {
			return err
		}
		if len(args) > 0 {
			return usagef("version takes no arguments")
		}
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
		_, err = fmt.Fprintf(e.Stdout, "ztm %s (%s, %s/%s, vault schema %d)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH, vault.SchemaVersion)
		return err
	},
}

var completionCmd = &command{
	name:    "completion",
	summary: "print a shell completion script (bash, zsh or fish)",
	usage: `ztm completion bash|zsh|fish

Profile names complete only when the vault opens without a prompt (a key
file, or ZTM_PASSPHRASE); ztm never asks for a passphrase while completing.

Examples:
  source <(ztm completion bash)
  ztm completion zsh > "${fpath[1]}/_ztm"
  ztm completion fish > ~/.config/fish/completions/ztm.fish`,
	run: runCompletion,
}

// completeProfilesCmd lists profile names for completion scripts, silently
// and without ever prompting.
var completeProfilesCmd = &command{
	name:   "__complete-profiles",
	hidden: true,
	run: func(ctx context.Context, e Env, g *globals, c *command, args []string) error {
		s, err := openSession(Env{Stdin: e.Stdin, Stdout: e.Stdout, Stderr: discard{}, Getenv: e.Getenv, Now: e.Now}, g)
		if err != nil {
			return nil
		}
		defer s.close()
		profiles, _ := s.v.Profiles()
		for _, p := range profiles {
			fmt.Fprintln(e.Stdout, p.Name)
		}
		return nil
	},
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func runCompletion(ctx context.Context, e Env, g *globals, c *command, args []string) error {
	fs := newFlags(e, c, g)
	args, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return usagef("completion needs a shell: bash, zsh or fish")
	}
	var names []string
	for _, c := range g.all {
		if !c.hidden {
			names = append(names, c.name)
		}
	}
	words := strings.Join(names, " ")
	profileCmds := "token header exec show refresh rm rename export"
	var script string
	switch args[0] {
	case "bash":
		script = fmt.Sprintf(bashCompletion, words, profileCmds)
	case "zsh":
		script = fmt.Sprintf(zshCompletion, words, profileCmds)
	case "fish":
		script = fmt.Sprintf(fishCompletion, words, profileCmds)
	default:
		return usagef("completion: unknown shell %q: use bash, zsh or fish", args[0])
	}
	_, err = fmt.Fprint(e.Stdout, script)
	return err
}

const bashCompletion = `# ztm completion for bash: source <(ztm completion bash)
_ztm() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "%s" -- "$cur"))
    return
  fi
  case " %s " in
    *" ${COMP_WORDS[1]} "*) COMPREPLY=($(compgen -W "$(ztm __complete-profiles 2>/dev/null)" -- "$cur")) ;;
  esac
}
complete -F _ztm ztm
`

const zshCompletion = `#compdef ztm
# ztm completion for zsh
_ztm() {
  if (( CURRENT == 2 )); then
    compadd -- %s
    return
  fi
  case " %s " in
    *" ${words[2]} "*) compadd -- ${(f)"$(ztm __complete-profiles 2>/dev/null)"} ;;
  esac
}
compdef _ztm ztm
`

const fishCompletion = `# ztm completion for fish
complete -c ztm -f
complete -c ztm -n "__fish_use_subcommand" -a "%s"
complete -c ztm -n "__fish_seen_subcommand_from %s" -a "(ztm __complete-profiles 2>/dev/null)"
`
