package vault

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Default file names inside the vault's directory.
const (
	VaultFile          = "vault.age"
	PassphraseIdentity = "identity.age"
	KeyFileIdentity    = "identity.txt"
)

// Environment variables that override the default locations.
const (
	EnvVault      = "ZTM_VAULT"
	EnvIdentity   = "ZTM_IDENTITY"
	EnvPassphrase = "ZTM_PASSPHRASE"
)

// Paths locates a vault and its key.
type Paths struct {
	// Dir is the directory holding the vault; it should be mode 0700.
	Dir string
	// Vault is the encrypted database, vault.age.
	Vault string
	// Identity is the key: identity.age (passphrase-wrapped), an age
	// identity file, or an SSH private key.
	Identity string
	// Lock is the lock file that serializes changes across processes.
	// A vault in PostgreSQL locks there instead; its Lock only guards the
	// local identity file.
	Lock string
	// URL is the connection string of a vault kept in PostgreSQL, with
	// any password it carries; empty for a file vault. Vault then holds
	// the URL without its password, for messages: print Vault, never URL.
	URL string
}

// ResolvePaths works out where the vault and its identity are. A flag wins
// over the environment (ZTM_VAULT, ZTM_IDENTITY), which wins over the
// defaults in os.UserConfigDir()/ztm. Without an explicit identity, the
// vault's directory is searched for identity.age, then identity.txt; if
// neither exists, identity.age is assumed (what a new vault gets).
func ResolvePaths(vaultFlag, identityFlag string, getenv func(string) string) (Paths, error) {
	vaultPath := firstNonEmpty(vaultFlag, getenv(EnvVault))
	if vaultPath == "" {
		dir, err := configDir(getenv)
		if err != nil {
			return Paths{}, err
		}
		vaultPath = filepath.Join(dir, "ztm", VaultFile)
	}
	var p Paths
	if IsURL(vaultPath) {
		// The key stays on this machine, in the config directory.
		dir, err := configDir(getenv)
		if err != nil {
			return Paths{}, err
		}
		p = Paths{Dir: filepath.Join(dir, "ztm"), Vault: Redact(vaultPath), URL: vaultPath}
	} else {
		abs, err := filepath.Abs(vaultPath)
		if err != nil {
			return Paths{}, err
		}
		p = Paths{Dir: filepath.Dir(abs), Vault: abs, Lock: abs + ".lock"}
	}
	p.Identity = firstNonEmpty(identityFlag, getenv(EnvIdentity))
	if p.Identity == "" {
		p.Identity = filepath.Join(p.Dir, PassphraseIdentity)
		if !exists(p.Identity) && exists(filepath.Join(p.Dir, KeyFileIdentity)) {
			p.Identity = filepath.Join(p.Dir, KeyFileIdentity)
		}
	}
	var err error
	p.Identity, err = filepath.Abs(p.Identity)
	if p.URL != "" {
		p.Lock = p.Identity + ".lock"
	}
	return p, err
}

// configDir is os.UserConfigDir, but reading the environment through getenv
// so that tests and the demo can point it elsewhere.
func configDir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find a config directory (%v): set %s to the vault's path", err, EnvVault)
	}
	return d, nil
}

// CacheDir is where ztm keeps what it can fetch again (a copy of a
// PostgreSQL vault's ciphertext, see [Options.CacheDir]):
// $XDG_CACHE_HOME/ztm, else ztm in the user's cache directory, found
// through getenv so that tests and the demo can point it elsewhere;
// empty when there is none.
func CacheDir(getenv func(string) string) string {
	if d := getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "ztm")
	}
	var base string
	switch home := getenv("HOME"); {
	case runtime.GOOS == "windows":
		base = getenv("LocalAppData")
	case home == "" || !filepath.IsAbs(home):
		return ""
	case runtime.GOOS == "darwin":
		base = filepath.Join(home, "Library", "Caches")
	default:
		base = filepath.Join(home, ".cache")
	}
	if base == "" || !filepath.IsAbs(base) {
		return ""
	}
	return filepath.Join(base, "ztm")
}

// resolveLink follows a symlinked vault file to the file it names, so that
// a save replaces the target (atomically, in the target's directory) rather
// than the link, and the side files (temp files, .bak, the lock) sit beside
// the real file, shared with whoever opens it by its own name.
func resolveLink(p Paths) (Paths, error) {
	if p.URL != "" {
		return p, nil
	}
	fi, err := os.Lstat(p.Vault)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return p, nil
	}
	target, err := filepath.EvalSymlinks(p.Vault)
	if err != nil {
		dest, _ := os.Readlink(p.Vault)
		return p, fmt.Errorf("%w: %s is a symbolic link to %s, which cannot be followed (%v): fix or remove the link",
			ErrNoVault, p.Vault, dest, err)
	}
	if p.Lock == p.Vault+".lock" || p.Lock == "" {
		p.Lock = target + ".lock"
	}
	p.Vault, p.Dir = target, filepath.Dir(target)
	return p, nil
}

// Exists reports whether the vault file is there. A vault in PostgreSQL
// is taken to exist: only opening it can tell.
func (p Paths) Exists() bool { return p.URL != "" || exists(p.Vault) }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// checkDir refuses a vault directory that other users can write to: they
// could replace the vault, or the identity beside it, with their own and
// read whatever ztm saves next. Reading is only warned about (see
// permissionWarnings); writing is a way in.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil // a missing directory is reported by whoever needs it
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("%w: %s has mode %04o, so another user could swap the key or the vault for their own: run chmod 700 %s",
			ErrUnsafeDir, dir, perm, dir)
	}
	return nil
}

// permissionWarnings returns a sentence for each of the vault's directory,
// file and identity that other users can read, saying how to fix it.
func permissionWarnings(p Paths) []string {
	var out []string
	check := func(path, what string, want fs.FileMode) {
		fi, err := os.Stat(path)
		if err != nil {
			return
		}
		if fi.Mode().Perm()&0o077 != 0 {
			out = append(out, fmt.Sprintf("%s %s is open to other users (mode %04o): run chmod %o %s",
				what, path, fi.Mode().Perm(), want, path))
		}
	}
	check(p.Dir, "the vault directory", 0o700)
	check(p.Vault, "the vault file", 0o600)
	check(p.Identity, "the identity file", 0o600)
	return out
}
