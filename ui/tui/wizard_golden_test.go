package tui

import (
	"fmt"
	"testing"
)

// portMask replaces a loopback port with PORT0 in a golden screen, also
// where a long URL wraps in the middle of it.
func portMask(port int) []string {
	p, mask := fmt.Sprint(port), "PORT0"
	out := []string{p, mask}
	for i := 1; i < len(p) && i < len(mask); i++ {
		out = append(out, p[:i]+"\n"+p[i:], mask[:i]+"\n"+mask[i:])
	}
	return out
}

// Golden files of wizard screens beyond the shared table in
// golden_test.go: the client-credentials step, a small window, and the
// scope picker's filter.

var wizardGoldens = []struct {
	goldenScreen
	w, h int
}{
	{goldenScreen{"wizard_register_clientcreds", func(t *testing.T, w, ht int) (*harness, []string) {
		return goldenWizard(t, w, ht, newProfile{name: "my-crm", dc: "EU", kind: kindClientCredentials}, wsRegister), nil
	}}, 80, 24},
	{goldenScreen{"wizard_register_loopback", func(t *testing.T, w, ht int) (*harness, []string) {
		return goldenWizard(t, w, ht, newProfile{name: "my-crm", dc: "EU", kind: kindLoopback}, wsRegister), nil
	}}, 60, 15},
	{goldenScreen{"wizard_scopes_filtered", func(t *testing.T, w, ht int) (*harness, []string) {
		h := goldenWizard(t, w, ht, selfClient("my-crm", "EU"), wsScopes)
		h.key("/")
		h.typeText("crm.mod")
		return h, nil
	}}, 80, 24},
}

func TestWizardGolden(t *testing.T) {
	for _, g := range wizardGoldens {
		name := fmt.Sprintf("%s_%dx%d", g.name, g.w, g.h)
		t.Run(name, func(t *testing.T) {
			h, extra := g.setup(t, g.w, g.h)
			h.golden(name, extra...)
		})
	}
}
