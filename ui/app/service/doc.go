// Package service is ztm's token service: one use case with two listeners.
//
// The agent listens on a Unix socket (see [AgentSocketPath]) and trusts the
// peer's uid, checked on every connection; it holds the vault's key for one
// session, forgets it after an idle time and a maximum, and besides tokens
// unwraps age file keys for other ztm processes ([AgentIdentity]), so they
// open the vault without a passphrase and without ever seeing the identity.
//
// The token server listens on TCP (TLS off loopback, [ListenTCP]) and trusts
// a bearer credential per reader ([Grant], [Revoke], [Grants]), which reads
// only the profiles its globs match and never sees a refresh token or a
// client secret.
//
// Both are a [Service]: the same HTTP API ([Service.Handler]), the same one
// refresh for everyone (a single flight per profile on top of the vault's
// cross-process lock), the same memory of Zoho's refusals, the same metrics
// and logs. [Client] is the other end, for the command line.
package service
