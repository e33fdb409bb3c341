package fakezoho

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"ztm/model"
)

// EndpointConsole counts the fake API Console's page and its Generate Code
// form, for [Cluster.Requests] and [Cluster.InjectFault].
const EndpointConsole = "console"

// ConsoleCodePath is where the fake API Console's Self Client form posts:
// client_id, scope (comma-separated), duration (minutes: 3, 5, 7 or 10) and
// an optional description. The answer is an HTML page showing the code.
const ConsoleCodePath = "/console/self-client-code"

// consoleDurations are the Self Client code lives the real console offers,
// in minutes.
var consoleDurations = []int{3, 5, 7, 10}

// console serves a small stand-in for Zoho's API Console at the root of
// every data center's server, so that a person trying the demo can follow
// the guided set-up: it lists the clients enabled in the data center with
// their (fake) secrets, and its Self Client form generates a code, shown
// once, as the real console's Generate Code tab does. Cluster.DataCenters
// points each data center's APIConsole at this page.
func (c *Cluster) console(m *http.ServeMux, dc string) {
	m.HandleFunc("GET /{$}", c.handleConsole(dc))
	m.HandleFunc("POST "+ConsoleCodePath, c.handleConsoleCode(dc))
}

// consoleClient is a row of the console's client table.
type consoleClient struct {
	ID, Secret, Type string
	Self             bool
	RedirectURIs     []string
}

type consoleData struct {
	DC, Name, Email string
	Clients         []consoleClient
	SelfClients     []consoleClient
	Durations       []int

	// The form's values, kept when it is shown again with an error.
	ClientID, Scope, Description string
	Duration                     int
	Error                        string

	// Code is set on the page that shows a generated code.
	Code   string
	Scopes []string
}

func (c *Cluster) handleConsole(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointConsole) {
			return
		}
		d := c.consoleData(dc)
		d.Scope = r.URL.Query().Get("scope")
		d.Description = r.URL.Query().Get("description")
		renderConsole(w, http.StatusOK, d)
	}
}

func (c *Cluster) handleConsoleCode(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointConsole) {
			return
		}
		d := c.consoleData(dc)
		d.ClientID = strings.TrimSpace(r.PostFormValue("client_id"))
		d.Scope = strings.TrimSpace(r.PostFormValue("scope"))
		d.Description = r.PostFormValue("description")
		d.Duration = 0
		if minutes, err := strconv.Atoi(r.PostFormValue("duration")); err == nil && slices.Contains(consoleDurations, minutes) {
			d.Duration = minutes
		}
		scopes, scopeErr := model.ParseScopes(d.Scope)
		isSelf := slices.ContainsFunc(d.SelfClients, func(cl consoleClient) bool { return cl.ID == d.ClientID })
		switch {
		case !isSelf:
			d.Error = "Choose a Self Client enabled in this data center."
		case scopeErr != nil:
			d.Error = "Scope: " + scopeErr.Error()
		case d.Duration == 0:
			d.Error = "Choose a time duration of 3, 5, 7 or 10 minutes."
		}
		if d.Error != "" {
			if d.Duration == 0 {
				d.Duration = 10
			}
			renderConsole(w, http.StatusBadRequest, d)
			return
		}
		d.Code = c.SelfClientCode(d.ClientID, dc, scopes, time.Duration(d.Duration)*time.Minute)
		d.Scopes = scopes
		renderConsole(w, http.StatusOK, d)
	}
}

