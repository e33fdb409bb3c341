package oauth_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"ztm/model"
	"ztm/oauth"
)

// TestExchangeRefusesAnUntrustedAccountsServer: a pasted redirect can name
// any accounts-server; unless it is in the table, in Zoho's list or the
// user's own, the exchange says so and sends nothing there.
func TestExchangeRefusesAnUntrustedAccountsServer(t *testing.T) {
	var hits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(tokenBody))
	}))
	defer evil.Close()
	dcs := realDCs(t)
	p := shapeProfile("https://accounts.zoho.eu", model.ServerClient)
	pasted := "https://app.example.com/cb?code=" + secretCode + "&accounts-server=" + evil.URL
	g, err := oauth.ParsePasted(pasted, "", dcs)
	if err != nil {
		t.Fatal(err)
	}
	c := oauth.NewClient(dcs)
	if err := c.TrustAccountsServer(g.AccountsServer, p.AccountsServer); !errors.Is(err, oauth.ErrUntrustedServer) {
		t.Errorf("TrustAccountsServer(%s) = %v, want ErrUntrustedServer", g.AccountsServer, err)
	}
	_, err = c.Exchange(ctx(t), p, g, "")
	if !errors.Is(err, oauth.ErrUntrustedServer) || !strings.Contains(err.Error(), "nothing was sent") ||
		!strings.Contains(err.Error(), strings.TrimPrefix(evil.URL, "http://")) {
		t.Errorf("exchange: %v, want a refusal naming the server", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("%d requests reached the untrusted server", hits.Load())
	}
	assertNoSecrets(t, err.Error(), secretClient, secretCode)

	// Declared by the user (the profile's own server), or on Zoho's list: trusted.
	declared := p
	declared.AccountsServer = evil.URL
	if _, err := c.Exchange(ctx(t), declared, g, ""); err != nil {
		t.Errorf("the profile's own accounts server refused: %v", err)
	}
	c.Trusted = []string{evil.URL + "/"}
	if _, err := c.Exchange(ctx(t), p, g, ""); err != nil {
		t.Errorf("a server on Zoho's list refused: %v", err)
	}
	if hits.Load() != 2 {
		t.Errorf("%d requests, want the two trusted exchanges", hits.Load())
	}
}

func TestTrustAccountsServerTable(t *testing.T) {
	dcs := realDCs(t)
	for server, trusted := range map[string]bool{
		"https://accounts.zoho.in":              true,
		"https://ACCOUNTS.zoho.com.au/":         true,
		"https://accounts.zoho.in.evil.example": false,
		"http://accounts.zoho.in":               false,
		"https://accounts.zoho.in@evil.example": false,
		"https://accounts.zoho.xq":              false,
		"https://accounts.example.com":          true, // declared below
	} {
		err := oauth.TrustAccountsServer(dcs, server, "https://accounts.example.com")
		if (err == nil) != trusted {
			t.Errorf("%s: %v, want trusted=%v", server, err, trusted)
		}
	}
}
