package tui

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/oauth"
	"ztm/vault"
)

// benchClock is a fixed instant, so that every frame draws the same.
var benchClock = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// benchVault makes a key-file vault with n profiles spread over the data
// centers, with every kind of expiry.
func benchVault(b *testing.B, n int) Config {
	b.Helper()
	dir := b.TempDir()
	p := vault.Paths{Dir: dir, Vault: filepath.Join(dir, "vault.age"), Identity: filepath.Join(dir, "identity.txt"), Lock: filepath.Join(dir, "vault.age.lock")}
	v, err := vault.Create(p, vault.CreateOptions{GenerateKeyFile: true}, vault.Options{Now: func() time.Time { return benchClock }})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	dcs := testDCs()
	ids := dcs.IDs()
	err = v.Update(context.Background(), func(tx *vault.Tx) error {
		for i := 0; i < n; i++ {
			dc, _ := dcs.ByID(ids[i%len(ids)])
			prof := model.Profile{
				Name: fmt.Sprintf("org-%04d", i), DC: dc.ID, AccountsServer: dc.AccountsServer, APIDomain: dc.APIDomain,
				ClientType: model.SelfClient, ClientID: fmt.Sprintf("1000.%030d", i), ClientSecret: "secret",
				Scopes: []string{"ZohoCRM.modules.ALL", "AaaServer.profile.READ"}, Consent: model.UserConsent,
				Account: fmt.Sprintf("user%d@example.com", i), Tags: []string{"bench"},
				Token: &model.Token{AccessToken: fmt.Sprintf("1000.a%d", i), RefreshToken: "1000.r",
					ObtainedAt: benchClock.Add(-time.Duration(i%90) * time.Minute), ExpiresAt: benchClock.Add(time.Hour - time.Duration(i%90)*time.Minute)},
			}
			if err := tx.CreateProfile(&prof); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return Config{Paths: p, DCs: dcs, Now: func() time.Time { return benchClock }, Clipboard: nopClipboard{}, OpenURL: func(string) error { return nil }}
}

func testDCs() model.DataCenters {
	dcs, err := oauth.LoadDataCenters(func(string) string { return "" })
	if err != nil {
		panic(err)
	}
	return dcs
}

type nopClipboard struct{}

func (nopClipboard) Write(string) error    { return nil }
func (nopClipboard) Read() (string, error) { return "", nil }

// BenchmarkFirstFrame: from start to the first dashboard frame with 1,000
// profiles, in key-file mode: load the key, open the vault (lazily), read
// the first rows, draw.
func BenchmarkFirstFrame(b *testing.B) {
	cfg := benchVault(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		a := firstFrame(b, cfg, 120, 40)
		_ = a.View()
		a.shutdown()
	}
}

// firstFrame walks the start-up path as the program does, without the
// timers: unlock (key file, no prompt), open the dashboard, read the
// first rows.
func firstFrame(b *testing.B, cfg Config, w, h int) *App {
	a := New(cfg)
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	a.Update(openCmd(a.c.Cfg, nil)())
	a.Update(loadFirstRows(a.c.Vault)())
	if a.dash == nil || len(a.dash.table.profiles) == 0 {
		b.Fatal("the dashboard did not load")
	}
	return a
}

// loadedDashboard is firstFrame with every row read.
func loadedDashboard(b *testing.B, cfg Config, w, h int) *App {
	a := firstFrame(b, cfg, w, h)
	a.Update(loadProfiles(a.c.Vault, false)())
	if a.dash.partial {
		b.Fatal("the dashboard did not read every row")
	}
	return a
}

// BenchmarkFirstFrameAtSize is BenchmarkFirstFrame at 10,000 and
// 100,000 profiles (the whole-process figure is TestProcessFigures in
// ./ui/cli): run it with -cpuprofile to see where start-up goes.
func BenchmarkFirstFrameAtSize(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			cfg := benchVault(b, n)
			b.ResetTimer()
			for b.Loop() {
				a := firstFrame(b, cfg, 120, 40)
				_ = a.View()
				a.shutdown()
			}
		})
	}
}

// BenchmarkFilterKeystroke: one key typed into the filter at 100,000
// profiles, and the frame after it; the filter is typed and cleared in
// turn, so each key narrows or widens the list as a person's would.
func BenchmarkFilterKeystroke(b *testing.B) {
	cfg := benchVault(b, 100000)
	a := loadedDashboard(b, cfg, 120, 40)
	defer a.shutdown()
	a.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	keys := "org-0999"
	i := 0
	b.ResetTimer()
	for b.Loop() {
		if i == len(keys) {
			for range keys {
				a.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
			}
			i = 0
		}
		k := rune(keys[i])
		a.Update(tea.KeyPressMsg{Code: k, Text: string(k)})
		_ = a.View()
		i++
	}
}

// BenchmarkDashboardFrame: drawing one frame of the dashboard with 1,000
// profiles (what every one-second tick costs).
func BenchmarkDashboardFrame(b *testing.B) {
	for _, size := range [][2]int{{120, 40}, {200, 60}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			cfg := benchVault(b, 1000)
			a := loadedDashboard(b, cfg, size[0], size[1])
			a.dash.detail = true
			a.Update(a.dash.loadEvents()()) // the pane's record
			if a.dash.full == nil {
				b.Fatal("the detail pane has no record to draw")
			}
			b.ResetTimer()
			for b.Loop() {
				_ = a.View()
			}
			a.shutdown()
		})
	}
}

// BenchmarkIdleCPU runs the real program (renderer, one-second ticks,
// change polling) on 1,000 profiles for a few seconds with nobody typing,
// and reports the CPU it used as a percentage of one core.
func BenchmarkIdleCPU(b *testing.B) {
	cfg := benchVault(b, 1000)
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- Run(ctx, cfg, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithWindowSize(120, 40))
		}()
		time.Sleep(2 * time.Second) // unlock and first frames
		before := cpuTime()
		const window = 8 * time.Second
		time.Sleep(window)
		used := cpuTime() - before
		cancel()
		<-done
		b.ReportMetric(100*used.Seconds()/window.Seconds(), "%CPU")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
