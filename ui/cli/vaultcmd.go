package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"ztm/vault"
)

var vaultCmd = &command{
	name:    "vault",
	summary: "create the vault, change its passphrase or recipients, describe it",
	usage: `ztm vault init [--key-file | --identity FILE] [--classic] [--recipient R...]
       ztm vault passwd
       ztm vault recipients [add R | rm R]
       ztm vault info

init creates a vault: with a passphrase asked twice (or ZTM_PASSPHRASE);
with --key-file, a new identity file beside it (for CI: no passphrase); or
with --identity, an existing age identity or SSH key. --classic makes an
X25519 key instead of a post-quantum one, which age needs to mix the vault's
key with SSH or X25519 recipients.

Examples:
  ztm vault init --key-file                 # headless: writes identity.txt
  ztm vault recipients add "$(cat ~/.ssh/id_ed25519.pub)"
  ztm vault info`,
	run: runVault,
}

func runVault(ctx context.Context, e Env, g *globals, c *command, args []string) error {
	fs := newFlags(e, c, g)
	keyFile := fs.Bool("key-file", false, "init: generate an identity file instead of asking for a passphrase")
	classic := fs.Bool("classic", false, "init: an X25519 key instead of a post-quantum one")
	var recips stringList
	fs.Var(&recips, "recipient", "init: also encrypt to this public key (repeatable)")
	args, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usagef("vault needs a subcommand: init, passwd, recipients or info")
	}
	switch args[0] {
	case "init":
		return vaultInit(e, g, *keyFile, *classic, recips)
	case "passwd":
		return vaultPasswd(ctx, e, g)
	case "recipients":
		return vaultRecipients(ctx, e, g, args[1:])
	case "info":
		return vaultInfo(e, g)
	}
	return usagef("unknown vault subcommand %q: use init, passwd, recipients or info", args[0])
}

func vaultInit(e Env, g *globals, keyFile, classic bool, recips []string) error {
	p, err := resolve(e, g)
	if err != nil {
		return err
	}
	o := vault.CreateOptions{Classic: classic, Recipients: recips, ScryptWorkFactor: e.ScryptWorkFactor}
	explicit := g.identity != "" || e.Getenv(vault.EnvIdentity) != ""
	switch {
	case keyFile:
		if !explicit {
			p.Identity = filepath.Join(p.Dir, vault.KeyFileIdentity)
		}
		o.GenerateKeyFile = true
	case explicit:
		if o.Key, err = vault.LoadKey(p.Identity, passphraseSource(e, p)); err != nil {
			return err
		}
	default:
		p.Identity = filepath.Join(p.Dir, vault.PassphraseIdentity)
		if o.Passphrase, err = newVaultPassphrase(e); err != nil {
			return err
		}
	}
	v, err := vault.Create(p, o, vault.Options{Now: e.Now})
	if err != nil {
		return err
	}
	defer v.Close()
	fmt.Fprintf(e.Stdout, "created %s (%s, %s)\n", p.Vault, v.Key().Mode, v.Key().KeyType)
	if o.GenerateKeyFile {
		fmt.Fprintf(e.Stdout, "its key is %s: keep it secret and back it up; without it the vault cannot be opened\n", p.Identity)
	}
	return nil
}

// newVaultPassphrase asks for a new passphrase twice, or takes
// ZTM_PASSPHRASE.
func newVaultPassphrase(e Env) (string, error) {
	if p := e.Getenv(vault.EnvPassphrase); p != "" {
		return p, nil
	}
	if e.Prompt == nil {
		return "", usagef("no terminal to ask for a passphrase: set ZTM_PASSPHRASE, or use --key-file")
	}
	p1, err := e.Prompt.Secret("New passphrase: ")
	if err != nil {
		return "", err
	}
	if len(p1) < 8 {
		return "", usagef("the passphrase is shorter than 8 characters; nothing was changed")
	}
	p2, err := e.Prompt.Secret("Again: ")
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", usagef("the two passphrases differ; nothing was changed")
	}
	return p1, nil
}

func vaultPasswd(ctx context.Context, e Env, g *globals) error {
	s, err := openSession(e, g)
	if err != nil {
		return err
	}
	defer s.close()
	if s.v.Key().Mode != vault.ModePassphrase {
		return fmt.Errorf("the vault is unlocked with %s %s, which has no ztm passphrase", s.v.Key().Mode, s.v.Key().Path)
	}
	if e.Prompt == nil {
		return usagef("changing the passphrase needs a terminal")
	}
	pass, err := newVaultPassphrase(Env{Prompt: e.Prompt, Getenv: func(string) string { return "" }})
	if err != nil {
		return err
	}
	if err := s.v.ChangePassphrase(ctx, pass, e.ScryptWorkFactor); err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, "passphrase changed; the vault itself was not rewritten")
	return nil
}

func vaultRecipients(ctx context.Context, e Env, g *globals, args []string) error {
	s, err := openSession(e, g)
	if err != nil {
		return err
	}
	defer s.close()
	switch {
	case len(args) == 0:
		info, err := s.v.Info()
		if err != nil {
			return err
		}
		own := s.v.Key().Recipients()
		for _, r := range info.Recipients {
			mark := ""
			if containsFold(own, r) {
				mark = "  (this vault's key)"
			}
			fmt.Fprintf(e.Stdout, "%s%s\n", r, mark)
		}
		return nil
	case len(args) == 2 && args[0] == "add":
		if err := s.v.AddRecipient(ctx, args[1]); err != nil {
			return err
		}
		fmt.Fprintln(e.Stdout, "added; the vault is now encrypted to it too")
		return nil
	case len(args) == 2 && args[0] == "rm":
		if err := s.v.RemoveRecipient(ctx, args[1]); err != nil {
			return err
		}
		fmt.Fprintln(e.Stdout, "removed; the vault was re-encrypted without it")
		return nil
	}
	return usagef("use: ztm vault recipients [add RECIPIENT | rm RECIPIENT]")
}

func vaultInfo(e Env, g *globals) error {
	s, err := openSession(e, g)
	if err != nil {
		return err
	}
	defer s.close()
	info, err := s.v.Info()
	if err != nil {
		return err
	}
	size := int64(0)
	if fi, err := os.Stat(s.paths.Vault); err == nil {
		size = fi.Size()
	}
	w := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "Vault\t%s (%d KiB)\n", s.paths.Vault, size/1024)
	fmt.Fprintf(w, "Key\t%s\n", s.paths.Identity)
	fmt.Fprintf(w, "Unlock mode\t%s\n", s.v.Key().Mode)
	fmt.Fprintf(w, "Key type\t%s\n", s.v.Key().KeyType)
	fmt.Fprintf(w, "Recipients\t%d\n", len(info.Recipients))
	fmt.Fprintf(w, "Profiles\t%d\n", info.Profiles)
	fmt.Fprintf(w, "Schema version\t%d\n", info.Schema)
	fmt.Fprintf(w, "Saves\t%d\n", info.Generation)
	if !info.CreatedAt.IsZero() {
		fmt.Fprintf(w, "Created\t%s\n", info.CreatedAt.Local().Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(w, "Vault ID\t%s\n", info.ID)
	integrity := "ok"
	if err := s.v.Check(); err != nil {
		integrity = err.Error()
	}
	fmt.Fprintf(w, "Integrity\t%s\n", integrity)
	return w.Flush()
}
