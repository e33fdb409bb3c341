// Package app holds ztm's use cases: what a person or a script can do with
// the vault and Zoho, written once for both faces. The dashboard (ui/tui)
// and the command line (ui/cli) call it; it imports neither Bubble Tea nor
// the command-line library, and it does no printing: it returns what
// happened and lets the face say it.
//
// A [Session] is an open vault with the data-center table and a Zoho
// client at hand. Its methods are the use cases: [Session.FreshToken],
// [Session.Refresh] and [Session.RefreshExpiring] (one rule for "expiring"),
// [Session.SaveGrant], [Session.Delete] (one rule for revoking),
// [Session.Rename], [Session.Edit] (which says whether Zoho must be asked
// again), [Session.SetKeepAlive], [Session.Export] and [Session.Import].
// [BuildProfile] turns what the user typed into a validated profile.
package app
