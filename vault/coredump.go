package vault

// DisableCoreDumps keeps this process's memory, which holds every secret of
// an unlocked vault, out of core dumps: on Linux it marks the process not
// dumpable (which also keeps other processes of the same user from reading
// its memory through ptrace or /proc) and sets the core size limit to 0;
// on other Unix systems it sets the limit; elsewhere it does nothing. main
// calls it first thing. The error, if any, is worth a warning, not a stop.
func DisableCoreDumps() error { return disableCoreDumps() }
