// Command fakezoho runs the fake Zoho (accounts servers and product API
// hosts) on loopback ports for the demo and end-to-end tests. It prints
// one JSON object to stdout: the data centers (in the format
// ZTM_DATACENTERS reads), each data center's API host, and the demo
// clients; then it serves until interrupted.
//
// Usage:
//
//	fakezoho [-base-port 18000] [-latency 50ms] [-legacy] [-consent auto|deny|page]
//	         [-device-interval 5s] [-auto-approve-device] [-write-datacenters file]
//	         [-local-api] [-records 25]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"ztm/model"
	"ztm/oauth/fakezoho"
)

type demoClient struct {
	ID           string   `json:"id"`
	Secret       string   `json:"secret"`
	Type         string   `json:"type"`
	RedirectURIs []string `json:"redirect_uris,omitempty"`
}

type banner struct {
	DataCenters []model.DataCenter `json:"datacenters"`
	// APIHosts maps a data-center ID to its fake API host.
	APIHosts map[string]string `json:"api_hosts"`
	Clients  []demoClient      `json:"clients"`
	FakeAPI  string            `json:"fake_api"`
}

func main() {
	var (
		opts     fakezoho.Options
		consent  = flag.String("consent", "auto", "how consent answers: auto, deny or page")
		dcsFile  = flag.String("write-datacenters", "", "also write the data-center table to this file, for ZTM_DATACENTERS")
		interval = flag.Duration("device-interval", 0, "device-flow polling interval (default 30s)")
	)
	flag.IntVar(&opts.BasePort, "base-port", 0, "listen on 127.0.0.1:base-port+i for data center i (default: random ports)")
	flag.DurationVar(&opts.Latency, "latency", 0, "delay every answer by this much")
	flag.BoolVar(&opts.Legacy, "legacy", false, "answer token requests in the old millisecond format")
	flag.BoolVar(&opts.AutoApproveDevice, "auto-approve-device", false, "approve every device code at once")
	flag.BoolVar(&opts.LocalAPIDomain, "local-api", false, "name the fake's API hosts as api_domain (default: Zoho's real API domains)")
	flag.IntVar(&opts.Records, "records", 0, "seeded records per CRM module, Books resource and Desk (default 25)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: fakezoho [flags]\n\nA fake Zoho (accounts servers and API hosts) on loopback, for ztm's demo and tests.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	opts.DeviceInterval = *interval
	switch *consent {
	case "auto":
		opts.Consent = fakezoho.AutoApprove
	case "deny":
		opts.Consent = fakezoho.AutoDeny
	case "page":
		opts.Consent = fakezoho.ConsentPage
	default:
		fmt.Fprintf(os.Stderr, "fakezoho: -consent %q: use auto, deny or page\n", *consent)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := fakezoho.Serve(ctx, opts, func(c *fakezoho.Cluster) {
		b := banner{DataCenters: c.DataCenters().All(), FakeAPI: fakezoho.FakePrefix, APIHosts: map[string]string{}}
		for _, id := range c.IDs() {
			b.APIHosts[id] = c.APIURL(id)
		}
		for _, cl := range fakezoho.DemoClients() {
			b.Clients = append(b.Clients, demoClient{ID: cl.ID, Secret: cl.Secret, Type: string(cl.Type), RedirectURIs: cl.RedirectURIs})
		}
		if *dcsFile != "" {
			data, _ := json.MarshalIndent(b.DataCenters, "", "  ")
			if err := os.WriteFile(*dcsFile, append(data, '\n'), 0o600); err != nil {
				fmt.Fprintf(os.Stderr, "fakezoho: %v\n", err)
				stop()
				return
			}
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(b)
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "fakezoho: %v\n", err)
		os.Exit(1)
	}
}
