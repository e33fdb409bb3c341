//go:build race

package e2e

// raceEnabled: the test process runs with the race detector, which slows
// the fake Zoho it serves.
const raceEnabled = true
