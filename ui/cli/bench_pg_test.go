package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"ztm/ui/app/service"
	"ztm/vault"
	"ztm/vault/pgtest"
)

// BenchmarkTokenProcessPG is the team vault's figure: the whole `ztm token
// NAME` process (no agent) on a valid token in a 1,000-profile vault in
// PostgreSQL, against the same vault as a file, alternately in the same
// run. It reports both medians and x-file, PostgreSQL's over the file's;
// the target is at most 2.
func BenchmarkTokenProcessPG(b *testing.B) {
	ztm := ztmBinary(b)
	fp := benchVault(b, b.TempDir(), benchProfiles)
	key, err := vault.LoadKey(fp.Identity, nil)
	if err != nil {
		b.Fatal(err)
	}
	v, err := vault.Open(fp, key, vault.Options{})
	if err != nil {
		b.Fatal(err)
	}
	// The test server logs every statement with its parameters (for the
	// canary scans); a production server does not, so neither does this.
	pgURL := pgtest.WithParam(pgtest.URL(b), "log_statement", "none")
	pp, err := vault.ResolvePaths(pgURL, fp.Identity, func(string) string { return "" })
	if err == nil {
		err = v.CopyTo(context.Background(), pp)
	}
	v.Close()
	if err != nil {
		b.Fatal(err)
	}
	name := fmt.Sprintf("crm-%04d", benchProfiles/2)
	// The token's reader keeps a copy of the ciphertext in its cache (as
	// a script calling ztm token again and again would).
	base := append(os.Environ(), "ZTM_IDENTITY="+fp.Identity, "ZTM_DATACENTERS=", "ZTM_PASSPHRASE=",
		"XDG_CACHE_HOME="+b.TempDir(),
		service.EnvAgentSock+"="+filepath.Join(b.TempDir(), "no-agent.sock"))
	token := func(where string) time.Duration {
		var out, errb bytes.Buffer
		c := exec.Command(ztm, "token", name)
		c.Env = append(slices.Clone(base), "ZTM_VAULT="+where)
		c.Stdout, c.Stderr = &out, &errb
		start := time.Now()
		err := c.Run()
		d := time.Since(start)
		if err != nil || !strings.HasPrefix(out.String(), "1000.access") {
			b.Fatalf("ztm token %s on %s: %v %q %s", name, vault.Redact(where), err, out.String(), errb.String())
		}
		return d
	}
	token(pgURL)
	token(fp.Vault)
	var pgT, fileT []time.Duration
	for b.Loop() {
		pgT = append(pgT, token(pgURL))
		fileT = append(fileT, token(fp.Vault))
	}
	mp, mf := medianOf(pgT), medianOf(fileT)
	b.ReportMetric(float64(mp.Nanoseconds()), "pg-median-ns")
	b.ReportMetric(float64(mf.Nanoseconds()), "file-median-ns")
	if mf > 0 {
		b.ReportMetric(float64(mp)/float64(mf), "x-file")
	}
}

func medianOf(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
