package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"ztm/vault"
)

// NewCmdVault is `ztm vault` and its subcommands.
func NewCmdVault(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vault init|passwd|recipients|info|migrate",
		Short: "create the vault, change its passphrase or recipients, describe it",
		Example: `  ztm vault init --key-file                 # headless: writes identity.txt
  ztm vault init --classic --key-file --recipient "$(cat ~/.ssh/id_ed25519.pub)"
  ztm vault recipients add age1pq1...       # another post-quantum key
  ztm vault info
  ztm vault migrate --to 'postgres://me@db.example:5432/ztm?sslmode=verify-full'`,
		Args: needsSubcommand,
		RunE: func(*cobra.Command, []string) error { return nil },
	}
	cmd.AddCommand(NewCmdVaultInit(f, nil), newCmdVaultPasswd(f), newCmdVaultRecipients(f), newCmdVaultInfo(f),
		NewCmdVaultMigrate(f, nil))
	return cmd
}

// VaultInitOptions are the options of ztm vault init.
type VaultInitOptions struct {
	F          *Factory
	KeyFile    bool
	Classic    bool
	Recipients []string
}

// NewCmdVaultInit is `ztm vault init`.
func NewCmdVaultInit(f *Factory, runF func(*VaultInitOptions) error) *cobra.Command {
	o := &VaultInitOptions{F: f}
	cmd := &cobra.Command{
		Use:   "init [--key-file | --identity FILE] [--classic] [--recipient R...]",
		Short: "create a vault",
		Long: `With a passphrase asked twice (or ZTM_PASSPHRASE); with --key-file, a new
identity file beside it (for CI: no passphrase); or with --identity, an
existing age identity or SSH key. --classic makes an X25519 key instead of a
post-quantum one, which age needs to mix the vault's key with SSH or X25519
recipients.`,
		Example: `  ztm vault init --key-file                 # headless: writes identity.txt
  ztm vault init --classic --recipient "$(cat ~/.ssh/id_ed25519.pub)"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return vaultInit(o)
		},
	}
	cmd.Flags().BoolVar(&o.KeyFile, "key-file", false, "generate an identity file instead of asking for a passphrase")
	cmd.Flags().BoolVar(&o.Classic, "classic", false, "an X25519 key instead of a post-quantum one")
	cmd.Flags().StringArrayVar(&o.Recipients, "recipient", nil, "also encrypt to this public key (repeatable)")
	return cmd
}

func newCmdVaultPasswd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "passwd",
		Short:   "change the vault's passphrase",
		Long:    "Asks for the new passphrase twice on the terminal; only the key file is rewritten.",
		Example: "  ztm vault passwd",
		Args:    noArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return vaultPasswd(cmd.Context(), f) },
	}
}

func newCmdVaultRecipients(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "recipients [add RECIPIENT | rm RECIPIENT]",
		Short: "list, add or remove the keys the vault is encrypted to",
		Long: `A post-quantum vault (the default) takes only post-quantum (age1pq1...)
recipients; an SSH or X25519 key needs a vault made with --classic, and ztm
says how to move to one.`,
		Example: `  ztm vault recipients
  ztm vault recipients add age1pq1...
  ztm vault recipients rm age1pq1...`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("use: %s", usageLine(cmd))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return listRecipients(f) },
	}
	change := func(verb, short string, run func(ctx context.Context, f *Factory, r string) error) *cobra.Command {
		return &cobra.Command{
			Use:     verb + " RECIPIENT",
			Short:   short,
			Example: "  ztm vault recipients " + verb + " age1pq1...",
			Args:    exactArgs(1, "a recipient"),
			RunE:    func(cmd *cobra.Command, args []string) error { return run(cmd.Context(), f, args[0]) },
		}
	}
	cmd.AddCommand(change("add", "encrypt the vault to one more key", addRecipient),
		change("rm", "stop encrypting the vault to a key", removeRecipient))
	return cmd
}

func newCmdVaultInfo(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "info",
		Short:   "describe the vault and check its integrity",
		Example: "  ztm vault info",
		Args:    noArgs,
		RunE:    func(*cobra.Command, []string) error { return vaultInfo(f) },
	}
}

func vaultInit(o *VaultInitOptions) error {
	e := o.F.Env
	p, err := o.F.Paths()
	if err != nil {
		return err
	}
	co := vault.CreateOptions{Classic: o.Classic, Recipients: o.Recipients, ScryptWorkFactor: e.ScryptWorkFactor}
	explicit := o.F.IdentityFlag != "" || e.Getenv(vault.EnvIdentity) != ""
	switch {
	case o.KeyFile:
		if !explicit {
			p.Identity = filepath.Join(p.Dir, vault.KeyFileIdentity)
		}
		co.GenerateKeyFile = true
	case explicit:
		if co.Key, err = vault.LoadKey(p.Identity, o.F.passphrase(p)); err != nil {
			return err
		}
	default:
		p.Identity = filepath.Join(p.Dir, vault.PassphraseIdentity)
		if co.Passphrase, err = newVaultPassphrase(e); err != nil {
			return err
		}
	}
	v, err := vault.Create(p, co, vault.Options{Now: e.Now})
	if err != nil {
		return err
	}
	defer v.Close()
	fmt.Fprintf(e.Stdout, "created %s (%s, %s)\n", p.Vault, v.Key().Mode, v.Key().KeyType)
	if co.GenerateKeyFile {
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

func vaultPasswd(ctx context.Context, f *Factory) error {
	e := f.Env
	s, err := f.ForChange().OpenOwnKey()
	if err != nil {
		return err
	}
	defer s.Close()
	if k := s.Vault.Key(); k.Mode != vault.ModePassphrase {
		return fmt.Errorf("the vault is unlocked with %s %s, which has no ztm passphrase", k.Mode, k.Path)
	}
	if e.Prompt == nil {
		return usagef("changing the passphrase needs a terminal")
	}
	pass, err := newVaultPassphrase(Env{Prompt: e.Prompt, Getenv: func(string) string { return "" }})
	if err != nil {
		return err
	}
	if err := s.Vault.ChangePassphrase(ctx, pass, e.ScryptWorkFactor); err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, "passphrase changed; the vault itself was not rewritten")
	return nil
}

func listRecipients(f *Factory) error {
	s, err := f.OpenOwnKey()
	if err != nil {
		return err
	}
	defer s.Close()
	info, err := s.Vault.Info()
	if err != nil {
		return err
	}
	own := s.Vault.Key().Recipients()
	for _, r := range info.Recipients {
		mark := ""
		if slices.Contains(own, r) {
			mark = "  (this vault's key)"
		}
		fmt.Fprintf(f.Env.Stdout, "%s%s\n", r, mark)
	}
	return nil
}

func addRecipient(ctx context.Context, f *Factory, r string) error {
	s, err := f.ForChange().OpenOwnKey()
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Vault.AddRecipient(ctx, r); err != nil {
		if errors.Is(err, vault.ErrRecipient) && needsClassic(s.Vault.Key(), r) {
			return usagef("%v; %s", err, moveToClassic(f, s.Vault.Key(), r))
		}
		return usageErr{err.Error()}
	}
	fmt.Fprintln(f.Env.Stdout, "added; the vault is now encrypted to it too")
	return nil
}

func removeRecipient(ctx context.Context, f *Factory, r string) error {
	s, err := f.ForChange().OpenOwnKey()
	if err != nil {
		return err
	}
	defer s.Close()
	fate, err := s.Vault.RemoveRecipientWithBackup(ctx, r)
	if err != nil {
		return usageErr{err.Error()}
	}
	// The previous version (.bak) must not stay readable by the removed
	// key either: say what became of it.
	switch fate {
	case vault.BackupReencrypted:
		fmt.Fprintln(f.Env.Stdout, "removed; the vault and its backup were re-encrypted without it")
	case vault.BackupRemoved:
		fmt.Fprintln(f.Env.Stdout, "removed; the vault was re-encrypted without it, and its backup, which could not be, was deleted")
	default:
		fmt.Fprintln(f.Env.Stdout, "removed; the vault was re-encrypted without it")
	}
	return nil
}

// needsClassic says a recipient was refused because the vault's own key is
// post-quantum and the new one is not: age cannot encrypt to both.
func needsClassic(k *vault.Keyring, r string) bool {
	return strings.HasPrefix(k.KeyType, "post-quantum") &&
		!strings.HasPrefix(strings.TrimSpace(r), "age1pq1") && validRecipient(r)
}

func validRecipient(r string) bool {
	_, err := vault.ParseRecipient(r)
	return err == nil
}

// moveToClassic is the exact way out: a classic vault beside this one,
// made with the new key as a recipient, holding every profile.
func moveToClassic(f *Factory, k *vault.Keyring, r string) string {
	p, _ := f.Paths()
	dir := p.Dir + "-classic"
	nv := "--vault=" + shellQuote(filepath.Join(dir, vault.VaultFile))
	bundle := shellQuote(dir + "-profiles.age")
	initArgs := []string{"--classic", "--recipient", shellQuote(strings.TrimSpace(r))}
	if k.Mode != vault.ModePassphrase {
		initArgs = append([]string{"--key-file"}, initArgs...)
	}
	return fmt.Sprintf("a post-quantum vault takes only age1pq1... keys; to add this one, move the profiles to a classic vault: "+
		"%s; %s; %s; then use %s (or ZTM_VAULT), and delete %s",
		mustCommand("export", "--passphrase", "-o", bundle),
		mustCommand("vault init", append(initArgs, nv)...),
		mustCommand("import", bundle, nv),
		nv, bundle)
}

// shellQuote quotes a word for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == ':' || r == '+' || r == '=' ||
			r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func vaultInfo(f *Factory) error {
	s, err := f.Open()
	if err != nil {
		return err
	}
	defer s.Close()
	v := s.Vault
	info, err := v.Info()
	if err != nil {
		return err
	}
	p, _ := f.Paths()
	size := int64(0)
	if fi, err := os.Stat(p.Vault); err == nil {
		size = fi.Size()
	}
	w := tabwriter.NewWriter(f.Env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "Vault\t%s (%d KiB)\n", p.Vault, size/1024)
	fmt.Fprintf(w, "Key\t%s\n", v.Key().Path)
	fmt.Fprintf(w, "Unlock mode\t%s\n", v.Key().Mode)
	fmt.Fprintf(w, "Key type\t%s\n", v.Key().KeyType)
	fmt.Fprintf(w, "Recipients\t%d\n", len(info.Recipients))
	fmt.Fprintf(w, "Profiles\t%d\n", info.Profiles)
	fmt.Fprintf(w, "Schema version\t%d\n", info.Schema)
	fmt.Fprintf(w, "Saves\t%d\n", info.Generation)
	if !info.CreatedAt.IsZero() {
		fmt.Fprintf(w, "Created\t%s\n", info.CreatedAt.Local().Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(w, "Vault ID\t%s\n", info.ID)
	integrity := "ok"
	if err := v.Check(); err != nil {
		integrity = err.Error()
	}
	fmt.Fprintf(w, "Integrity\t%s\n", integrity)
	return w.Flush()
}
