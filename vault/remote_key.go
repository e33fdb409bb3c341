package vault

import "filippo.io/age"

// ModeAgent: the vault's identity stays in a running ztm agent, which
// unwraps each file key on request; this process never holds the identity.
const ModeAgent Mode = "agent"

// NewKeyring builds a Keyring from identities the caller already holds,
// such as one that asks the ztm agent to unwrap file keys. recipients are
// the public keys in [ParseRecipient]'s form; they matter only to
// [Create], since a save encrypts to the recipients the vault names.
func NewKeyring(mode Mode, path, keyType string, ids []age.Identity, recipients []string) *Keyring {
	return &Keyring{
		Mode: mode, Path: path, KeyType: keyType,
		identities: append([]age.Identity(nil), ids...),
		recipients: append([]string(nil), recipients...),
	}
}
