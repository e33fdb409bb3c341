package cli

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ztm/oauth"
	"ztm/oauth/fakezoho/fakezohotest"
)

// readmeCommands extracts the commands of README.md's ```sh blocks,
// continuation lines joined, comments and blank lines dropped.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	in, cont := false, ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```sh"):
			in = true
			continue
		case strings.HasPrefix(line, "```"):
			in = false
			continue
		case !in:
			continue
		}
		line = cont + strings.TrimSpace(line)
		if strings.HasSuffix(line, "\\") {
			cont = strings.TrimSuffix(line, "\\")
			continue
		}
		cont = ""
		if line != "" && !strings.HasPrefix(line, "#") {
			cmds = append(cmds, line)
		}
	}
	return cmds
}

// makeTargets lists the Makefile's targets.
func makeTargets(t *testing.T) map[string]bool {
	t.Helper()
	root, _ := moduleRoot()
	data, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([a-z][a-z-]*):`).FindAllStringSubmatch(string(data), -1) {
		targets[m[1]] = true
	}
	return targets
}

// TestREADMEExamples runs every command in README.md's shell blocks, in
// order, with the real binary against the fake Zoho in a temp HOME: the
// README cannot promise what ztm does not do. make targets are checked to
// exist rather than run; curl is a stand-in that records its arguments,
// so nothing reaches the internet.
func TestREADMEExamples(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the ztm binary")
	}
	cmds := readmeCommands(t)
	if len(cmds) < 10 {
		t.Fatalf("found only %d commands in README.md: %q", len(cmds), cmds)
	}
	// ztm api's examples reach the fake's API hosts, never Zoho's.
	w := newWallClockWorld(t, fakezohotest.LocalAPI())
	// Expired, so that what curl gets is a token the fake issued.
	w.add("crm-eu", expiresIn(-time.Minute))
	w.add("books-in", inDC("IN"), expiresIn(-time.Minute))
	work := t.TempDir()
	bin := filepath.Join(work, "bin")
	if err := os.Mkdir(bin, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(ztmBinary(t), filepath.Join(bin, "ztm")); err != nil {
		t.Fatal(err)
	}
	curlLog := filepath.Join(work, "curl.log")
	writeScript(t, filepath.Join(bin, "curl"), `printf '%s\n' "$@" >> "$CURL_LOG"`)
	writeScript(t, filepath.Join(work, "sync.sh"), `test -n "$ZOHO_ACCESS_TOKEN" && test "$ZOHO_DC" = EU`)
	v := w.open()
	recipient := v.Key().Recipients()[0]
	v.Close()
	env := append(w.environ(), "PATH="+bin+":"+os.Getenv("PATH"), "HOME="+work, "CURL_LOG="+curlLog,
		"SECRET="+testSecret, "CLIENT_ID="+testClientID, "RECIPIENT="+recipient,
		"CODE="+w.zoho.SelfClientCode(testClientID, "US", []string{"Desk.tickets.ALL"}, 0),
		"NEW_CODE="+w.zoho.SelfClientCode(testClientID, "EU", scopes(), 0))
	targets := makeTargets(t)
	for _, c := range cmds {
		switch fields := strings.Fields(c); {
		case fields[0] == "make":
			if !targets[fields[1]] {
				t.Errorf("README says %q, but the Makefile has no %s target", c, fields[1])
			}
		case strings.HasPrefix(c, "go run ./oauth/fakezoho/cmd/fakezoho"):
			checkFakeZoho(t, work, fields[3:])
		default:
			cmd := exec.Command("sh", "-c", c)
			cmd.Dir, cmd.Env = work, env
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("README's %q fails: %v\n%s", c, err, out)
			}
			noSecrets(t, "the output of "+c, string(out), testSecret)
			if fields[0] == "curl" {
				checkCurl(t, w, curlLog)
			}
		}
	}
	if got := w.names(); got != "crm-eu desk-us" {
		t.Errorf("after the README's commands the vault holds %q, want crm-eu desk-us", got)
	}
}

// checkCurl checks that curl got a header with a token Zoho would take
// (now: a later consent in the README retires it).
func checkCurl(t *testing.T, w *world, log string) {
	t.Helper()
	logged, _ := os.ReadFile(log)
	_, tok, ok := strings.Cut(string(logged), "Authorization: Zoho-oauthtoken ")
	if tok, _, _ = strings.Cut(tok, "\n"); !ok || !w.zoho.ValidAccessToken(tok) {
		t.Errorf("curl was called with %q, want a valid Authorization header", logged)
	}
}

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
}

// checkFakeZoho runs the fake Zoho as the README says and checks its
// promise: the table it writes works as ZTM_DATACENTERS, every data
// center in it answering like Zoho's accounts server.
func checkFakeZoho(t *testing.T, work string, args []string) {
	t.Helper()
	fake, err := goBuild("./oauth/fakezoho/cmd/fakezoho", "fakezoho")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, fake, args...)
	cmd.Dir = work
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	file := ""
	for i, a := range args {
		if a == "-write-datacenters" && i+1 < len(args) {
			file = filepath.Join(work, args[i+1])
		}
	}
	if file == "" {
		t.Fatalf("the README runs the fake without -write-datacenters: %q", args)
	}
	for {
		if fi, err := os.Stat(file); err == nil && fi.Size() > 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the fake wrote no %s:\n%s", file, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	dcs, err := oauth.LoadDataCenters(func(k string) string {
		if k == oauth.DataCentersEnv {
			return file
		}
		return ""
	})
	if err != nil {
		t.Fatalf("the fake's table is not usable as ZTM_DATACENTERS: %v", err)
	}
	for _, dc := range dcs.All() {
		if !strings.HasPrefix(dc.AccountsServer, "http://127.0.0.1:") {
			t.Errorf("ZTM_DATACENTERS from the fake leaves %s at %s", dc.ID, dc.AccountsServer)
			continue
		}
		resp, err := http.PostForm(dc.AccountsServer+"/oauth/v2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {"y"}})
		if err != nil {
			t.Errorf("%s at %s does not answer: %v", dc.ID, dc.AccountsServer, err)
			continue
		}
		var body bytes.Buffer
		body.ReadFrom(resp.Body)
		resp.Body.Close()
		if !strings.Contains(body.String(), `"error"`) {
			t.Errorf("%s answered a bad refresh with %q, not a Zoho error", dc.ID, body.String())
		}
	}
}

// Item 25: make run says what it is doing before the long first build,
// and lists the packages as they build; later builds are quiet. make lint
// runs staticcheck, and CI runs make lint then make test.
func TestMakeRunSaysWhatItBuilds(t *testing.T) {
	t.Parallel()
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Skip("make is not installed")
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dryRun := func(target, bin string) []string {
		out, err := exec.Command(makeBin, "-n", "--no-print-directory", "-C", root, target, "BIN="+bin).Output()
		if err != nil {
			t.Fatalf("make -n %s: %v", target, err)
		}
		return strings.Split(strings.TrimSpace(string(out)), "\n")
	}
	for _, target := range []string{"run", "demo", "build"} {
		first := dryRun(target, filepath.Join(t.TempDir(), "ztm"))
		if len(first) < 2 || !strings.HasPrefix(first[0], "echo ") || !strings.Contains(first[0], "first time") ||
			!strings.Contains(first[1], "go build -v") {
			t.Errorf("make %s on a first build: say so, then build with -v; it runs:\n%s", target, strings.Join(first, "\n"))
		}
		later := dryRun(target, ztmBinary(t))
		if strings.Contains(strings.Join(later, "\n"), "first time") || strings.Contains(later[1], " -v ") {
			t.Errorf("make %s with a binary already built:\n%s", target, strings.Join(later, "\n"))
		}
	}
	if lint := strings.Join(dryRun("lint", "x"), "\n"); !strings.Contains(lint, "gofmt -l") || !strings.Contains(lint, "vet ./...") || !strings.Contains(lint, "staticcheck ./...") {
		t.Errorf("make lint runs:\n%s", lint)
	}
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	if i, j := strings.Index(string(ci), "\nmake lint\n"), strings.Index(string(ci), "\nmake test\n"); i < 0 || j < i {
		t.Errorf(".ci/run does not run make lint, then make test:\n%s", ci)
	}
}