// consoleData describes the data center's clients and signed-in user.
func (c *Cluster) consoleData(dc string) consoleData {
	d := consoleData{DC: dc, Durations: consoleDurations, Duration: 10}
	if info, ok := c.dc(dc); ok {
		d.Name = info.Name
	}
	c.mu.Lock()
	d.Email = c.st.consentUser(dc).Email
	for _, cl := range c.st.clients {
		if !cl.availableIn(dc) {
			continue
		}
		row := consoleClient{ID: cl.ID, Secret: cl.secretFor(dc), Type: cl.Type.Label(),
			Self: cl.Type == model.SelfClient, RedirectURIs: append([]string(nil), cl.RedirectURIs...)}
		d.Clients = append(d.Clients, row)
	}
	c.mu.Unlock()
	rank := func(cl consoleClient) int {
		if cl.Self {
			return 0
		}
		return 1
	}
	slices.SortFunc(d.Clients, func(a, b consoleClient) int {
		if r := rank(a) - rank(b); r != 0 {
			return r
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, cl := range d.Clients {
		if cl.Self {
			d.SelfClients = append(d.SelfClients, cl)
		}
	}
	return d
}

func renderConsole(w http.ResponseWriter, status int, d consoleData) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store") // a code is shown once
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.WriteHeader(status)
	_ = consoleTmpl().Execute(w, d)
}

// consoleTmpl is parsed on first use, not at init: the fake is linked into
// the ztm binary (for the demo), whose start-up must stay fast.
var consoleTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("console").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fake Zoho API Console ({{.DC}})</title>
<style>
:root{color-scheme:light dark}
body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.25rem}h2{font-size:1.15rem;margin-top:2rem}
.note{opacity:.75}.error{color:#cf222e;font-weight:600}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #8884;vertical-align:top}
code{font:14px ui-monospace,SFMono-Regular,Menlo,monospace}
td code{user-select:all}
label{display:block;margin:.6rem 0}label span{display:inline-block;width:9rem}
input[type=text]{width:28rem;max-width:100%;font-size:1rem}select,button{font-size:1rem}
button{padding:.4rem 1.2rem}
.code{display:block;font-size:1.6rem;padding:1rem;margin:1rem 0;border:2px dashed #8888;border-radius:8px;
 word-break:break-all;user-select:all}
</style></head>
<body>
<h1>Fake Zoho API Console ({{.DC}})</h1>
<p class="note">A stand-in for Zoho's API Console{{if .Name}} in {{.Name}}{{end}}, served by ztm's fake Zoho.
Everything here is fake: these clients and secrets only work against this server.
Signed in as <b>{{.Email}}</b>.</p>
{{if .Code}}
<h2>Self Client → Generate Code</h2>
<p>Copy the code now: it is shown only once. It works once, within {{.Duration}} minutes.</p>
<code id="code" class="code">{{.Code}}</code>
<table>
<tr><th>Client ID</th><td><code>{{.ClientID}}</code></td></tr>
<tr><th>Scope</th><td>{{range $i, $s := .Scopes}}{{if $i}}, {{end}}<code>{{$s}}</code>{{end}}</td></tr>
<tr><th>Time Duration</th><td>{{.Duration}} minutes</td></tr>
{{if .Description}}<tr><th>Description</th><td>{{.Description}}</td></tr>{{end}}
</table>
<p><a href="/">Back to the console</a></p>
{{else}}
<h2>Clients</h2>
{{if .Clients}}<table>
<tr><th>Type</th><th>Client ID</th><th>Client Secret</th><th>Redirect URIs</th></tr>
{{range .Clients}}<tr><td>{{.Type}}</td><td><code>{{.ID}}</code></td><td><code>{{.Secret}}</code></td>
<td>{{range .RedirectURIs}}<code>{{.}}</code><br>{{else}}-{{end}}</td></tr>
{{end}}</table>{{else}}<p>No client is enabled in this data center.</p>{{end}}

<h2 id="self-client">Self Client → Generate Code</h2>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
{{if .SelfClients}}
<form method="post" action="/console/self-client-code">
<label><span>Self Client</span><select name="client_id">{{range .SelfClients}}
<option value="{{.ID}}"{{if eq .ID $.ClientID}} selected{{end}}>{{.ID}}</option>{{end}}
</select></label>
<label><span>Scope</span><input type="text" name="scope" value="{{.Scope}}" required autofocus
 placeholder="ZohoCRM.modules.ALL,AaaServer.profile.READ"></label>
<label><span>Time Duration</span><select name="duration">{{range .Durations}}
<option value="{{.}}"{{if eq . $.Duration}} selected{{end}}>{{.}} minutes</option>{{end}}
</select></label>
<label><span>Description</span><input type="text" name="description" value="{{.Description}}" placeholder="ztm"></label>
<button type="submit">Create</button>
</form>
{{else}}<p>No Self Client is enabled in this data center.</p>{{end}}

<h2>Non-browser applications</h2>
<p>A device-flow code is approved on the <a href="/oauth/v3/device">device verification page</a>.</p>
{{end}}
</body></html>
`))
})
