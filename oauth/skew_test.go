package oauth_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth"
)

// TestClockSkewFromTokenAnswers: a refresh reads Zoho's Date header and the
// client reports how far the local clock is off; other calls leave it be.
func TestClockSkewFromTokenAnswers(t *testing.T) {
	zohoNow := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", zohoNow.Format(http.TimeFormat))
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth/user/info" {
			w.Header().Set("Date", zohoNow.Add(time.Hour).Format(http.TimeFormat))
			io.WriteString(w, `{"Email":"ada@example.com","ZUID":1}`)
			return
		}
		io.WriteString(w, tokenBody)
	}))
	defer srv.Close()
	c := oauth.NewClient(model.DataCenters{})
	local := zohoNow.Add(-90 * time.Second)
	c.Now = func() time.Time { return local }
	if _, _, ok := c.Skew.Last(); ok {
		t.Error("a skew before any call")
	}
	if _, err := c.Refresh(ctx(t), errProfile(srv.URL)); err != nil {
		t.Fatal(err)
	}
	skew, at, ok := c.Skew.Last()
	if !ok || skew != 90*time.Second || !at.Equal(local) {
		t.Errorf("skew = %s at %s (%v), want 1m30s: the local clock is behind", skew, at, ok)
	}
	if _, err := c.UserInfo(ctx(t), errProfile(srv.URL), secretAccess); err != nil {
		t.Fatal(err)
	}
	if skew, _, _ := c.Skew.Last(); skew != 90*time.Second {
		t.Errorf("user info changed the skew to %s; only token answers count", skew)
	}
	c.Skew = nil
	if _, err := c.Refresh(ctx(t), errProfile(srv.URL)); err != nil {
		t.Fatalf("without a meter: %v", err)
	}
}
