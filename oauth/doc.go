// Package oauth speaks Zoho's OAuth 2.0 dialect: consent URLs, the four
// ways to get a grant, the token endpoint, revocation, user info, the
// device flow, and what every Zoho error means for the person at the
// keyboard.
//
// Who uses what:
//
//   - The add-profile wizard (ui) builds a consent with [Client.NewConsent],
//     then gets a [Grant] one of four ways: [ParsePasted] for a Self Client
//     code or a pasted redirect URL; [Listen] and [Receiver.Wait] for a
//     loopback redirect (listen before the browser opens); or
//     [Client.StartDevice] and [Client.PollDevice] for a Non-browser client.
//     [Grant.OtherDC] lets it say "this code came from IN, you chose EU".
//     [Client.Exchange] then turns the grant into a [Result];
//     [Result.ApplyTo] stores it in the profile, including the accounts
//     server every later refresh must use.
//   - The vault calls [Client.Refresh] through the refresh function it is
//     given, under its lock, so one expired token makes one request. It
//     classifies failures with errors.Is: [model.ErrRefreshRevoked] (a new
//     consent is needed) and [model.ErrThrottled] (wait), and [IsNetwork]
//     for "no answer at all".
//   - A pasted redirect's accounts-server is checked with
//     [Client.TrustAccountsServer] as soon as it is pasted (Exchange checks
//     again), so no secret goes to a server outside the table, Zoho's list
//     ([Client.ServerInfo], kept in [Client.Trusted]) or the user's own.
//   - A Self Client profile with ClientCredentials gets its first token
//     from [Client.ClientCredentials]; after that [Client.Refresh] asks the
//     same way, so the vault treats it like any other profile.
//   - Deleting a profile may call [Client.Revoke] (or [Client.RevokeToken]
//     for an access token); the detail pane may call [Client.UserInfo]
//     when [CanReadUserInfo] allows it.
//   - Errors for people: [IsNetwork] (errors.Is model.ErrUnreachable) is
//     "could not reach Zoho", a gateway's page or 5xx included;
//     [WithConsentHint] adds a face's own way to consent again to an error
//     that [NeedsConsent].
//   - The token service, the proxy and `ztm api` read product API errors
//     with [ClassifyAPIError] (one refresh and one retry only on
//     [APIVerdict.DeadToken]), refuse hosts that are not
//     [IsZohoAPIHost], and prove a token with [LivenessProbe].
//   - [DiffServerList] and [RenderOverrides] turn Zoho's server list into
//     a ZTM_DATACENTERS file; [Client.Skew] tells how far the local clock
//     is from Zoho's.
//   - main loads the data-center table with [LoadDataCenters], which honours
//     ZTM_DATACENTERS, and builds one [Client] with [NewClient].
//
// Rules kept here: credentials travel only in POST bodies and headers,
// never in URLs (the one exception is the older revoke form, which Zoho
// defines with the token in its query, and whose URL no error quotes); every request has a timeout; nothing is retried, because
// Zoho allows 10 refreshes per 10 minutes per refresh token; error messages
// never contain a secret. The fake Zoho in package fakezoho implements the
// other side of all of this for tests and the demo.
package oauth
