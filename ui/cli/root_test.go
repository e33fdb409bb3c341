package cli

import (
	"slices"
	"testing"
)

// Main builds only the command that runs: each name in the table must be
// the name its command answers to, or `ztm NAME` would be an unknown
// command on the fast path while the full table (help, completion) still
// lists it.
func TestCommandTableNamesTheirCommands(t *testing.T) {
	t.Parallel()
	f := &Factory{}
	seen := map[string]bool{}
	for _, c := range commandTable() {
		if got := c.build(f).Name(); got != c.name {
			t.Errorf("the table calls %q the command named %q", c.name, got)
		}
		if seen[c.name] {
			t.Errorf("%q is twice in the table", c.name)
		}
		seen[c.name] = true
	}
	for _, c := range NewCmdRoot(f).Commands() {
		if c.Name() != "help" && !seen[c.Name()] {
			t.Errorf("the root has %q, which the table does not name", c.Name())
		}
	}
}

func TestRootForOneCommand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want []string // the commands under the root; nil is all of them
	}{
		{[]string{"token", "crm"}, []string{"token"}},
		{[]string{"--vault", "v.age", "--identity", "k.txt", "vault", "info"}, []string{"vault"}},
		{[]string{"--vault=v.age", "list"}, []string{"list"}},
		{[]string{"tokn", "crm"}, nil},      // "did you mean" needs every name
		{[]string{"help", "token"}, nil},    // help finds any command
		{[]string{"__complete", "to"}, nil}, // completion lists them all
		{[]string{"--version"}, nil},
		{[]string{"--vault"}, nil},
		{nil, nil},
	} {
		var got []string
		for _, c := range newCmdRootFor(&Factory{}, tc.args).Commands() {
			if c.Name() != "help" {
				got = append(got, c.Name())
			}
		}
		want := tc.want
		if want == nil {
			for _, c := range commandTable() {
				want = append(want, c.name)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%q: the root has %v, want %v", tc.args, got, want)
		}
	}
}
