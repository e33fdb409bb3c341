package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/ui/app"
	"ztm/ui/app/service"
	"ztm/vault"
)

// startProxy runs ztm proxy in-process with args and returns its base URL
// and its stderr; it stops when the test ends.
func startProxy(t *testing.T, w *world, args ...string) (string, *syncWriter) {
	t.Helper()
	stderr := &syncWriter{}
	f := &Factory{Env: Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: stderr, Getenv: w.getenv, Now: w.fx.Now}}
	ready := make(chan string, 1)
	cmd := NewCmdProxy(f, func(ctx context.Context, o *ProxyOptions) error {
		o.Ready = func(addr string) { ready <- addr }
		return runProxy(ctx, o)
	})
	cmd.SetArgs(append([]string{"--listen", "127.0.0.1:0"}, args...))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case addr := <-ready:
		return "http://" + addr, stderr
	case err := <-done:
		t.Fatalf("ztm proxy stopped: %v\n%s", err, stderr)
	case <-time.After(10 * time.Second):
		t.Fatal("ztm proxy did not start")
	}
	return "", nil
}

type syncWriter struct {
	mu chan struct{}
	b  bytes.Buffer
}

func (s *syncWriter) lock() {
	if s.mu == nil {
		s.mu = make(chan struct{}, 1)
	}
	s.mu <- struct{}{}
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.lock()
	defer func() { <-s.mu }()
	return s.b.Write(p)
}

func (s *syncWriter) String() string {
	s.lock()
	defer func() { <-s.mu }()
	return s.b.String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestProxyCommandForwardsPerProfileAndLogsOneLinePerRequest(t *testing.T) {
	w := newAPIWorld(t)
	p := w.addLive("crm-eu")
	base, stderr := startProxy(t, w)
	if status, body := get(t, base+"/crm-eu/crm/v8/org"); status != 200 || !strings.Contains(body, "Fake CRM EU") {
		t.Fatalf("%d %s", status, body)
	}
	if status, _ := get(t, base+"/nope/crm/v8/org"); status != 404 {
		t.Errorf("an unknown profile: %d", status)
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "proxy" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 || lines[0]["status"] != 200.0 || lines[1]["status"] != 404.0 {
		t.Errorf("log lines %v\n%s", lines, stderr)
	}
	noSecrets(t, "stderr", stderr.String(), p.Token.AccessToken, p.Token.RefreshToken, testSecret)
}

func TestProxyCommandProfileFlagIsABaseURL(t *testing.T) {
	w := newAPIWorld(t)
	w.addLive("crm-eu")
	base, _ := startProxy(t, w, "--profile", "crm-eu")
	if status, body := get(t, base+"/crm/v8/org"); status != 200 || !strings.Contains(body, "Fake CRM EU") {
		t.Fatalf("%d %s", status, body)
	}
}

func TestProxyCommandUsesTheAgentSoAPassphraseVaultAsksNothing(t *testing.T) {
	w := newPassphraseWorld(t, fakezohotest.LocalAPI())
	w.addLive("crm-eu")
	startAgent(t, w)
	delete(w.env, vault.EnvPassphrase)
	base, _ := startProxy(t, w)
	if status, body := get(t, base+"/crm-eu/crm/v8/org"); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
}

func TestProxyCommandRefusesPlainHTTPOffLoopback(t *testing.T) {
	w := newAPIWorld(t)
	w.run("proxy", "--listen", "0.0.0.0:0").wantErr(t, ExitUsage, "TLS")
	w.run("proxy", "--profile", "nope", "--listen", "127.0.0.1:0").wantErr(t, ExitNoProfile, "nope")
}

func TestAPIThroughATokenServer(t *testing.T) {
	w := newAPIWorld(t)
	p := w.addLive("crm-eu")
	v := w.open()
	cred, err := service.Grant(context.Background(), v, "ci", service.GrantOptions{Globs: []string{"crm-*"}})
	v.Close()
	if err != nil {
		t.Fatal(err)
	}
	sess, err := (&Factory{Env: Env{Getenv: w.getenv, Now: w.fx.Now, Stderr: io.Discard}}).Open()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := service.ListenTCP("127.0.0.1:0", "", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		service.RunServer(ctx, service.Options{Env: app.Env{Now: w.fx.Now, Getenv: w.getenv}, Paths: w.paths}, sess, nil, ln, nil)
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done })
	w.env[service.EnvServer] = "http://" + ln.Addr().String()
	w.env[service.EnvServerToken] = cred
	w.zoho.ExpireAccessToken(p.Token.AccessToken)
	if r := w.run("api", "crm-eu", "/crm/v8/org").want(t, 0); !strings.Contains(r.stdout, "Fake CRM EU") {
		t.Fatalf("%s", r)
	}
	if n := w.zoho.Requests("refresh"); n != 1 {
		t.Errorf("%d refreshes through the server, want 1", n)
	}
	w.run("api", "books-x", "/crm/v8/org").wantErr(t, ExitNoProfile, "books-x")
}
