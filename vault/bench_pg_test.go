package vault

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"ztm/vault/pgtest"
)

// BenchmarkSaveOneChangePG: one saved change (lock, encrypt, read-back
// check, store) in a 1,000-profile vault in PostgreSQL against the same
// vault as a file, alternately in the same run. It reports both medians
// and x-file, the PostgreSQL median over the file's; the target is at
// most 2.
func BenchmarkSaveOneChangePG(b *testing.B) {
	const n = 1000
	fp := benchVault(b, n)
	key, err := LoadKey(fp.Identity, nil)
	if err != nil {
		b.Fatal(err)
	}
	file, err := Open(fp, key, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	pp, err := ResolvePaths(benchURL(b), fp.Identity, func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := file.CopyTo(ctx, pp); err != nil {
		b.Fatal(err)
	}
	pg, err := Open(pp, key, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer pg.Close()
	change := func(v *Vault, i int) time.Duration {
		start := time.Now()
		err := v.Update(ctx, func(tx *Tx) error {
			p, err := tx.Profile(fmt.Sprintf("crm-%04d", i%n))
			if err != nil {
				return err
			}
			tok := *p.Token
			tok.AccessToken = fmt.Sprintf("1000.bench-%d", i)
			return tx.SetToken(p.Name, tok)
		})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var pgT, fileT []time.Duration
	i := 0
	for b.Loop() {
		i++
		pgT = append(pgT, change(pg, i))
		fileT = append(fileT, change(file, i))
	}
	reportMedians(b, pgT, fileT)
}

// benchURL is a fresh schema on the test server, without the test
// server's statement log: it logs every statement with its parameters (so
// the canary tests can scan it), which no production server does, and
// which would time the log writing the ciphertext twice over in hex.
func benchURL(b *testing.B) string {
	return pgtest.WithParam(pgtest.URL(b), "log_statement", "none")
}

// reportMedians reports the medians of PostgreSQL's and the file's times,
// side by side, and their ratio.
func reportMedians(b *testing.B, pg, file []time.Duration) {
	mp, mf := median(pg), median(file)
	b.ReportMetric(float64(mp.Nanoseconds()), "pg-median-ns")
	b.ReportMetric(float64(mf.Nanoseconds()), "file-median-ns")
	if mf > 0 {
		b.ReportMetric(float64(mp)/float64(mf), "x-file")
	}
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
