package vault

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"golang.org/x/crypto/ssh"
)

// Mode is how a vault is unlocked.
type Mode string

// Unlock modes.
const (
	// ModePassphrase: identity.age holds the vault's identity, wrapped with
	// a passphrase (age scrypt).
	ModePassphrase Mode = "passphrase"
	// ModeIdentity: a plain age identity file (X25519 or post-quantum hybrid).
	ModeIdentity Mode = "identity file"
	// ModeSSH: an SSH private key (ed25519 or rsa).
	ModeSSH Mode = "ssh key"
)

// Keyring is an unlocked key: the identities that decrypt the vault and the
// recipients a new vault made with it is encrypted to.
type Keyring struct {
	// Mode says how the key was unlocked.
	Mode Mode
	// Path is the identity file it came from.
	Path string
	// KeyType describes the key for people: "post-quantum (ML-KEM-768 +
	// X25519)", "X25519", "ssh-ed25519", "ssh-rsa".
	KeyType string

	identities []age.Identity
	recipients []string
	// derive, when set, works out recipients on first use: a
	// post-quantum public key takes a tenth of a millisecond to derive,
	// and `ztm token` never needs it (only a new vault and a recipient
	// change do).
	derive sync.Once
}

// Recipients are the public keys matching the identities, in the text form
// [ParseRecipient] reads.
func (k *Keyring) Recipients() []string { return append([]string(nil), k.recipientList()...) }

// recipientList is recipients, derived from the identities the first
// time when the keyring was made from age identities.
func (k *Keyring) recipientList() []string {
	k.derive.Do(func() {
		if k.recipients != nil {
			return
		}
		for _, id := range k.identities {
			switch id := id.(type) {
			case *age.HybridIdentity:
				k.recipients = append(k.recipients, id.Recipient().String())
			case *age.X25519Identity:
				k.recipients = append(k.recipients, id.Recipient().String())
			}
		}
	})
	return k.recipients
}

// Identities are the unlocked keys, for decrypting other age files
// encrypted to this vault's key (an export bundle, say).
func (k *Keyring) Identities() []age.Identity { return append([]age.Identity(nil), k.identities...) }

// PassphraseFunc supplies a passphrase when one is needed. It is called at
// most once per [LoadKey]; returning an error wrapping [ErrNoPassphrase]
// says none can be had (no terminal, say).
type PassphraseFunc func() (string, error)

// LoadKey reads the identity file at path and unlocks it, asking for a
// passphrase only when the file is passphrase-protected (identity.age, or an
// encrypted SSH key). Unwrapping identity.age costs one scrypt.
func LoadKey(path string, passphrase PassphraseFunc) (*Keyring, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	switch {
	case isAgeFile(data):
		return unwrapPassphrase(path, data, passphrase)
	case bytes.Contains(data, []byte("PRIVATE KEY-----")):
		return loadSSH(path, data, passphrase)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %s holds no age identity (AGE-SECRET-KEY-...) or SSH private key", ErrBadIdentity, path)
	}
	return keyringFrom(ModeIdentity, path, ids)
}

// maxKeyFile bounds what is read as an identity: an RSA-4096 SSH key is
// about 3.4 KiB and a post-quantum identity under 100 bytes, so 64 KiB is
// generous, and it keeps --identity /dev/zero from eating all memory.
const maxKeyFile = 64 << 10

// readKeyFile reads an identity file, refusing anything that is not a small
// regular file before reading a byte of it: a device or a FIFO would be
// read (or waited on) forever.
func readKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s: create a vault first (run ztm), or point %s or --identity at your key", ErrNoIdentity, path, EnvIdentity)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the identity file: %w", err)
	}
	if err := checkKeyFile(path, fi); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the identity file: %w", err)
	}
	defer f.Close()
	// Again on the open file: the path may have been swapped since.
	if fi, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("cannot read the identity file: %w", err)
	}
	if err := checkKeyFile(path, fi); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		clear(data)
		return nil, fmt.Errorf("cannot read the identity file: %w", err)
	}
	if len(data) > maxKeyFile {
		clear(data)
		return nil, keyFileErr(path, "grew past 64 KiB while being read")
	}
	return data, nil
}

func checkKeyFile(path string, fi os.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return keyFileErr(path, "is not a regular file (it is a "+fileKind(fi.Mode())+")")
	}
	if fi.Size() > maxKeyFile {
		return keyFileErr(path, fmt.Sprintf("is %d bytes, more than the 64 KiB any key needs", fi.Size()))
	}
	return nil
}

func keyFileErr(path, what string) error {
	return fmt.Errorf("%w: %s %s; point %s or --identity at an age identity file, identity.age or an SSH private key",
		ErrBadIdentity, path, what, EnvIdentity)
}

// fileKind names a non-regular file for a message.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&os.ModeCharDevice != 0:
		return "character device"
	case m&os.ModeDevice != 0:
		return "device"
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}

