package oauth_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"ztm/model"
	"ztm/oauth"
)

// revokeServer answers the newer revoke endpoint with newer and the older
// one with older (nil: drop the connection), recording each request line.
func revokeServer(t *testing.T, newer, older func(w http.ResponseWriter)) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var lines []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		lines = append(lines, r.Method+" "+r.URL.Path+" query="+r.URL.RawQuery+" body="+string(body))
		mu.Unlock()
		switch {
		case r.URL.Path == "/oauth/v2/revoke/token":
			newer(w)
		case r.URL.Path == "/oauth/v2/token/revoke" && older != nil:
			older(w)
		default:
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), lines...)
	}
}

func answer(status int, contentType, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func TestRevokeFallsBackOnlyWhenTheNewerEndpointIsMissing(t *testing.T) {
	t.Run("404 page: the older form, token in the query", func(t *testing.T) {
		srv, lines := revokeServer(t, answer(404, "text/plain", "404 page not found"), answer(200, "application/json", `{"status":"success"}`))
		err := oauth.NewClient(model.DataCenters{}).Revoke(ctx(t), shapeProfile(srv.URL, model.ServerClient), secretRefresh)
		if err != nil {
			t.Fatal(err)
		}
		if len(lines()) != 2 || !strings.HasPrefix(lines()[1], "POST /oauth/v2/token/revoke query=token="+secretRefresh+" body=") {
			t.Errorf("requests %q, want the newer form then the older", redactAll(lines()))
		}
	})
	t.Run("405: the older form", func(t *testing.T) {
		srv, lines := revokeServer(t, answer(405, "application/json", `{}`), answer(200, "", ""))
		if err := oauth.NewClient(model.DataCenters{}).Revoke(ctx(t), shapeProfile(srv.URL, model.ServerClient), secretRefresh); err != nil {
			t.Fatal(err)
		}
		if len(lines()) != 2 {
			t.Errorf("%d requests, want 2", len(lines()))
		}
	})
	t.Run("a revoked token is not a missing endpoint", func(t *testing.T) {
		srv, lines := revokeServer(t, answer(404, "application/json", `{"error":"invalid_token"}`), answer(200, "", ""))
		err := oauth.NewClient(model.DataCenters{}).Revoke(ctx(t), shapeProfile(srv.URL, model.ServerClient), secretRefresh)
		if !errors.Is(err, model.ErrRefreshRevoked) || len(lines()) != 1 {
			t.Errorf("err %v after %d requests, want revoked after one", err, len(lines()))
		}
	})
	t.Run("other failures do not fall back", func(t *testing.T) {
		srv, lines := revokeServer(t, answer(502, "text/html", "<html>bad gateway</html>"), answer(200, "", ""))
		err := oauth.NewClient(model.DataCenters{}).Revoke(ctx(t), shapeProfile(srv.URL, model.ServerClient), secretRefresh)
		if !oauth.IsNetwork(err) || len(lines()) != 1 {
			t.Errorf("err %v after %d requests, want unreachable after one", err, len(lines()))
		}
	})
	t.Run("access tokens have no older form", func(t *testing.T) {
		srv, lines := revokeServer(t, answer(404, "text/plain", "not found"), answer(200, "", ""))
		err := oauth.NewClient(model.DataCenters{}).RevokeToken(ctx(t), shapeProfile(srv.URL, model.ServerClient), secretAccess, oauth.AccessTokenKind)
		if err == nil || len(lines()) != 1 {
			t.Errorf("err %v after %d requests, want a failure after one", err, len(lines()))
		}
	})
}

// TestOlderRevokeFormKeepsTheTokenOutOfErrors: the older form carries the
// token in its URL; whatever goes wrong there, no message quotes it.
func TestOlderRevokeFormKeepsTheTokenOutOfErrors(t *testing.T) {
	for name, older := range map[string]func(http.ResponseWriter){
		"dropped connection": nil,
		"echoing error":      answer(400, "application/json", `{"error":"invalid_request","error_description":"bad token `+secretRefresh+`"}`),
		"html page":          answer(500, "text/html", "<p>/oauth/v2/token/revoke?token="+secretRefresh+"</p>"),
	} {
		t.Run(name, func(t *testing.T) {
			srv, lines := revokeServer(t, answer(404, "text/plain", "404 page not found"), older)
			err := oauth.NewClient(model.DataCenters{}).Revoke(ctx(t), shapeProfile(srv.URL, model.ServerClient), secretRefresh)
			if err == nil || len(lines()) != 2 {
				t.Fatalf("err %v after %d requests, want a failure of the older form", err, len(lines()))
			}
			assertNoSecrets(t, err.Error(), secretRefresh, secretClient)
			assertNoSecrets(t, strings.Join(strings.Fields(err.Error()), ""), secretRefresh)
		})
	}
}

func redactAll(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.ReplaceAll(strings.ReplaceAll(l, secretRefresh, "[refresh]"), secretClient, "[secret]")
	}
	return out
}
