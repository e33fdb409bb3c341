package oauth

import (
	"errors"
	"fmt"

	"ztm/model"
)

// ErrUntrustedServer means a redirect named an accounts server that is not
// in the data-center table, not in Zoho's server list and not declared by
// the user; ztm refuses to send a client secret or a grant code there.
var ErrUntrustedServer = errors.New("untrusted accounts server")

// TrustAccountsServer decides whether the accounts server a redirect names
// (its `accounts-server`) may receive the client secret and the grant
// code. It may if it is in the data-center table dcs, or equals one of
// declared: the servers the user chose (the profile's accounts server) and
// those of Zoho's own server list ([Client.ServerInfo]). Scheme and host
// are compared; case and a trailing slash do not matter.
//
// Anyone can craft a redirect URL, and a user pastes what the browser
// shows, so a name on it is not enough: the answer, matching
// [ErrUntrustedServer], says so before any secret is sent. Both faces call
// this (through [Client.TrustAccountsServer]) as soon as a URL is pasted;
// [Client.Exchange] calls it again before it sends anything.
func TrustAccountsServer(dcs model.DataCenters, server string, declared ...string) error {
	if err := model.ValidateServerURL(server); err != nil {
		return fmt.Errorf("%w: %w", ErrUntrustedServer, err)
	}
	if _, ok := dcs.ByAccountsServer(server); ok {
		return nil
	}
	for _, d := range declared {
		if d != "" && sameServer(server, d) {
			return nil
		}
	}
	return fmt.Errorf("%w: the redirect names %s as the accounts server, which is not a Zoho data center ztm knows, so nothing was sent to it: "+
		"if the address is right, make it the profile's accounts server (or add it to %s) and paste the URL again",
		ErrUntrustedServer, model.Echo(model.NormalizeServerURL(server)), DataCentersEnv)
}

// TrustAccountsServer is [TrustAccountsServer] with the client's table and
// the servers of [Client.Trusted] added to declared.
func (c *Client) TrustAccountsServer(server string, declared ...string) error {
	return TrustAccountsServer(c.DCs, server, append(append([]string(nil), declared...), c.Trusted...)...)
}
