package fakezoho

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"ztm/assets"
	"ztm/model"
)

// ConsentMode says how the fake answers a consent page.
type ConsentMode int

// Consent modes.
const (
	// AutoApprove redirects at once with a code, as if the user pressed
	// Accept. It is the default.
	AutoApprove ConsentMode = iota
	// AutoDeny redirects at once with error=access_denied.
	AutoDeny
	// ConsentPage shows a small HTML page with Accept and Deny buttons, for
	// a person trying ztm against the fake.
	ConsentPage
)

// Options configure a [Cluster]. The zero value gives all nine data
// centers with Zoho's timings and the wall clock.
type Options struct {
	// DCs are the data centers to serve; default all of assets.
	DCs []model.DataCenter
	// Now is the fake's clock for every expiry and limit.
	Now func() time.Time
	// Latency delays every answer (in real time), like a distant server.
	Latency time.Duration
	// Legacy answers token requests in the old format: expires_in_sec in
	// seconds and expires_in in milliseconds, without scope.
	Legacy bool
	// Consent is how consent pages answer.
	Consent ConsentMode
	// CodeTTL is the life of a redirect grant code; default 2 minutes.
	CodeTTL time.Duration
	// TokenTTL is the life of an access token; default 1 hour.
	TokenTTL time.Duration
	// DeviceCodeTTL is the life of a device-flow user code; default 5 minutes.
	DeviceCodeTTL time.Duration
	// DeviceInterval is the polling interval the device flow asks for;
	// default 30 s. Polling faster gets slow_down.
	DeviceInterval time.Duration
	// AutoApproveDevice approves every user code as soon as it is issued,
	// as the signed-in user.
	AutoApproveDevice bool
	// BasePort, when not zero, makes data center i listen on
	// 127.0.0.1:BasePort+i instead of a random port, and its API host on
	// BasePort+APIPortOffset+i.
	BasePort int
	// LocalAPIDomain makes token responses and [Cluster.DataCenters] name
	// the fake's own API host ([Cluster.APIURL]) as api_domain, so a
	// client calling APIs reaches the fake; by default they keep Zoho's
	// real API domains, which the fake does not answer for.
	LocalAPIDomain bool
	// Records is how many seeded records every product collection holds
	// (CRM modules, Books resources, Desk tickets); default 25. Change one
	// collection with [Cluster.SetRecords].
	Records int
}

// APIPortOffset separates a data center's API port from its accounts
// port when [Options.BasePort] is set.
const APIPortOffset = 100

// Client is an API Console client registered with the fake.
type Client struct {
	ID     string
	Secret string
	Type   model.ClientType
	// RedirectURIs must match a consent's redirect_uri exactly.
	RedirectURIs []string
	// HomeDC is the data center where it was registered; default US.
	HomeDC string
	// MultiDC enables the client in every data center.
	MultiDC bool
	// DCSecrets gives a multi-DC client its own secret in a data center
	// (by ID), as Zoho does; missing entries use Secret.
	DCSecrets map[string]string
	// RequireSOID makes the client-credentials grant insist on soid (the
	// org, ZohoCRM.<org id>), as CRM does: without it the answer is
	// missing_org_info.
	RequireSOID bool
}

// User is a Zoho account of the fake.
type User struct {
	Email       string
	HomeDC      string
	FirstName   string
	LastName    string
	DisplayName string
	ZUID        string
}

// Cluster is a fake Zoho accounts service: one loopback HTTP server per
// data center, sharing one state, as Zoho's data centers share nothing but
// routing. All methods are safe for concurrent use.
type Cluster struct {
	opts    Options
	dcs     []model.DataCenter // as configured (real URLs)
	servers map[string]*httptest.Server
	apis    map[string]*httptest.Server // the product API host of each data center

	mu sync.Mutex
	st state
}

// New starts a fake for opts. It panics if it cannot listen, like
// httptest.NewServer; [Serve] returns the error instead.
func New(opts Options) *Cluster {
	c, err := newCluster(opts)
	if err != nil {
		panic("fakezoho: " + err.Error())
	}
	return c
}

func newCluster(opts Options) (*Cluster, error) {
	if opts.DCs == nil {
		dcs, err := model.ParseDataCenters(assets.DataCentersJSON)
		if err != nil {
			return nil, err
		}
		opts.DCs = dcs.All()
	}
	setDefault(&opts.CodeTTL, 2*time.Minute)
	setDefault(&opts.TokenTTL, time.Hour)
	setDefault(&opts.DeviceCodeTTL, 5*time.Minute)
	setDefault(&opts.DeviceInterval, 30*time.Second)
	if opts.Records <= 0 {
		opts.Records = 25
	}
	c := &Cluster{opts: opts, servers: map[string]*httptest.Server{}, apis: map[string]*httptest.Server{}}
	c.st.init()
	for i, dc := range opts.DCs {
		dc.ID = strings.ToUpper(dc.ID)
		if dc.Location == "" {
			dc.Location = strings.ToLower(dc.ID)
		}
		c.dcs = append(c.dcs, dc)
		srv, err := c.listen(c.dated(c.mux(dc.ID)), opts.BasePort, i)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("data center %s: %w", dc.ID, err)
		}
		c.servers[dc.ID] = srv
		api, err := c.listen(c.dated(c.apiMux(dc.ID)), opts.BasePort+APIPortOffset, i)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("data center %s API: %w", dc.ID, err)
		}
		c.apis[dc.ID] = api
		c.st.addUser(defaultUser(dc.ID, i))
	}
	return c, nil
}

