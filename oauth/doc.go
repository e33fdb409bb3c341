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
//   - Deleting a profile may call [Client.Revoke]; the detail pane may call
//     [Client.UserInfo] when [CanReadUserInfo] allows it.
//   - main loads the data-center table with [LoadDataCenters], which honours
//     ZTM_DATACENTERS, and builds one [Client] with [NewClient].
//
// Rules kept here: credentials travel only in POST bodies and headers,
// never in URLs; every request has a timeout; nothing is retried, because
// Zoho allows 10 refreshes per 10 minutes per refresh token; error messages
// never contain a secret. The fake Zoho in package fakezoho implements the
// other side of all of this for tests and the demo.
package oauth
