package vault

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, for errors.Is. The errors returned wrap them with the
// paths involved and a sentence saying what to do.
var (
	// ErrNoVault means there is no vault file yet.
	ErrNoVault = errors.New("no vault")
	// ErrExists means Create found a vault already there.
	ErrExists = errors.New("a vault already exists")
	// ErrNoIdentity means the identity file is missing.
	ErrNoIdentity = errors.New("no identity file")
	// ErrWrongPassphrase means the passphrase does not unwrap identity.age.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrNoPassphrase means a passphrase is needed and none can be asked for.
	ErrNoPassphrase = errors.New("a passphrase is needed")
	// ErrBadIdentity means the identity file holds no usable key.
	ErrBadIdentity = errors.New("not a usable identity")
	// ErrWrongIdentity means the identity is not one of the vault's recipients.
	ErrWrongIdentity = errors.New("wrong identity for this vault")
	// ErrNotVault means the file is not an age file, or decrypts to
	// something that is not a ztm vault.
	ErrNotVault = errors.New("not a ztm vault")
	// ErrCorrupt means the file is truncated or was modified after it was
	// written, or its database fails the integrity check.
	ErrCorrupt = errors.New("vault damaged")
	// ErrNewerSchema means the vault was written by a newer ztm.
	ErrNewerSchema = errors.New("vault written by a newer ztm")
	// ErrLockFailed means the lock could not be taken at all (a directory
	// in the lock file's place, a read-only disk): the vault cannot be
	// changed until that is mended.
	ErrLockFailed = errors.New("the vault's lock cannot be taken")
	// ErrLockTimeout means another process held the lock for too long.
	ErrLockTimeout = errors.New("vault is locked by another ztm")
	// ErrNoProfile means no profile has the given name.
	ErrNoProfile = errors.New("no such profile")
	// ErrProfileExists means the name is already taken.
	ErrProfileExists = errors.New("a profile with that name exists")
	// ErrNoToken means the profile has no tokens yet.
	ErrNoToken = errors.New("no token yet")
	// ErrSave means a save failed; the vault file on disk is unchanged.
	ErrSave = errors.New("the change was not saved")
	// ErrUnsafeDir means other users can write to the vault's directory,
	// so they could swap the key or the vault: ztm refuses to use it.
	ErrUnsafeDir = errors.New("the vault directory is writable by other users")
	// ErrRecipient means a recipient could not be parsed or mixed with others.
	ErrRecipient = errors.New("bad recipient")
)

// damaged turns SQLite's report of a malformed database, which only a
// damaged or crafted file can cause (see memDB.load), into ErrCorrupt with
// the way back.
func (v *Vault) damaged(err error) error {
	// A lazily read vault reports a chunk that fails age's authentication
	// as an I/O error, and tables that are not ztm's as missing ones.
	if err == nil || !containsAny(err.Error(), "malformed", "disk I/O error", "no such table", "no such column") {
		return err
	}
	return fmt.Errorf("%w: %s: %v; %s", ErrCorrupt, v.paths.Vault, err, restoreHint(v.paths.Vault))
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
