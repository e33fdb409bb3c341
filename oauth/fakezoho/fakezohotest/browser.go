package fakezohotest

import (
	"io"
	"net/http"
	"net/url"
)

// Consent opens a consent URL as a browser whose user presses Accept (or
// Deny, with the fake's AutoDeny consent mode): it follows Zoho's own
// redirects between the fake's data centers but not the last one, to the
// client's redirect URI, and returns that URL, the one a user would paste
// or a loopback receiver would catch. The test fails if the fake answers
// anything but a redirect, such as an error page.
func (f *Fixture) Consent(consentURL string) string {
	f.t.Helper()
	own := map[string]bool{}
	for _, id := range f.Zoho.IDs() {
		if u, err := url.Parse(f.Zoho.URL(id)); err == nil {
			own[u.Host] = true
		}
	}
	hc := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if !own[req.URL.Host] {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(consentURL)
	if err != nil {
		f.t.Fatalf("fakezohotest: consent: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		page, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		f.t.Fatalf("fakezohotest: consent answered %d, want a redirect: %s", resp.StatusCode, page)
	}
	return resp.Header.Get("Location")
}
