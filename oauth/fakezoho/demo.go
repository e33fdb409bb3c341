package fakezoho

import "ztm/model"

// The demo clients [Serve] registers, enabled in every data center, so the
// demo and end-to-end tests can add profiles without setting anything up.
const (
	DemoServerClientID = "1000.ZTMDEMOSERVER0000000000"
	DemoSelfClientID   = "1000.ZTMDEMOSELF000000000000"
	DemoDeviceClientID = "1000.ZTMDEMODEVICE0000000000"
	// DemoSecret is every demo client's secret.
	DemoSecret = "ztm-demo-secret-0123456789abcdef"
	// DemoRedirectURI is the demo server client's loopback redirect.
	DemoRedirectURI = "http://localhost:8765/callback"
	// DemoPasteRedirectURI is a second redirect of the demo server client,
	// for the paste-the-URL flow.
	DemoPasteRedirectURI = "https://example.com/ztm/callback"
)

// DemoClients returns the demo clients: a server-based one, a Self Client
// and a Non-browser one.
func DemoClients() []Client {
	return []Client{
		{ID: DemoServerClientID, Secret: DemoSecret, Type: model.ServerClient, MultiDC: true,
			RedirectURIs: []string{DemoRedirectURI, DemoPasteRedirectURI}},
		{ID: DemoSelfClientID, Secret: DemoSecret, Type: model.SelfClient, MultiDC: true},
		{ID: DemoDeviceClientID, Secret: DemoSecret, Type: model.NonBrowserClient, MultiDC: true},
	}
}
