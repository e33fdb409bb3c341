package vault

import (
	"fmt"
	"io"
	"os"
	"slices"
)

// save writes the in-memory database to the vault file atomically:
// encrypt it into a temp file beside the vault (stream.go), fsync, check
// that it decrypts to the same image, rename it over the vault, fsync the
// directory. Until the rename, the old vault is untouched; if the directory
// sync fails, the old file is put back. With rotate the old file becomes
// vault.age.bak; without (a save that only records bookkeeping, such as a
// failed refresh) .bak keeps the version before the last real change.
// Callers hold the lock.
func (v *Vault) save(rotate bool) error {
	if v.pg != nil {
		return v.savePG()
	}
	if err := checkDir(v.paths.Dir); err != nil {
		return fmt.Errorf("%w: %w", ErrSave, err)
	}
	if err := v.mem.checkChanges(); err != nil {
		return saveErr("check", err)
	}
	recipients, err := v.mem.recipients()
	if err != nil {
		return saveErr("encrypt", err)
	}
	if err := v.step("encrypt"); err != nil {
		return saveErr("encrypt", err)
	}
	tmp, sum, err := v.writeTempImage(recipients)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			os.Remove(tmp)
		}
	}()

	if err := v.step("verify"); err != nil {
		return saveErr("verify", err)
	}
	if err := verifySum(tmp, sum, v.key.identities); err != nil {
		return saveErr("verify", err)
	}

	// A second name for the current file keeps the previous version: it
	// becomes vault.age.bak once the new file is in place, or goes back
	// over vault.age if the directory cannot be synced.
	prev := prevName(v.paths.Vault)
	hasPrev := v.keepPrev(prev)
	defer os.Remove(prev)

	if err := v.step("rename"); err != nil {
		return saveErr("rename", err)
	}
	if err := os.Rename(tmp, v.paths.Vault); err != nil {
		return saveErr("rename", err)
	}
	committed = true

	err = v.step("syncdir")
	if err == nil {
		err = syncDir(v.paths.Dir)
	}
	if err != nil {
		// The rename may not survive a crash; put the old file back so
		// that what the caller is told (not saved) is what is on disk.
		if hasPrev && os.Rename(prev, v.paths.Vault) == nil {
			syncDir(v.paths.Dir)
			return saveErr("sync the directory for", err)
		}
		return fmt.Errorf("the change was written but the directory could not be synced, so it may not survive a power cut: %w", err)
	}
	if hasPrev && rotate {
		os.Rename(prev, v.paths.Vault+backupSuffix)
	}

	fi, err := os.Stat(v.paths.Vault)
	if err != nil {
		return saveErr("stat", err)
	}
	v.loaded = stamp{fi: fi}
	return nil
}

// keepPrev gives the current vault file a second name, prev: a hard link
// where the file system has them, else a copy (the ciphertext, so no
// secret reaches the disk in the clear). It reports whether prev exists.
func (v *Vault) keepPrev(prev string) bool {
	os.Remove(prev)
	if !exists(v.paths.Vault) {
		return false
	}
	link := v.link
	if link == nil {
		link = os.Link
	}
	if link(v.paths.Vault, prev) == nil {
		return true
	}
	if err := copyFile(v.paths.Vault, prev); err != nil {
		os.Remove(prev)
		v.noteWarning(fmt.Sprintf("the previous version of the vault could not be kept as %s (%v): check the disk",
			v.paths.Vault+backupSuffix, err))
		return false
	}
	return true
}

// noteWarning adds to Warnings once.
func (v *Vault) noteWarning(w string) {
	if !slices.Contains(v.warnings, w) {
		v.warnings = append(v.warnings, w)
	}
}

// copyFile copies src to a new 0600 file dst and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if err2 := out.Close(); err == nil {
		err = err2
	}
	return err
}

// writeTemp creates a new 0600 temp file in the vault's directory, has fill
// write it, and fsyncs it. On error the temp file is gone.
func (v *Vault) writeTemp(fill func(f *os.File) error) (string, error) {
	if err := v.step("create"); err != nil {
		return "", saveErr("create a temp file", err)
	}
	f, err := os.CreateTemp(v.paths.Dir, tempPrefix(v.paths.Vault)+"*")
	if err != nil {
		return "", saveErr("create a temp file", err)
	}
	err = f.Chmod(0o600)
	if err != nil {
		err = saveErr("protect the temp file for", err)
	}
	if err == nil {
		err = fill(f)
	}
	if err == nil {
		if err = v.step("sync"); err == nil {
			err = f.Sync()
		}
		if err != nil {
			err = saveErr("sync", err)
		}
	}
	if err2 := f.Close(); err == nil && err2 != nil {
		err = saveErr("close", err2)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// writeCipher is a fill for writeTemp that writes cipher in two halves
// with the "write" fault point between them.
func (v *Vault) writeCipher(cipher []byte) func(f *os.File) error {
	return func(f *os.File) error {
		half := len(cipher) / 2
		if _, err := f.Write(cipher[:half]); err != nil {
			return saveErr("write", err)
		}
		if err := v.step("write"); err != nil {
			return saveErr("write", err)
		}
		if _, err := f.Write(cipher[half:]); err != nil {
			return saveErr("write", err)
		}
		return nil
	}
}

func (v *Vault) step(name string) error {
	if v.fault == nil {
		return nil
	}
	return v.fault(name)
}

func saveErr(step string, err error) error {
	return fmt.Errorf("%w: could not %s the new vault file (%w); the vault on disk is unchanged", ErrSave, step, err)
}
