package service_test

import (
	"context"
	"strings"
	"testing"

	"ztm/ui/app/service"
)

// Reader names are letters, digits, '.', '_' and '-', starting with a
// letter or digit, at most 64 characters: what ztm serve grants can show
// on one line and a shell can pass unquoted.
func TestGrantReaderNames(t *testing.T) {
	w := newWorld(t, worldOpts{})
	v := w.openVault()
	for name, ok := range map[string]bool{
		"ci": true, "C1.prod_eu-2": true, "9": true, strings.Repeat("a", 64): true,
		"": false, strings.Repeat("a", 65): false, ".ci": false, "-ci": false, "_ci": false,
		"c i": false, "ci/prod": false, "ci\n": false, "café": false, "ci*": false,
	} {
		_, err := service.Grant(context.Background(), v, name, service.GrantOptions{Globs: []string{"*"}})
		if (err == nil) != ok {
			t.Errorf("Grant(%q): %v, want accepted %v", name, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), "is not a reader name") {
			t.Errorf("Grant(%q): %v, want the naming rule", name, err)
		}
	}
}
