package cli

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// parseOnly runs a command built with a run function that only records
// its options: flag parsing with no vault, terminal or network.
func parseOnly(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.ExecuteContext(context.Background())
}

func TestFlagsParseWithoutAVault(t *testing.T) {
	t.Parallel()
	f := &Factory{}
	var tok *TokenOptions
	record := func(_ context.Context, o *TokenOptions) error { tok = o; return nil }
	if err := parseOnly(t, NewCmdToken(f, record), "crm-eu", "--min-valid", "2m", "--json", "--strict"); err != nil {
		t.Fatal(err)
	}
	if tok.Name != "crm-eu" || tok.MinValid != 2*time.Minute || !tok.JSON || !tok.Strict {
		t.Errorf("token options %+v", tok)
	}
	// exec: everything after -- is the command, flags and all.
	if err := parseOnly(t, NewCmdExec(f, record), "crm", "--min-valid=1m", "--", "sh", "-c", "echo --json"); err != nil {
		t.Fatal(err)
	}
	if tok.Name != "crm" || tok.MinValid != time.Minute || strings.Join(tok.Command, "|") != "sh|-c|echo --json" {
		t.Errorf("exec options %+v", tok)
	}
	if err := parseOnly(t, NewCmdExec(f, record), "crm", "sh"); err == nil || !strings.Contains(err.Error(), "exec needs a profile and a command: ztm exec NAME") {
		t.Errorf("exec without --: %v", err)
	}

	var add *AddOptions
	err := parseOnly(t, NewCmdAdd(f, func(_ context.Context, o *AddOptions) error { add = o; return nil }),
		"books", "--dc", "IN", "--type", "server", "--redirect-uri", "http://localhost:8765/callback", "--scopes", "ZohoBooks.fullaccess.all", "--code", "--keep-alive")
	if err != nil {
		t.Fatal(err)
	}
	if add.Name != "books" || add.DC != "IN" || add.Type != "server" || !add.Code || !add.KeepAlive || add.Consent != "user" {
		t.Errorf("add options %+v", add)
	}
	sp, err := add.spec("s")
	if err != nil || sp.Grant != "loopback" {
		t.Errorf("a server client with a localhost redirect: grant %q, %v; want loopback", sp.Grant, err)
	}

	var exp *ExportOptions
	err = parseOnly(t, NewCmdExport(f, func(_ context.Context, o *ExportOptions) error { exp = o; return nil }),
		"a", "b", "--to", "age1x", "--to", "age1y", "-o", "out.age")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(exp.Names, ",") != "a,b" || strings.Join(exp.To, ",") != "age1x,age1y" || exp.Output != "out.age" {
		t.Errorf("export options %+v", exp)
	}

	var ref *RefreshOptions
	if err := parseOnly(t, NewCmdRefresh(f, func(_ context.Context, o *RefreshOptions) error { ref = o; return nil }), "--all", "--min-valid", "15m"); err != nil {
		t.Fatal(err)
	}
	if !ref.All || ref.MinValid != 15*time.Minute || len(ref.Names) != 0 {
		t.Errorf("refresh options %+v", ref)
	}

	// vault init has its own flags; the other vault subcommands do not
	// accept them.
	var vi *VaultInitOptions
	if err := parseOnly(t, NewCmdVaultInit(f, func(o *VaultInitOptions) error { vi = o; return nil }), "--key-file", "--classic", "--recipient", "ssh-ed25519 AAAA"); err != nil {
		t.Fatal(err)
	}
	if !vi.KeyFile || !vi.Classic || strings.Join(vi.Recipients, ",") != "ssh-ed25519 AAAA" {
		t.Errorf("vault init options %+v", vi)
	}
}

func TestVaultSubcommandsHaveTheirOwnFlags(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, args := range [][]string{
		{"vault", "info", "--key-file"},
		{"vault", "passwd", "--classic"},
		{"vault", "recipients", "--recipient", "age1x"},
	} {
		w.run(args...).wantErr(t, 1, "unknown flag: --", "ztm "+strings.Join(args[:2], " ")+" --help")
	}
}

func TestUnknownCommandSaysDidYouMean(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run("tokn", "crm").wantErr(t, 1, `unknown command "tokn": did you mean "token"?`)
	w.run("vault", "inf").wantErr(t, 1, `unknown vault subcommand "inf": did you mean "init" or "info"?`)
	w.run("help", "refesh").wantErr(t, 1, `did you mean "refresh"?`)
}

// allCommands walks the table: every command and subcommand a person can
// type, as its words after ztm.
func allCommands(c *cobra.Command, prefix []string) [][]string {
	var out [][]string
	for _, s := range visible(c) {
		words := append(append([]string{}, prefix...), s.Name())
		out = append(out, words)
		out = append(out, allCommands(s, words)...)
	}
	return out
}

func TestHelpOnEverySubcommand(t *testing.T) {
	t.Parallel()
	w := newBareWorld(t)
	for _, words := range allCommands(NewCmdRoot(&Factory{}), nil) {
		path := strings.Join(words, " ")
		r := w.run(append(words, "--help")...).want(t, 0)
		if !strings.Contains(r.stdout, "\nusage: ztm "+path) {
			t.Errorf("ztm %s --help has no usage line:\n%s", path, r.stdout)
		}
		if _, ex, ok := strings.Cut(r.stdout, "\nExamples:\n"); !ok || !strings.Contains(ex, "ztm "+path) {
			t.Errorf("ztm %s --help has no example of itself:\n%s", path, r.stdout)
		}
	}
}

func TestReadRawEditsAndStops(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"secret\r", "secret", nil},
		{"secrex\x7ft\n", "secret", nil},
		{"wrong\x15right\r", "right", nil},
		{"é\x7fe\r", "e", nil},
		{"half\x03typed\r", "", errInterrupted},
		{"\x04", "", io.EOF},
		{strings.Repeat("a", maxSecret+1) + "\r", "", errTooLong},
	}
	for _, tt := range tests {
		var echo strings.Builder
		got, err := readRaw(strings.NewReader(tt.in), &echo, false)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("readRaw(%.20q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
		if echo.Len() != 0 {
			t.Errorf("a secret was echoed: %q", echo.String())
		}
	}
	if !errors.Is(errInterrupted, context.Canceled) {
		t.Error("Ctrl+C at a prompt does not end the command like an interrupt")
	}
	var echo strings.Builder
	if got, _ := readRaw(strings.NewReader("yx\x7fes\r"), &echo, true); got != "yes" || echo.String() != "yx\b \bes" {
		t.Errorf("echoed line: %q, echo %q", got, echo.String())
	}
}
