package cli

import (
	"context"
	"fmt"
	"os"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"ztm/vault"
)

// ExportOptions are the options of ztm export.
type ExportOptions struct {
	F          *Factory
	Names      []string
	To         []string
	Passphrase bool
	Plaintext  bool
	Output     string
	Armor      bool
}

// NewCmdExport is `ztm export [NAME...]`.
func NewCmdExport(f *Factory, runF func(context.Context, *ExportOptions) error) *cobra.Command {
	o := &ExportOptions{F: f}
	cmd := &cobra.Command{
		Use:   "export [NAME...] (--to RECIPIENT... | --passphrase | --plaintext) [-o FILE] [--armor]",
		Short: "write profiles, with their secrets, to an encrypted bundle",
		Long: `The bundle is age-encrypted to the recipients (age1..., age1pq1... or an SSH
public key line) or to a passphrase asked on the terminal (or taken from
ZTM_BUNDLE_PASSPHRASE). It holds client secrets and tokens: plaintext JSON is
written only with --plaintext. Without NAME, every profile is exported. An
encrypted bundle is binary: on a terminal, give -o FILE or --armor.`,
		Example: `  ztm export crm-eu --to age1pq1... -o crm-eu.age
  ztm export --passphrase --armor > all-profiles.txt`,
		ValidArgsFunction: completeProfiles(f, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Names = args
			if n := boolInt(len(o.To) > 0) + boolInt(o.Passphrase) + boolInt(o.Plaintext); n != 1 {
				return usagef("say how to protect the bundle: --to RECIPIENT, --passphrase, or (unencrypted) --plaintext")
			}
			if o.Output == "" && !o.Armor && !o.Plaintext && f.Env.StdoutIsTerminal {
				return usagef("an encrypted bundle is binary and stdout is a terminal: write it to a file with -o FILE, or as text with --armor")
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runExport(o)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&o.To, "to", nil, "a recipient to encrypt to (repeatable)")
	fl.BoolVar(&o.Passphrase, "passphrase", false, "encrypt to a passphrase")
	fl.BoolVar(&o.Plaintext, "plaintext", false, "write unencrypted JSON (secrets in clear!)")
	fl.StringVarP(&o.Output, "output", "o", "", "write to this file (mode 0600) instead of stdout")
	fl.BoolVar(&o.Armor, "armor", false, "write the encrypted bundle as text")
	return cmd
}

func runExport(o *ExportOptions) error {
	e := o.F.Env
	var recipients []age.Recipient
	for _, r := range o.To {
		rr, err := vault.ParseRecipient(r)
		if err != nil {
			return usageErr{err.Error()}
		}
		recipients = append(recipients, rr)
	}
	s, err := o.F.Open()
	if err != nil {
		return err
	}
	defer s.Close()
	if o.Passphrase {
		pass, err := newBundlePassphrase(e)
		if err != nil {
			return err
		}
		r, err := age.NewScryptRecipient(pass)
		if err != nil {
			return err
		}
		if e.ScryptWorkFactor > 0 {
			r.SetWorkFactor(e.ScryptWorkFactor)
		}
		recipients = []age.Recipient{r}
	}
	data, n, err := s.Export(o.Names, recipients, o.Armor, o.Plaintext)
	if err != nil {
		return err
	}
	defer clear(data)
	if o.Output == "" {
		_, err = e.Stdout.Write(data)
	} else {
		err = writePrivate(o.Output, data)
	}
	if err == nil {
		fmt.Fprintf(e.Stderr, "exported %d profile(s)\n", n)
	}
	return err
}

// writePrivate writes a bundle readable by its owner only, also when the
// file existed with a wider mode (os.WriteFile keeps that one).
func writePrivate(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func newBundlePassphrase(e Env) (string, error) {
	if p := e.Getenv("ZTM_BUNDLE_PASSPHRASE"); p != "" {
		return p, nil
	}
	if e.Prompt == nil {
		return "", usagef("no terminal to ask for the bundle's passphrase: set ZTM_BUNDLE_PASSPHRASE, or use --to")
	}
	p1, err := e.Prompt.Secret("Passphrase for the bundle: ")
	if err != nil {
		return "", err
	}
	p2, err := e.Prompt.Secret("Again: ")
	if err != nil {
		return "", err
	}
	if p1 != p2 || p1 == "" {
		return "", usagef("the passphrases differ or are empty; nothing was written")
	}
	return p1, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
