package oauth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/oauth/fakezoho"
)

// TestDeviceFlowInEveryDC: show the code, the user approves on their
// phone after a couple of polls, tokens arrive.
func TestDeviceFlowInEveryDC(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	for _, dc := range f.Zoho.IDs() {
		t.Run(dc, func(t *testing.T) {
			p := f.newProfile(t, dc, model.NonBrowserClient, "", false)
			d, err := f.client.StartDevice(ctx(t), p)
			if err != nil {
				t.Fatal(err)
			}
			if d.Interval != 30*time.Second || d.ExpiresAt.Sub(f.Clock.Now()) != 5*time.Minute || d.UserCode == "" ||
				d.VerificationURL != f.Zoho.URL(dc)+"/oauth/v3/device" {
				t.Errorf("device code = %+v", d)
			}
			start := f.Clock.Now()
			var polls []oauth.DevicePoll
			res, err := f.client.PollDevice(ctx(t), p, d, func(dp oauth.DevicePoll) {
				polls = append(polls, dp)
				if dp.Attempt == 2 {
					if err := f.Zoho.ApproveDevice(d.UserCode); err != nil {
						t.Error(err)
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(polls) != 2 || polls[0].Status != "authorization_pending" || polls[0].Next != 30*time.Second {
				t.Errorf("polls = %+v", polls)
			}
			if waited := f.Clock.Now().Sub(start); waited != 90*time.Second {
				t.Errorf("three polls took %v, want 90s at the 30s interval", waited)
			}
			if res.Token.RefreshToken == "" || res.AccountsServer != f.Zoho.URL(dc) || !model.HasScope(res.Token.GrantedScopes, "ZohoCRM.modules.ALL") {
				t.Errorf("result = %+v", res)
			}
		})
	}
}

// TestDeviceSlowDown: polling faster than Zoho wants gets slow_down, and
// the client backs off until Zoho is content.
func TestDeviceSlowDown(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	p := f.newProfile(t, "EU", model.NonBrowserClient, "", false)
	d, err := f.client.StartDevice(ctx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	d.Interval = 12 * time.Second // a client that ignores the advertised 30 s
	var statuses []string
	var last oauth.DevicePoll
	res, err := f.client.PollDevice(ctx(t), p, d, func(dp oauth.DevicePoll) {
		statuses = append(statuses, dp.Status)
		last = dp
		if dp.Status == "authorization_pending" {
			f.Zoho.ApproveDevice(d.UserCode)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// 12s: slow_down (next 17); 17 < 30 since last poll: slow_down (22);
	// 22: slow_down (27); 27: slow_down (32); 32: pending; then success.
	want := "slow_down slow_down slow_down slow_down authorization_pending"
	if got := strings.Join(statuses, " "); got != want {
		t.Errorf("statuses %q, want %q", got, want)
	}
	if last.Next != 32*time.Second || res.Token.AccessToken == "" {
		t.Errorf("final interval %v", last.Next)
	}
}

// TestDeviceOtherDC: a user in India approves a code requested in the US;
// the US says other_dc and the client carries on polling India.
func TestDeviceOtherDC(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	f.Zoho.AddUser(fakezoho.User{Email: "ravi@example.in", HomeDC: "IN", ZUID: "7"})
	p := f.newProfile(t, "US", model.NonBrowserClient, "", true)
	d, err := f.client.StartDevice(ctx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Zoho.ApproveDeviceAs(d.UserCode, "ravi@example.in"); err != nil {
		t.Fatal(err)
	}
	var polls []oauth.DevicePoll
	res, err := f.client.PollDevice(ctx(t), p, d, func(dp oauth.DevicePoll) { polls = append(polls, dp) })
	if err != nil {
		t.Fatal(err)
	}
	if len(polls) != 1 || polls[0].Status != "other_dc" || polls[0].AccountsServer != f.Zoho.URL("IN") {
		t.Errorf("polls = %+v", polls)
	}
	if res.AccountsServer != f.Zoho.URL("IN") || f.Zoho.RequestsAt("IN", fakezoho.EndpointDeviceToken) != 1 {
		t.Errorf("tokens from %s, want India", res.AccountsServer)
	}
	res.ApplyTo(&p)
	if _, err := f.client.Refresh(ctx(t), p); err != nil {
		t.Errorf("refresh at the user's DC: %v", err)
	}
}

// TestDeviceOtherDCNeedsMultiDC: without Multi-DC the client does not
// exist in the user's data center, and the message says what to enable.
func TestDeviceOtherDCNeedsMultiDC(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	f.Zoho.AddUser(fakezoho.User{Email: "ravi@example.in", HomeDC: "IN"})
	p := f.newProfile(t, "US", model.NonBrowserClient, "", false)
	d, _ := f.client.StartDevice(ctx(t), p)
	f.Zoho.ApproveDeviceAs(d.UserCode, "ravi@example.in")
	_, err := f.client.PollDevice(ctx(t), p, d, nil)
	want := "device sign-in: the client id or secret is wrong, or the client is not enabled in IN (invalid_client): you chose US but Zoho sent this grant to IN; enable Multi-DC for the client in the API Console, or choose IN"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestDeviceDenied(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	p := f.newProfile(t, "JP", model.NonBrowserClient, "", false)
	d, _ := f.client.StartDevice(ctx(t), p)
	f.Zoho.DenyDevice(d.UserCode)
	_, err := f.client.PollDevice(ctx(t), p, d, nil)
	if !errors.Is(err, oauth.ErrAccessDenied) || err.Error() != "device sign-in: the sign-in was denied on the verification page (access_denied); start again and approve it" {
		t.Errorf("denied: %v", err)
	}
}

// TestDeviceExpired: nobody approves; polling stops when the code dies,
// after about ten polls, not sooner and not forever.
func TestDeviceExpired(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	p := f.newProfile(t, "SA", model.NonBrowserClient, "", false)
	d, _ := f.client.StartDevice(ctx(t), p)
	_, err := f.client.PollDevice(ctx(t), p, d, nil)
	if !errors.Is(err, oauth.ErrDeviceExpired) || !strings.Contains(err.Error(), "within 5 minutes") {
		t.Errorf("expired: %v", err)
	}
	if n := f.Zoho.Requests(fakezoho.EndpointDeviceToken); n != 10 {
		t.Errorf("%d polls in 5 minutes at 30 s, want 10", n)
	}
	// Zoho's own "expired" answer (our clock behind theirs) is the same error.
	f.Zoho.InjectFault(fakezoho.EndpointDeviceToken, fakezoho.Fault{Body: `{"error":"expired"}`})
	d2, _ := f.client.StartDevice(ctx(t), p)
	if _, err := f.client.PollDevice(ctx(t), p, d2, nil); !errors.Is(err, oauth.ErrDeviceExpired) {
		t.Errorf("Zoho says expired: %v", err)
	}
}

func TestDeviceCancelled(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	p := f.newProfile(t, "UK", model.NonBrowserClient, "", false)
	d, _ := f.client.StartDevice(ctx(t), p)
	c, cancel := context.WithCancel(context.Background())
	_, err := f.client.PollDevice(c, p, d, func(oauth.DevicePoll) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestDeviceNeedsNonBrowserClient(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	p := f.newProfile(t, "AU", model.ServerClient, "https://example.com/cb", false)
	_, err := f.client.StartDevice(ctx(t), p)
	if err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("server client in the device flow: %v", err)
	}
}
