package fakezoho

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FakePrefix starts the paths of the test-support endpoints, which are not
// Zoho's. They let a test in another process (the tmux end-to-end tests,
// the demo script) drive the fake:
//
//	POST /__fake/self-client-code  client_id, scope (comma-separated), ttl (Go duration)
//	                               -> {"code": "..."} for this server's data center
//	POST /__fake/device/approve    user_code [, email] -> {"status": "approved"}
//	POST /__fake/device/deny       user_code -> {"status": "denied"}
//	POST /__fake/signin            email ("" for the default users)
//	POST /__fake/revoke-all        client_id, email -> {"revoked": n}
//	POST /__fake/client            a JSON [Client]
//	POST /__fake/user              a JSON [User]
//	POST /__fake/fault             {"endpoint": "refresh", "fault": {...}} (delay in nanoseconds)
//	GET  /__fake/requests          -> {"refresh": 3, "crm.records": 2, ...}
//	POST /__fake/expire-access-token  token -> {"expired": true|false}
//	POST /__fake/revoke-refresh-token token -> {"revoked": true|false}
//	POST /__fake/server-location   location, accounts_server ("" removes it)
//	POST /__fake/records           product (crm, books, desk), collection, n
//	POST /__fake/no-permission     email, denied (true or false)
//
// Form parameters go in the body. Errors are {"error": "..."} with HTTP 400.
const FakePrefix = "/__fake/"

func (c *Cluster) fakeAPI(m *http.ServeMux, dc string) {
	m.HandleFunc("POST /__fake/self-client-code", func(w http.ResponseWriter, r *http.Request) {
		ttl, _ := time.ParseDuration(r.PostFormValue("ttl"))
		scopes := strings.FieldsFunc(r.PostFormValue("scope"), func(r rune) bool { return r == ',' || r == ' ' })
		code := c.SelfClientCode(r.PostFormValue("client_id"), dc, scopes, ttl)
		writeJSON(w, http.StatusOK, map[string]string{"code": code})
	})
	m.HandleFunc("POST /__fake/device/approve", func(w http.ResponseWriter, r *http.Request) {
		var err error
		if email := r.PostFormValue("email"); email != "" {
			err = c.ApproveDeviceAs(r.PostFormValue("user_code"), email)
		} else {
			err = c.ApproveDevice(r.PostFormValue("user_code"))
		}
		fakeAnswer(w, err, map[string]string{"status": "approved"})
	})
	m.HandleFunc("POST /__fake/device/deny", func(w http.ResponseWriter, r *http.Request) {
		fakeAnswer(w, c.DenyDevice(r.PostFormValue("user_code")), map[string]string{"status": "denied"})
	})
	m.HandleFunc("POST /__fake/signin", func(w http.ResponseWriter, r *http.Request) {
		c.SignIn(r.PostFormValue("email"))
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	m.HandleFunc("POST /__fake/revoke-all", func(w http.ResponseWriter, r *http.Request) {
		n := c.RevokeAll(r.PostFormValue("client_id"), r.PostFormValue("email"))
		writeJSON(w, http.StatusOK, map[string]int{"revoked": n})
	})
	m.HandleFunc("POST /__fake/client", func(w http.ResponseWriter, r *http.Request) {
		var cl Client
		err := json.NewDecoder(r.Body).Decode(&cl)
		if err == nil {
			c.AddClient(cl)
		}
		fakeAnswer(w, err, map[string]string{"status": "ok"})
	})
	m.HandleFunc("POST /__fake/user", func(w http.ResponseWriter, r *http.Request) {
		var u User
		err := json.NewDecoder(r.Body).Decode(&u)
		if err == nil {
			c.AddUser(u)
		}
		fakeAnswer(w, err, map[string]string{"status": "ok"})
	})
	m.HandleFunc("POST /__fake/fault", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Endpoint string `json:"endpoint"`
			Fault    Fault  `json:"fault"`
		}
		err := json.NewDecoder(r.Body).Decode(&req)
		if err == nil {
			c.InjectFault(req.Endpoint, req.Fault)
		}
		fakeAnswer(w, err, map[string]string{"status": "ok"})
	})
	m.HandleFunc("GET /__fake/requests", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, c.AllRequests())
	})
	c.fakeAPIControls(m)
}

// fakeAPIControls are the test-support endpoints for token lifetimes,
// data-center discovery and the product APIs.
func (c *Cluster) fakeAPIControls(m *http.ServeMux) {
	m.HandleFunc("POST /__fake/expire-access-token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]bool{"expired": c.ExpireAccessToken(r.PostFormValue("token"))})
	})
	m.HandleFunc("POST /__fake/revoke-refresh-token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]bool{"revoked": c.RevokeRefreshToken(r.PostFormValue("token"))})
	})
	m.HandleFunc("POST /__fake/server-location", func(w http.ResponseWriter, r *http.Request) {
		c.SetServerLocation(r.PostFormValue("location"), r.PostFormValue("accounts_server"))
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	m.HandleFunc("POST /__fake/records", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.PostFormValue("n"))
		p := Product(r.PostFormValue("product"))
		if err == nil && p != CRM && p != Books && p != Desk {
			err = fmt.Errorf("unknown product %q: use crm, books or desk", p)
		}
		if err == nil {
			c.SetRecords(p, r.PostFormValue("collection"), n)
		}
		fakeAnswer(w, err, map[string]string{"status": "ok"})
	})
	m.HandleFunc("POST /__fake/no-permission", func(w http.ResponseWriter, r *http.Request) {
		denied, err := strconv.ParseBool(r.PostFormValue("denied"))
		if err == nil {
			c.SetNoPermission(r.PostFormValue("email"), denied)
		}
		fakeAnswer(w, err, map[string]string{"status": "ok"})
	})
}

func fakeAnswer(w http.ResponseWriter, err error, ok any) {
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, ok)
}
