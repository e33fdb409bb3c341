package fakezoho

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"ztm/model"
)

// handleAuth is GET /oauth/v2/auth and /oauth/v2/org/auth: check the
// request, move a user of another data center to their home, then approve,
// deny, or show the consent page.
func (c *Cluster) handleAuth(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointAuth) {
			return
		}
		q := r.URL.Query()
		c.mu.Lock()
		user := c.st.consentUser(dc)
		home := user.HomeDC
		c.mu.Unlock()

		if home != dc {
			if dc == "CN" || home == "CN" {
				// China is separate: no redirect across its border.
				errorPage(w, "This account does not exist in this data center. Sign in at the data center where it was created.")
				return
			}
			// Zoho sends the browser to the user's own data center.
			http.Redirect(w, r, c.URL(home)+r.URL.Path+"?"+r.URL.RawQuery, http.StatusFound)
			return
		}

		c.mu.Lock()
		cl, ok := c.st.clients[q.Get("client_id")]
		c.mu.Unlock()
		switch {
		case !ok || !cl.availableIn(dc) || cl.Type != model.ServerClient:
			errorPage(w, "ERROR_invalid_client: the client id is wrong, or the client is not enabled in this data center.")
			return
		case !contains(cl.RedirectURIs, q.Get("redirect_uri")):
			errorPage(w, "ERROR_invalid_redirect_uri: the redirect URI does not match the one registered.")
			return
		case q.Get("response_type") != "code":
			errorPage(w, "ERROR_invalid_response_type: response_type must be code.")
			return
		}
		scopes, err := model.ParseScopes(q.Get("scope"))
		if err != nil {
			errorPage(w, "ERROR_invalid_scope: "+err.Error())
			return
		}
		p := &pendingConsent{
			dc: dc, clientID: cl.ID, redirectURI: q.Get("redirect_uri"), state: q.Get("state"),
			accessType: q.Get("access_type"), prompt: q.Get("prompt"), scopes: scopes, email: user.Email,
		}
		if q.Get("code_challenge") != "" {
			if q.Get("code_challenge_method") != "S256" {
				errorPage(w, "ERROR_invalid_code_challenge_method: only S256 is supported.")
				return
			}
			p.challenge = q.Get("code_challenge")
		}
		switch c.opts.Consent {
		case AutoDeny:
			c.redirectDenied(w, r, p)
		case ConsentPage:
			c.mu.Lock()
			id := randomHex(12)
			c.st.consents[id] = p
			c.mu.Unlock()
			consentPage(w, id, user.Email, cl.ID, scopes)
		default:
			c.redirectApproved(w, r, p)
		}
	}
}

// handleDecision is the consent page's form: Accept or Deny.
func (c *Cluster) handleDecision(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointAuth) {
			return
		}
		id := r.PostFormValue("consent_id")
		c.mu.Lock()
		p, ok := c.st.consents[id]
		delete(c.st.consents, id)
		c.mu.Unlock()
		if !ok || p.dc != dc {
			errorPage(w, "This consent page has expired. Start again from the application.")
			return
		}
		if r.PostFormValue("decision") == "accept" {
			c.redirectApproved(w, r, p)
			return
		}
		c.redirectDenied(w, r, p)
	}
}

// redirectApproved issues a code and sends the browser back with it, the
// data center's location and accounts server, and the state.
func (c *Cluster) redirectApproved(w http.ResponseWriter, r *http.Request, p *pendingConsent) {
	c.mu.Lock()
	code := newToken()
	c.st.codes[code] = &grantCode{
		clientID: p.clientID, dc: p.dc, redirectURI: p.redirectURI, email: p.email, scopes: p.scopes,
		expires: c.now().Add(c.opts.CodeTTL), offline: p.accessType == "offline",
		newRefresh: p.prompt == "consent" || !c.st.hasRefresh(p.clientID, p.email), challenge: p.challenge,
	}
	c.mu.Unlock()
	dc, _ := c.dc(p.dc)
	v := url.Values{"code": {code}, "location": {dc.Location}, "accounts-server": {c.URL(p.dc)}}
	if p.state != "" {
		v.Set("state", p.state)
	}
	http.Redirect(w, r, withQuery(p.redirectURI, v), http.StatusFound)
}

func (c *Cluster) redirectDenied(w http.ResponseWriter, r *http.Request, p *pendingConsent) {
	v := url.Values{"error": {"access_denied"}}
	if p.state != "" {
		v.Set("state", p.state)
	}
	http.Redirect(w, r, withQuery(p.redirectURI, v), http.StatusFound)
}

func withQuery(uri string, v url.Values) string {
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + v.Encode()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pageTmpl is parsed on first use, not at init: the fake is linked into
// the ztm binary (for the demo), whose start-up must stay fast.
var pageTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Fake Zoho Accounts</title>
<style>body{font:16px system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}
button{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}code{font-size:.9rem}</style></head>
<body><h1>Fake Zoho Accounts</h1>
{{if .Error}}<p>{{.Error}}</p>{{else if .Device}}
<p>Enter the code shown by the application, signed in as <b>{{.Email}}</b>.</p>
<form method="post"><input name="user_code" autofocus autocomplete="off">
<p><button name="decision" value="accept">Accept</button><button name="decision" value="deny">Deny</button></p></form>
{{if .Message}}<p>{{.Message}}</p>{{end}}
{{else}}
<p><b>{{.Email}}</b>: the client <code>{{.ClientID}}</code> asks for:</p>
<ul>{{range .Scopes}}<li><code>{{.}}</code></li>{{end}}</ul>
<form method="post"><input type="hidden" name="consent_id" value="{{.ID}}">
<button name="decision" value="accept">Accept</button><button name="decision" value="deny">Deny</button></form>
{{end}}</body></html>`))
})

type pageData struct {
	Error, Message, Email, ClientID, ID string
	Scopes                              []string
	Device                              bool
}

func consentPage(w http.ResponseWriter, id, email, clientID string, scopes []string) {
	renderPage(w, http.StatusOK, pageData{ID: id, Email: email, ClientID: clientID, Scopes: scopes})
}

// errorPage is how Zoho reports a bad consent request: a page, not a
// redirect, since the redirect URI cannot be trusted.
func errorPage(w http.ResponseWriter, msg string) {
	renderPage(w, http.StatusBadRequest, pageData{Error: msg})
}

func renderPage(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pageTmpl().Execute(w, d)
}
