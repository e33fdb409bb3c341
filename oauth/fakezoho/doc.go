// Package fakezoho is a fake Zoho accounts service for tests and the demo.
//
// [New] starts one loopback httptest server per data center, all sharing
// one state, and [Cluster.DataCenters] returns the data-center table
// rewritten to point at them, so a profile built from it talks to the fake
// exactly as it would to Zoho.
//
// The fake keeps Zoho's rules, not just its shapes: consent checks the
// client and the exact redirect URI and redirects with code, location,
// accounts-server and state, sending a user of another data center to
// their home first (China excepted); codes work once and expire (about two
// minutes for redirect codes, what was chosen for Self Client codes); codes
// and refresh tokens are bound to their data center unless the client is
// multi-DC (otherwise invalid_client); a refresh token allows 10 refreshes
// per 10 minutes, then answers HTTP 400 with Zoho's "Access Denied" body;
// a user holds at most 20 refresh tokens per client (the 21st deletes the
// oldest) and a refresh token at most 15 live access tokens; errors come
// with HTTP 200; the device flow answers authorization_pending, slow_down,
// other_dc, access_denied and expired; user info needs
// AaaServer.profile.READ. [Options] choose the clock, latency, the legacy
// millisecond token format and how consent is answered.
//
// Tests steer it with [Cluster.InjectFault], read it with
// [Cluster.Requests] ("exactly one refresh"), and reach into its state with
// [Cluster.SelfClientCode], [Cluster.ApproveDevice], [Cluster.RevokeAll]
// and friends. A separate process can do the same through the endpoints
// under [FakePrefix]. [Serve] and the fakezoho command run it on its own.
//
// The fake reads parameters from request bodies only: a client that puts
// credentials in a URL gets an error instead of a token.
package fakezoho
