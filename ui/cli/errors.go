package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"ztm/oauth"
	"ztm/vault"
)

// exitCode maps an error to the documented exit codes.
func exitCode(err error) int {
	var zerr *oauth.Error
	var uerr usageErr
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &uerr):
		return ExitUsage
	case errors.Is(err, vault.ErrNoProfile):
		return ExitNoProfile
	case oauth.IsNetwork(err):
		return ExitNetwork
	case errors.As(err, &zerr), errors.Is(err, vault.ErrBudget), errors.Is(err, vault.ErrNoToken):
		return ExitZoho
	case errors.Is(err, vault.ErrWrongPassphrase), errors.Is(err, vault.ErrNoPassphrase),
		errors.Is(err, vault.ErrNoIdentity), errors.Is(err, vault.ErrBadIdentity),
		errors.Is(err, vault.ErrWrongIdentity), errors.Is(err, vault.ErrNoVault),
		errors.Is(err, vault.ErrNotVault), errors.Is(err, vault.ErrCorrupt),
		errors.Is(err, vault.ErrNewerSchema), errors.Is(err, vault.ErrLockTimeout):
		return ExitLocked
	}
	return ExitUsage
}

// report prints err as one line on stderr and returns its exit code.
func report(e Env, cmd string, err error) int {
	if err == nil {
		return ExitOK
	}
	var status exitStatus
	if errors.As(err, &status) {
		return int(status)
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(e.Stderr, "ztm: interrupted")
		return 130
	}
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintf(e.Stderr, "ztm: %s\n", msg)
	return exitCode(err)
}