// isAgeFile reports whether data starts like an age file, binary or armored.
func isAgeFile(data []byte) bool {
	return bytes.HasPrefix(data, []byte("age-encryption.org/")) ||
		bytes.HasPrefix(bytes.TrimSpace(data), []byte(armor.Header))
}

func unwrapPassphrase(path string, data []byte, passphrase PassphraseFunc) (*Keyring, error) {
	if passphrase == nil {
		return nil, fmt.Errorf("%w to unlock %s: run ztm in a terminal, or set %s", ErrNoPassphrase, path, EnvPassphrase)
	}
	pass, err := passphrase()
	if err != nil {
		return nil, err
	}
	if pass == "" {
		return nil, fmt.Errorf("%w: the passphrase is empty; type the passphrase chosen when the vault was created", ErrWrongPassphrase)
	}
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, err
	}
	var src io.Reader = bytes.NewReader(data)
	if !bytes.HasPrefix(data, []byte("age-encryption.org/")) {
		src = armor.NewReader(src)
	}
	r, err := age.Decrypt(src, id)
	var noMatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &noMatch) && len(noMatch.StanzaTypes) == 1 && noMatch.StanzaTypes[0] == "scrypt":
		return nil, fmt.Errorf("%w for %s: try again (passphrases are case-sensitive)", ErrWrongPassphrase, path)
	case errors.As(err, &noMatch):
		return nil, fmt.Errorf("%w: %s is encrypted to keys, not a passphrase; point %s at one of those keys", ErrBadIdentity, path, EnvIdentity)
	case err != nil:
		return nil, fmt.Errorf("%w: %s is damaged (%v)", ErrBadIdentity, path, err)
	}
	plain, err := io.ReadAll(r)
	defer clear(plain)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is damaged (%v)", ErrBadIdentity, path, err)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(plain))
	if err != nil {
		return nil, fmt.Errorf("%w: %s does not wrap an age identity", ErrBadIdentity, path)
	}
	return keyringFrom(ModePassphrase, path, ids)
}

func keyringFrom(mode Mode, path string, ids []age.Identity) (*Keyring, error) {
	k := &Keyring{Mode: mode, Path: path, identities: ids}
	for _, id := range ids {
		switch id.(type) {
		case *age.HybridIdentity:
			k.KeyType = "post-quantum (ML-KEM-768 + X25519)"
		case *age.X25519Identity:
			k.KeyType = "X25519"
		}
	}
	if len(ids) > 1 {
		k.KeyType += fmt.Sprintf(", %d keys", len(ids))
	}
	return k, nil
}

func loadSSH(path string, pemBytes []byte, passphrase PassphraseFunc) (*Keyring, error) {
	raw, err := ssh.ParseRawPrivateKey(pemBytes)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if passphrase == nil {
			return nil, fmt.Errorf("%w for the SSH key %s: run ztm in a terminal", ErrNoPassphrase, path)
		}
		pass, perr := passphrase()
		if perr != nil {
			return nil, perr
		}
		raw, err = ssh.ParseRawPrivateKeyWithPassphrase(pemBytes, []byte(pass))
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, fmt.Errorf("%w for the SSH key %s: try again", ErrWrongPassphrase, path)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not an SSH key age can use (ed25519 or rsa): %v", ErrBadIdentity, path, err)
	}
	var id age.Identity
	switch key := raw.(type) {
	case *ed25519.PrivateKey:
		id, err = agessh.NewEd25519Identity(*key)
	case ed25519.PrivateKey:
		id, err = agessh.NewEd25519Identity(key)
	case *rsa.PrivateKey:
		id, err = agessh.NewRSAIdentity(key)
	default:
		return nil, fmt.Errorf("%w: %s is a %T key; age uses only ed25519 and rsa SSH keys", ErrBadIdentity, path, raw)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadIdentity, path, err)
	}
	pub, err := ssh.NewPublicKey(raw.(crypto.Signer).Public())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadIdentity, path, err)
	}
	return &Keyring{
		Mode: ModeSSH, Path: path, KeyType: pub.Type(),
		identities: []age.Identity{id},
		recipients: []string{strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))},
	}, nil
}

// ParseRecipient reads one recipient: an age X25519 key (age1...), a
// post-quantum hybrid key (age1pq1...) or an SSH public key line.
func ParseRecipient(s string) (age.Recipient, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "ssh-") {
		r, err := agessh.ParseRecipient(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrRecipient, err)
		}
		return r, nil
	}
	rs, err := age.ParseRecipients(strings.NewReader(s))
	if err != nil || len(rs) != 1 {
		return nil, fmt.Errorf("%w: %q is not an age recipient (age1...) or SSH public key (ssh-ed25519 ...)", ErrRecipient, shorten(s))
	}
	return rs[0], nil
}

func shorten(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}
