package service

import (
	"fmt"
	"net/http"
	"testing"

	"ztm/vault"
)

// TestAnUnreachableStoreIs503: when the team vault's PostgreSQL is down,
// a reader whose token needed a refresh gets 503 with the store named,
// not a 502 blaming Zoho, and the command line exits 5.
func TestAnUnreachableStoreIs503(t *testing.T) {
	err := fmt.Errorf("refresh crm-eu: %w", vault.ErrStoreUnreachable)
	status, code := classify(err)
	if status != http.StatusServiceUnavailable || code != CodeStoreDown {
		t.Fatalf("classify = %d %s, want 503 %s", status, code, CodeStoreDown)
	}
	if got := ExitCode(&Error{Status: status, Code: code, Message: "x"}); got != ExitNetwork {
		t.Fatalf("exit code %d, want %d", got, ExitNetwork)
	}
}
