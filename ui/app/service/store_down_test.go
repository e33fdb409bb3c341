package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"ztm/vault"
)

// A refresh that cannot reach the vault's PostgreSQL is the store's
// outage, not Zoho's: 503 store_unreachable with a sentence that says what
// to do and does not name the database, and the command line's network
// exit code on the reader's side.
func TestStoreUnreachableIs503(t *testing.T) {
	err := fmt.Errorf("cannot lock the vault at postgres://ztm@db.internal:5432/ztm: dial tcp: connection refused; check that PostgreSQL is running and reachable (%w)", vault.ErrStoreUnreachable)
	rec := httptest.NewRecorder()
	writeErr(rec, err)
	var body errorBody
	if jerr := json.Unmarshal(rec.Body.Bytes(), &body); jerr != nil {
		t.Fatal(jerr)
	}
	if rec.Code != http.StatusServiceUnavailable || body.Code != CodeStoreDown {
		t.Fatalf("got %d %s, want 503 %s", rec.Code, body.Code, CodeStoreDown)
	}
	if !strings.Contains(body.Error, "PostgreSQL") || !strings.Contains(body.Error, "retry") ||
		strings.Contains(body.Error, "db.internal") || strings.Contains(body.Error, "Zoho") {
		t.Errorf("the reader was told %q: want the store named as the cause, what to do, and no database address", body.Error)
	}
	got := &Error{Status: rec.Code, Code: body.Code, Message: body.Error}
	if ExitCode(got) != ExitNetwork || !errors.Is(got, ErrUnreachable) || errors.Is(got, ErrZoho) {
		t.Errorf("the client maps it to exit %d; want %d (unreachable), not a refusal by Zoho", ExitCode(got), ExitNetwork)
	}
}
