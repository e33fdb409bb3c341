package oauth_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
)

// BenchmarkRefresh200 measures 200 refreshes against the fake with 50 ms
// of latency, 8 at a time, as a script refreshing many profiles would.
// Each refresh token is used at most 8 times, below Zoho's 10 per 10
// minutes, so no request is throttled.
func BenchmarkRefresh200(b *testing.B) {
	const (
		total       = 200
		concurrency = 8
		perToken    = 8
	)
	f := fakezohotest.Start(b, fakezohotest.WallClock(), fakezohotest.NoDemoClients(), fakezohotest.Latency(50*time.Millisecond))
	z := f.Zoho
	client := oauth.NewClient(f.DCs)
	cl := f.NewClient("EU", model.SelfClient)

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		profiles := make([]model.Profile, total/perToken)
		for j := range profiles {
			email := fmt.Sprintf("bench-%d-%d@example.com", i, j)
			z.AddUser(fakezoho.User{Email: email, HomeDC: "EU"})
			profiles[j] = model.Profile{
				AccountsServer: z.URL("EU"), DC: "EU", ClientType: model.SelfClient, ClientID: cl.ID, ClientSecret: cl.Secret,
				Scopes: []string{"ZohoCRM.modules.ALL"},
				Token:  &model.Token{RefreshToken: z.MintRefreshToken(cl.ID, email, "EU", []string{"ZohoCRM.modules.ALL"})},
			}
		}
		b.StartTimer()

		sem := make(chan struct{}, concurrency)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var firstErr error
		for k := range total {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				if _, err := client.Refresh(b.Context(), profiles[k%len(profiles)]); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if firstErr != nil {
			b.Fatal(firstErr)
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "refreshes/s")
}