// listen starts h on a random loopback port, or on 127.0.0.1:base+i when
// Options.BasePort is set.
func (c *Cluster) listen(h http.Handler, base, i int) (*httptest.Server, error) {
	srv := httptest.NewUnstartedServer(h)
	if c.opts.BasePort != 0 {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+i))
		if err != nil {
			return nil, err
		}
		srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Start()
	return srv, nil
}

// dated sets the Date header from the fake's clock, not the wall clock,
// so a client's clock-skew check sees the time the test chose.
func (c *Cluster) dated(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", c.now().UTC().Format(http.TimeFormat))
		h.ServeHTTP(w, r)
	})
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// Serve runs a fake until ctx ends, with the [DemoClients] registered;
// ready is called once it listens. It is what cmd fakezoho runs.
func Serve(ctx context.Context, opts Options, ready func(*Cluster)) error {
	c, err := newCluster(opts)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, cl := range DemoClients() {
		c.AddClient(cl)
	}
	if ready != nil {
		ready(c)
	}
	<-ctx.Done()
	return nil
}

// Close stops every server.
func (c *Cluster) Close() {
	for _, s := range c.servers {
		s.Close()
	}
	for _, s := range c.apis {
		s.Close()
	}
}

// URL is the base URL of a data center's fake accounts server
// ("http://127.0.0.1:PORT"), or "" for an unknown ID.
func (c *Cluster) URL(dcID string) string {
	if s, ok := c.servers[strings.ToUpper(dcID)]; ok {
		return s.URL
	}
	return ""
}

// APIURL is the base URL of a data center's fake API host, where the
// CRM, Books and Desk APIs answer ("http://127.0.0.1:PORT"), or "" for an
// unknown ID.
func (c *Cluster) APIURL(dcID string) string {
	if s, ok := c.apis[strings.ToUpper(dcID)]; ok {
		return s.URL
	}
	return ""
}

// IDs lists the served data centers in order.
func (c *Cluster) IDs() []string {
	ids := make([]string, len(c.dcs))
	for i, dc := range c.dcs {
		ids[i] = dc.ID
	}
	return ids
}

// DataCenters is the data-center table rewritten to the fake: a profile
// built from it talks to the fake. API domains keep their real values
// unless [Options.LocalAPIDomain] is set.
func (c *Cluster) DataCenters() model.DataCenters {
	var out model.DataCenters
	for _, dc := range c.dcs {
		dc.AccountsServer = c.URL(dc.ID)
		dc.APIConsole = c.URL(dc.ID)
		dc.APIDomain = c.apiDomain(dc)
		if err := out.Put(dc); err != nil {
			panic("fakezoho: " + err.Error()) // loopback URLs always validate
		}
	}
	return out
}

// apiDomain is the api_domain the fake announces for dc.
func (c *Cluster) apiDomain(dc model.DataCenter) string {
	if c.opts.LocalAPIDomain {
		return c.APIURL(dc.ID)
	}
	return dc.APIDomain
}

// dc returns the configured data center by ID.
func (c *Cluster) dc(id string) (model.DataCenter, bool) {
	for _, dc := range c.dcs {
		if dc.ID == strings.ToUpper(id) {
			return dc, true
		}
	}
	return model.DataCenter{}, false
}

func (c *Cluster) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

// DefaultUser is the email of the account that consents in a data center
// when no one has signed in with [Cluster.SignIn]; its home is that data
// center.
func DefaultUser(dcID string) string {
	return strings.ToLower(dcID) + ".user@example.com"
}

func defaultUser(dcID string, i int) User {
	return User{
		Email: DefaultUser(dcID), HomeDC: dcID,
		FirstName: "Ada", LastName: "Lovelace", DisplayName: "Ada " + dcID,
		ZUID: strconv.Itoa(70000000 + i),
	}
}

// mux routes one data center's server.
func (c *Cluster) mux(dc string) http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /oauth/v2/auth", c.handleAuth(dc))
	m.HandleFunc("GET /oauth/v2/org/auth", c.handleAuth(dc))
	m.HandleFunc("POST /oauth/v2/auth", c.handleDecision(dc))
	m.HandleFunc("POST /oauth/v2/org/auth", c.handleDecision(dc))
	m.HandleFunc("/oauth/v2/token", c.handleToken(dc))
	m.HandleFunc("/oauth/v2/token/revoke", c.handleRevoke(dc))
	m.HandleFunc("/oauth/v2/revoke/token", c.handleRevokeToken(dc))
	m.HandleFunc("/oauth/serverinfo", c.handleServerInfo(dc))
	m.HandleFunc("/oauth/user/info", c.handleUserInfo(dc))
	m.HandleFunc("/oauth/v3/device/code", c.handleDeviceCode(dc))
	m.HandleFunc("/oauth/v3/device/token", c.handleDeviceToken(dc))
	m.HandleFunc("/oauth/v3/device", c.handleDevicePage(dc))
	c.console(m, dc)
	c.fakeAPI(m, dc)
	return m
}
