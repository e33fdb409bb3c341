// Package fakezoho is a fake Zoho, accounts servers and product APIs, for
// tests and the demo.
//
// [New] starts two loopback httptest servers per data center, all sharing
// one state: the accounts server ([Cluster.URL]) and the API host
// ([Cluster.APIURL]). [Cluster.DataCenters] returns the data-center table
// rewritten to point at them, so a profile built from it talks to the fake
// exactly as it would to Zoho. API domains stay Zoho's real ones unless
// [Options.LocalAPIDomain] is set; then token responses and the table name
// the fake's API hosts.
//
// # Accounts
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
// grant_type=client_credentials works for Self Clients only (others get
// unauthorized_client); a client with [Client.RequireSOID] needs soid
// (ZohoCRM.<org id>) or gets missing_org_info. It answers an access token
// without a refresh token, counted under [EndpointToken] and held to the
// same 10-per-10-minutes budget, kept per client and scope set.
//
// Tokens are revoked by the older POST /oauth/v2/token/revoke?token= form
// ([EndpointRevoke]) and the newer POST /oauth/v2/revoke/token with HTTP
// Basic client credentials, token and token_type ([EndpointRevokeToken]).
// GET /oauth/serverinfo lists every location with the fake's accounts
// server; [Cluster.SetServerLocation] opens, moves or closes one.
//
// # Product APIs
//
// Each API host answers, on Zoho's paths and with each product's own
// error shapes:
//
//   - CRM: GET /crm/v8/org; GET /crm/v8/{Module} with page and per_page up
//     to record 2,000 (DISCRETE_PAGINATION_LIMIT_EXCEEDED past it) and
//     page_token after, info.more_records and info.next_page_token, 204
//     for an empty page; POST and PUT of {"data": [...]} answered record by
//     record (nothing is stored). Errors: 401 AUTHENTICATION_FAILURE (no or
//     an unknown token), 401 INVALID_TOKEN (expired, revoked, evicted, or of
//     another data center), 401 OAUTH_SCOPE_MISMATCH (no ZohoCRM scope),
//     403 NO_PERMISSION ([Cluster.SetNoPermission]).
//   - Books: GET /books/v3/organizations; GET /books/v3/{resource} with
//     page, per_page and page_context.has_more_page. Errors: 401 code 14
//     (no or an unknown token), 401 code 57 (a dead token, or no ZohoBooks
//     scope).
//   - Desk: GET /api/v1/organizations; GET /api/v1/tickets with from
//     (0-based) and limit, needing the orgId header. Errors: 401
//     UNAUTHORIZED, INVALID_OAUTH, OAUTH_ORG_MISMATCH (orgId of another
//     org), and SCOPE_MISMATCH (the fake's choice: Zoho's is unconfirmed).
//   - Streaming: GET /crm/v8/files?size=N streams N bytes of [DownloadByte]
//     without holding them; POST /crm/v8/files reads a streamed body and
//     counts it ([Cluster.UploadedBytes]).
//
// Records are seeded and deterministic: every CRM module, Books resource
// and Desk's tickets hold [Options.Records] records generated from their
// index (the same ids in every run), or what [Cluster.SetRecords] says.
// Each product has one org per data center, [Cluster.OrgID].
//
// Every response of both hosts carries a Date header from the fake's
// clock, for clock-skew checks.
//
// # Controls
//
// Tests steer it with [Cluster.InjectFault] (on any Endpoint, the product
// APIs' included), read it with [Cluster.Requests] ("exactly one
// refresh"), and reach into its state with [Cluster.SelfClientCode],
// [Cluster.ApproveDevice], [Cluster.RevokeAll], [Cluster.RevokeRefreshToken],
// [Cluster.ExpireAccessToken] (a token dies in the middle of a run),
// [Cluster.MintRefreshToken], [Cluster.MintAccessToken] and friends. A
// separate process can do the same through the endpoints under
// [FakePrefix]. [Serve] and the fakezoho command run it on its own.
// Package fakezohotest wraps all this in one fixture for Go tests.
//
// The fake reads token-endpoint parameters from request bodies only: a
// client that puts credentials in a URL gets an error instead of a token.
package fakezoho
