package fakezoho_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"ztm/oauth/fakezoho"
)

// liveToken registers a Self Client in dc, mints a refresh token with
// scopes and refreshes it once: a live access token and its refresh token.
func liveToken(t *testing.T, z *fakezoho.Cluster, dc string, scopes ...string) (access, refreshTok string) {
	t.Helper()
	id := "1000.API" + dc + strings.NewReplacer(".", "", "_", "").Replace(strings.Join(scopes, ""))
	selfClient(z, id, dc)
	rt := z.MintRefreshToken(id, fakezoho.DefaultUser(dc), dc, scopes)
	status, body := refresh(t, z, dc, id, rt)
	at, _ := body["access_token"].(string)
	if status != 200 || at == "" {
		t.Fatalf("refresh for an API token: %d %v", status, body)
	}
	return at, rt
}

// call is one API request with the Zoho-oauthtoken scheme (when token is
// not empty) and extra headers given as name, value pairs.
func call(t *testing.T, method, u, token string, body io.Reader, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return call2(t, req)
}

// call2 sends req and reads the whole answer.
func call2(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, raw
}

// decode parses a JSON object.
func decode(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("answer is not JSON: %q", raw)
	}
	return body
}

// getJSON is a GET whose answer must be JSON.
func getJSON(t *testing.T, u, token string, headers ...string) (int, map[string]any) {
	t.Helper()
	resp, raw := call(t, http.MethodGet, u, token, nil, headers...)
	return resp.StatusCode, decode(t, raw)
}
