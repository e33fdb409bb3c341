// Package model holds ztm's domain types and the pure rules that govern them:
// profiles, tokens, data centers, scopes, expiry arithmetic and validation.
//
// Nothing here performs I/O or reads the clock: every rule that depends on
// time takes the current instant as an argument, so callers (and tests)
// decide what "now" is.
package model
