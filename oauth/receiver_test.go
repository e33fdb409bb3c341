package oauth_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"ztm/oauth"
)

// listen starts a receiver on a free port and returns it with its redirect.
func listen(t *testing.T, state string) (*oauth.Receiver, string) {
	t.Helper()
	redirect := "http://localhost:" + strconv.Itoa(freePort(t)) + "/callback"
	r, err := oauth.Listen(redirect, state)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, redirect
}

// browse is the browser arriving at a URL; it returns status and page.
func browse(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitAsync runs Wait in the background.
func waitAsync(r *oauth.Receiver, ctx context.Context) <-chan struct {
	g   oauth.Grant
	err error
} {
	ch := make(chan struct {
		g   oauth.Grant
		err error
	}, 1)
	go func() {
		g, err := r.Wait(ctx)
		ch <- struct {
			g   oauth.Grant
			err error
		}{g, err}
	}()
	return ch
}

func TestReceiverIgnoresStrangersUntilTheRightAnswer(t *testing.T) {
	r, redirect := listen(t, pstate)
	done := waitAsync(r, ctx(t))

	status, page := browse(t, redirect+"?code="+pcode+"&state=someone-else")
	if status != http.StatusBadRequest || !strings.Contains(page, "not the sign-in ztm started") {
		t.Errorf("wrong state: %d %s", status, page)
	}
	status, page = browse(t, strings.Replace(redirect, "/callback", "/favicon.ico", 1))
	if status != http.StatusNotFound || !strings.Contains(page, "another address") {
		t.Errorf("wrong path: %d", status)
	}
	status, _ = browse(t, redirect+"?code="+pcode)
	if status != http.StatusBadRequest {
		t.Errorf("missing state: %d", status)
	}
	select {
	case got := <-done:
		t.Fatalf("wait ended early: %+v", got)
	case <-time.After(50 * time.Millisecond):
	}

	status, page = browse(t, redirect+"?code="+pcode+"&state="+pstate+"&location=eu&accounts-server=https%3A%2F%2Faccounts.zoho.eu")
	if status != http.StatusOK || !strings.Contains(page, "back to the terminal") {
		t.Errorf("good answer: %d %s", status, page)
	}
	got := <-done
	want := oauth.Grant{Code: pcode, State: pstate, Location: "eu", AccountsServer: "https://accounts.zoho.eu"}
	if got.err != nil || got.g != want {
		t.Errorf("Wait = %+v, %v", got.g, got.err)
	}
	// The page is self-contained: nothing is loaded from anywhere.
	for _, ext := range []string{"http://", "https://", "src=", "<link", "@import"} {
		if strings.Contains(page, ext) {
			t.Errorf("callback page refers to %q", ext)
		}
	}
	if strings.Contains(page, pcode) {
		t.Error("the page shows the grant code")
	}
}

func TestReceiverDenied(t *testing.T) {
	r, redirect := listen(t, pstate)
	done := waitAsync(r, ctx(t))
	status, page := browse(t, redirect+"?error=access_denied&state="+pstate)
	if status != http.StatusOK || !strings.Contains(page, "not granted") {
		t.Errorf("denied page: %d %s", status, page)
	}
	got := <-done
	if !errors.Is(got.err, oauth.ErrAccessDenied) || got.g.Error != "access_denied" {
		t.Errorf("Wait = %+v, %v; want access denied", got.g, got.err)
	}
}

func TestReceiverTimeout(t *testing.T) {
	r, _ := listen(t, pstate)
	c, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := r.Wait(c)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "paste the URL") {
		t.Errorf("timeout: %v", err)
	}
}

func TestReceiverBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	_, err = oauth.Listen("http://localhost:"+strconv.Itoa(port)+"/cb", pstate)
	want := "port " + strconv.Itoa(port) + " is in use: close what uses it or register another redirect port"
	if !errors.Is(err, oauth.ErrPortInUse) || err.Error() != want {
		t.Errorf("busy port: %v, want %q", err, want)
	}
}

func TestReceiverRefusesNonLoopback(t *testing.T) {
	for _, uri := range []string{"https://example.com/cb", "http://localhost/cb", "http://192.168.1.2:8765/cb"} {
		if _, err := oauth.Listen(uri, pstate); err == nil || !strings.Contains(err.Error(), "paste the URL") {
			t.Errorf("Listen(%s) = %v", uri, err)
		}
	}
	if _, err := oauth.Listen("http://localhost:"+strconv.Itoa(freePort(t))+"/cb", ""); err == nil {
		t.Error("a receiver without a state would accept any code")
	}
}

// TestReceiverBindsLoopbackOnly: another machine on the network must not be
// able to hand ztm a code.
func TestReceiverBindsLoopbackOnly(t *testing.T) {
	var external net.IP
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			external = ipn.IP
			break
		}
	}
	if external == nil {
		t.Skip("no non-loopback IPv4 address on this machine")
	}
	_, redirect := listen(t, pstate)
	port := strings.TrimSuffix(strings.TrimPrefix(redirect, "http://localhost:"), "/callback")
	if conn, err := net.DialTimeout("tcp", net.JoinHostPort(external.String(), port), time.Second); err == nil {
		conn.Close()
		t.Errorf("receiver answers on %s", external)
	}
	if conn, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second); err != nil {
		t.Errorf("receiver does not answer on 127.0.0.1: %v", err)
	} else {
		conn.Close()
	}
}

// TestReceiverIgnoresErrorsWithoutOurState: another web page can send the
// browser to the loopback address with error=access_denied; without the
// consent's state that must not cancel the sign-in. The right answer that
// follows is the one Wait returns.
func TestReceiverIgnoresErrorsWithoutOurState(t *testing.T) {
	r, redirect := listen(t, pstate)
	done := waitAsync(r, ctx(t))
	for _, q := range []string{"?error=access_denied", "?error=access_denied&state=someone-else", "?error=access_denied&state="} {
		status, page := browse(t, redirect+q)
		if status != http.StatusBadRequest || !strings.Contains(page, "not the sign-in ztm started") {
			t.Errorf("%s: %d %s", q, status, page)
		}
	}
	if status, _ := browse(t, redirect+"?code="+pcode+"&state="+pstate); status != http.StatusOK {
		t.Errorf("good answer after the strays: %d", status)
	}
	got := <-done
	if got.err != nil || got.g.Code != pcode {
		t.Errorf("Wait = %+v, %v; want the code that carried our state", got.g, got.err)
	}
}
