package fakezoho

import (
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Endpoint names of the product APIs, for [Cluster.Requests] and
// [Cluster.InjectFault]. They count requests on every data center's API
// host ([Cluster.APIURL]).
const (
	EndpointCRMOrg       = "crm.org"             // GET /crm/v8/org
	EndpointCRMRecords   = "crm.records"         // GET, POST, PUT /crm/v8/{Module}
	EndpointCRMDownload  = "crm.files.download"  // GET /crm/v8/files?size=N
	EndpointCRMUpload    = "crm.files.upload"    // POST /crm/v8/files
	EndpointBooksOrgs    = "books.organizations" // GET /books/v3/organizations
	EndpointBooksRecords = "books.records"       // GET /books/v3/{resource}
	EndpointDeskOrgs     = "desk.organizations"  // GET /api/v1/organizations
	EndpointDeskTickets  = "desk.tickets"        // GET /api/v1/tickets
)

// Product names a Zoho product the fake's API host plays.
type Product string

// The products the fake answers for.
const (
	CRM   Product = "crm"
	Books Product = "books"
	Desk  Product = "desk"
)

// defaultCollections are the record collections each product has before
// a test adds one with [Cluster.SetRecords].
var defaultCollections = map[Product][]string{
	CRM:   {"Leads", "Contacts", "Accounts", "Deals"},
	Books: {"invoices", "contacts", "items", "bills"},
	Desk:  {"tickets"},
}

// apiMux routes one data center's API host: CRM and Books under their own
// prefixes, Desk under /api/v1 (at Zoho Desk has a host of its own; the
// paths do not collide, so the fake shares one).
func (c *Cluster) apiMux(dc string) http.Handler {
	m := http.NewServeMux()
	c.crm(m, dc)
	c.books(m, dc)
	c.desk(m, dc)
	return m
}

// tokenState is what an API host makes of a request's Authorization.
type tokenState int

const (
	tokenNone tokenState = iota // no header, another scheme, or a value never issued
	tokenDead                   // issued, but expired, revoked, evicted or of another data center
	tokenLive
)

// apiCaller is what a product handler learns about a live token's owner.
type apiCaller struct {
	email, clientID, dc string
	scopes              []string
}

// apiToken classifies the request's token at dc; only the
// Zoho-oauthtoken scheme counts, as at Zoho.
func (c *Cluster) apiToken(r *http.Request, dc string) (apiCaller, tokenState) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Zoho-oauthtoken ")
	tok = strings.TrimSpace(tok)
	if !ok || tok == "" {
		return apiCaller{}, tokenNone
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	at, found := c.st.access[tok]
	switch {
	case !found && c.st.retired[tok]:
		return apiCaller{}, tokenDead
	case !found:
		return apiCaller{}, tokenNone
	case !c.now().Before(at.expires) || !c.tokenServedIn(at, dc):
		// A token of another data center is invalid there, as Zoho
		// answers a call to the wrong API domain.
		return apiCaller{}, tokenDead
	}
	return apiCaller{email: at.email, clientID: at.clientID, dc: at.dc, scopes: append([]string(nil), at.scopes...)}, tokenLive
}

// hasService reports whether scopes hold any scope of the service (such
// as "ZohoCRM"), whatever its name and operation.
func hasService(scopes []string, service string) bool {
	for _, s := range scopes {
		if strings.HasPrefix(strings.ToLower(s), strings.ToLower(service)+".") {
			return true
		}
	}
	return false
}

// ExpireAccessToken ends an access token now, as time would: the product
// APIs and user info then answer it as a dead token. It reports whether
// the token was live.
func (c *Cluster) ExpireAccessToken(tok string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.st.access[tok]
	if !ok || !c.now().Before(at.expires) {
		return false
	}
	c.st.retire(tok)
	return true
}

// SetNoPermission makes CRM answer 403 NO_PERMISSION to a user's calls
// (their CRM profile lacks API access) when denied is true.
func (c *Cluster) SetNoPermission(email string, denied bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if denied {
		c.st.noPermission[strings.ToLower(email)] = true
	} else {
		delete(c.st.noPermission, strings.ToLower(email))
	}
}

func (c *Cluster) noPermission(email string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.noPermission[strings.ToLower(email)]
}

// SetRecords makes a product's collection (a CRM module such as "Leads",
// a Books resource such as "invoices", Desk's "tickets") hold n seeded
// records, adding the collection if it is new; see [Options.Records].
// Records are generated from their index, so any n costs no memory and
// every run sees the same ones.
func (c *Cluster) SetRecords(p Product, collection string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.records[string(p)+"/"+collection] = max(n, 0)
}

// recordCount is how many records a collection holds, and whether it
// exists at all.
func (c *Cluster) recordCount(p Product, collection string) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.st.records[string(p)+"/"+collection]; ok {
		return n, true
	}
	for _, name := range defaultCollections[p] {
		if name == collection {
			return c.opts.Records, true
		}
	}
	return 0, false
}

// OrgID is the id of the one org each product has in a data center, for
// every user there: CRM's org, Books' organization_id, Desk's orgId.
func (c *Cluster) OrgID(dcID string) string {
	for i, dc := range c.dcs {
		if dc.ID == strings.ToUpper(dcID) {
			return strconv.Itoa(600000001 + i)
		}
	}
	return ""
}

// recordID is a record's id: numeric like Zoho's, the same on every run,
// distinct across collections and indexes.
func recordID(p Product, collection string, i int) string {
	h := fnv.New32a()
	h.Write([]byte(string(p) + "/" + collection))
	return strconv.FormatUint(uint64(h.Sum32()%9000+1000), 10) + strconv.FormatInt(int64(100000000+i+1), 10)
}

// recordTime is a seeded record's creation time: a fixed day, a minute
// apart, in Zoho's ISO form.
func recordTime(i int) string {
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	return base.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05-07:00")
}

// pageBounds clips [from, from+size) to n records.
func pageBounds(from, size, n int) (int, int) {
	lo := min(max(from, 0), n)
	return lo, min(lo+size, n)
}

// intParam reads a non-negative integer query parameter, def when
// absent; ok is false when it is present but not such a number.
func intParam(r *http.Request, name string, def int) (int, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}
