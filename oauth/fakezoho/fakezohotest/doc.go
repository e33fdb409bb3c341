// Package fakezohotest starts the fake Zoho of package fakezoho for a
// test, with the set-up every test of ztm would otherwise repeat. It is
// the one fixture: no test package starts a fake of its own.
//
// What it offers:
//
//   - [Start] runs the fake on loopback ports and stops it when the test
//     ends, with the data-center table pointing at it ([Fixture.DCs],
//     [Fixture.DC]) and the demo clients registered.
//   - A [Clock] the test moves (Advance, Set, and a Sleep that returns at
//     once), shared by the fake and the code under test ([Fixture.Clock],
//     [Fixture.Now]); [At] picks its start, [WallClock] uses the real
//     clock instead, for tests that run the ztm binary.
//   - Options: [WithOptions] for any [fakezoho.Options], [Latency],
//     [Skew] (Zoho's clock ahead of the machine's), [LocalAPI] (the fake's
//     own API hosts as api_domain), [NoDemoClients].
//   - For other processes: [Fixture.DataCentersFile] writes the table as a
//     ZTM_DATACENTERS file, and [Fixture.Env] is the environment entry a
//     child ztm needs to reach the fake.
//   - Seeding: [Fixture.NewClient] registers a fresh client of any type,
//     [Fixture.Profile] is a profile before its grant, [Fixture.SeededProfile]
//     one with tokens made without a request, [Fixture.SelfClientProfile]
//     one granted over HTTP, [Fixture.AccessToken] a live token for an API
//     call, [Fixture.Exchange] trades a code for tokens.
//   - [Fixture.Consent] is a browser whose user presses Accept, following
//     the fake's redirects to the client's redirect URI.
//
// The fake's own controls (InjectFault, Requests, ExpireAccessToken,
// SetRecords...) are on [Fixture.Zoho]. The package is for tests only;
// the fake itself (which ztm demo ships) never imports it.
package fakezohotest
