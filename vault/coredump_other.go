//go:build !unix

package vault

// Windows writes no core dumps of its own accord (crash dumps are opt-in
// through Windows Error Reporting settings).
func disableCoreDumps() error { return nil }
