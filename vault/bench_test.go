package vault

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ztm/model"
)

var benchSizes = []int{10, 1000, 10000, 100000}

// benchCache holds one built vault per size for the whole run: building
// 100,000 profiles takes half a minute, and every benchmark and every
// -count would build it again. Each benchmark gets its own copy.
var benchCache = struct {
	sync.Mutex
	dirs map[int]Paths
}{dirs: map[int]Paths{}}

// benchVault returns a key-file vault with n profiles in a directory of
// the benchmark's own.
func benchVault(b *testing.B, n int) Paths {
	b.Helper()
	benchCache.Lock()
	src, ok := benchCache.dirs[n]
	if !ok {
		src = buildBenchVault(b, n)
		benchCache.dirs[n] = src
	}
	benchCache.Unlock()
	p := testPaths(b, "")
	p.Identity = filepath.Join(p.Dir, KeyFileIdentity)
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		b.Fatal(err)
	}
	for from, to := range map[string]string{src.Vault: p.Vault, src.Identity: p.Identity} {
		if err := copyFile(from, to); err != nil {
			b.Fatal(err)
		}
	}
	return p
}

func buildBenchVault(b *testing.B, n int) Paths {
	dir, err := os.MkdirTemp("", "ztm-bench-*")
	if err != nil {
		b.Fatal(err)
	}
	benchDirs = append(benchDirs, dir)
	p, err := ResolvePaths(filepath.Join(dir, "ztm", VaultFile), filepath.Join(dir, "ztm", KeyFileIdentity), func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	v, err := Create(p, CreateOptions{GenerateKeyFile: true}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	const batch = 10000
	for i := 0; i < n; i += batch {
		addProfiles(b, v, i, min(batch, n-i))
	}
	return p
}

// benchDirs are removed when the run ends (see TestMain).
var benchDirs []string

// BenchmarkOpen: unlock (key file) and load a vault; lazy is how `ztm
// token` opens it (decrypting only what it reads), full is how the
// dashboard and every change do.
func BenchmarkOpen(b *testing.B) {
	for _, mode := range []string{"full", "lazy"} {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/profiles=%d", mode, n), func(b *testing.B) { benchOpen(b, n, Options{Lazy: mode == "lazy"}) })
		}
	}
}

func benchOpen(b *testing.B, n int, o Options) {
	p := benchVault(b, n)
	b.ResetTimer()
	for b.Loop() {
		key, err := LoadKey(p.Identity, nil)
		if err != nil {
			b.Fatal(err)
		}
		v, err := Open(p, key, o)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Profile("crm-0001"); err != nil && n > 1 {
			b.Fatal(err)
		}
		v.Close()
	}
	reportSize(b, p)
}

// BenchmarkSaveOneChange: change one token and save, with the lock, the
// encryption, the fsyncs and the read-back check.
func BenchmarkSaveOneChange(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("profiles=%d", n), func(b *testing.B) {
			p := benchVault(b, n)
			key, _ := LoadKey(p.Identity, nil)
			v, err := Open(p, key, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer v.Close()
			ctx := context.Background()
			i := 0
			b.ResetTimer()
			for b.Loop() {
				i++
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
			}
		})
	}
}

// BenchmarkPeakMemory: the peak resident memory of a whole process that
// opens the vault and saves one change (the heaviest thing a script does).
func BenchmarkPeakMemory(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("profiles=%d", n), func(b *testing.B) {
			p := benchVault(b, n)
			for b.Loop() {
				cmd := helper(b, p, "memory")
				out, err := cmd.Output()
				if err != nil {
					b.Fatal(err)
				}
				kib, err := strconv.Atoi(strings.TrimSpace(string(out)))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(kib)/1024, "MB-peak")
			}
		})
	}
}

// BenchmarkFreshTokenValid: ask for a token that is still valid, the
// common case for scripts.
func BenchmarkFreshTokenValid(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("profiles=%d", n), func(b *testing.B) {
			p := benchVault(b, n)
			key, _ := LoadKey(p.Identity, nil)
			v, err := Open(p, key, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer v.Close()
			ctx := context.Background()
			never := func(context.Context, model.Profile) (model.Token, error) {
				b.Fatal("refreshed a valid token")
				return model.Token{}, nil
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := v.FreshToken(ctx, "crm-0000", FreshOptions{Margin: 5 * time.Minute}, never); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func reportSize(b *testing.B, p Paths) {
	b.ReportMetric(float64(fileSize(b, p.Vault))/(1<<20), "MB-file")
}

// BenchmarkProfiles: list every profile with its token, as the dashboard
// does on every reload.
func BenchmarkProfiles(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("profiles=%d", n), func(b *testing.B) {
			p := benchVault(b, n)
			key, _ := LoadKey(p.Identity, nil)
			v, err := Open(p, key, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer v.Close()
			b.ResetTimer()
			for b.Loop() {
				ps, err := v.Profiles()
				if err != nil || len(ps) != n {
					b.Fatalf("%d profiles, %v", len(ps), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/profile")
		})
	}
}

// BenchmarkListRows: what `ztm list` does after start-up: unlock, open
// (lazily, or fully), and read every profile's table row.
func BenchmarkListRows(b *testing.B) {
	for _, mode := range []string{"lazy", "full"} {
		for _, n := range benchSizes[1:3] {
			b.Run(fmt.Sprintf("%s/profiles=%d", mode, n), func(b *testing.B) {
				p := benchVault(b, n)
				for b.Loop() {
					key, err := LoadKey(p.Identity, nil)
					if err != nil {
						b.Fatal(err)
					}
					v, err := Open(p, key, Options{Lazy: mode == "lazy"})
					if err != nil {
						b.Fatal(err)
					}
					rows := 0
					err = v.EachProfileRow(TableColumns, func(*ProfileRow) error { rows++; return nil })
					if err != nil || rows != n {
						b.Fatalf("%d rows, %v", rows, err)
					}
					v.Close()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/profile")
			})
		}
	}
}
