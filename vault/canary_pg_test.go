package vault

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"ztm/model"
	"ztm/vault/pgtest"
)

// TestCanaryNeverReachesPostgres: secrets saved to a vault in PostgreSQL
// appear in no table (as text or as the hex of bytea), not in the
// server's log (which logs every statement in tests), and not in errors.
func TestCanaryNeverReachesPostgres(t *testing.T) {
	v, p := newPGVault(t)
	ctx := context.Background()
	err := v.Update(ctx, func(tx *Tx) error {
		for i := 0; i < 20; i++ {
			p := sampleProfile(i, tx.Now())
			p.ClientSecret = canary + "-cs"
			p.Token.AccessToken = "1000." + canary + "-at"
			p.Token.RefreshToken = "1000." + canary + "-rt"
			if err := tx.CreateProfile(&p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	expireTokens(t, v, "crm-0000")
	_, err = v.FreshToken(ctx, "crm-0000", FreshOptions{}, func(context.Context, model.Profile) (model.Token, error) {
		return model.Token{}, errors.New("zoho said " + canary)
	})
	if err == nil {
		t.Fatal("the failing refresh did not fail")
	}
	forms := []string{canary, hex.EncodeToString([]byte(canary))}
	conn, err := pgx.Connect(ctx, p.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, table := range []string{"ztm_schema", "ztm_head", "ztm_blobs"} {
		rows, err := conn.Query(ctx, "SELECT t::text FROM "+table+" t")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var row string
			rows.Scan(&row)
			n++
			for _, f := range forms {
				if strings.Contains(row, f) {
					t.Errorf("table %s holds a secret in the clear", table)
				}
			}
		}
		rows.Close()
		if n == 0 {
			t.Errorf("table %s is empty: the scan would prove nothing", table)
		}
	}
	if log := os.Getenv(pgtest.EnvLog); log != "" {
		data, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "ztm_blobs") {
			t.Error("the server's log shows none of ztm's statements: the scan would prove nothing")
		}
		for _, f := range forms {
			if strings.Contains(string(data), f) {
				t.Error("PostgreSQL's log holds a secret in the clear")
			}
		}
	}
}
