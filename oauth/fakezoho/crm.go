package fakezoho

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// crmPageLimit is how far page and per_page reach into a CRM module; past
// it only page_token pages (CRM's rule since v7).
const crmPageLimit = 2000

// crmMaxPerPage is the most records one CRM page or write may carry.
const crmMaxPerPage = 200

// crm routes CRM's API under /crm/v8.
func (c *Cluster) crm(m *http.ServeMux, dc string) {
	m.HandleFunc("GET /crm/v8/org", c.crmOrg(dc))
	m.HandleFunc("GET /crm/v8/files", c.crmDownload(dc))
	m.HandleFunc("POST /crm/v8/files", c.crmUpload(dc))
	m.HandleFunc("GET /crm/v8/{module}", c.crmList(dc))
	m.HandleFunc("POST /crm/v8/{module}", c.crmWrite(dc, http.StatusCreated, "record added"))
	m.HandleFunc("PUT /crm/v8/{module}", c.crmWrite(dc, http.StatusOK, "record updated"))
}

// crmError answers in CRM's error shape.
func crmError(w http.ResponseWriter, status int, code, message string, details map[string]any) {
	if details == nil {
		details = map[string]any{}
	}
	writeJSON(w, status, map[string]any{"code": code, "details": details, "message": message, "status": "error"})
}

// crmAuth checks a CRM call's token as CRM does, answering the error
// itself when the call may not go on.
func (c *Cluster) crmAuth(w http.ResponseWriter, r *http.Request, dc string) (apiCaller, bool) {
	who, st := c.apiToken(r, dc)
	switch {
	case st == tokenNone:
		crmError(w, http.StatusUnauthorized, "AUTHENTICATION_FAILURE", "Authentication failed", nil)
	case st == tokenDead:
		crmError(w, http.StatusUnauthorized, "INVALID_TOKEN", "invalid oauth token", nil)
	case !hasService(who.scopes, "ZohoCRM"):
		crmError(w, http.StatusUnauthorized, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL", nil)
	case c.noPermission(who.email):
		crmError(w, http.StatusForbidden, "NO_PERMISSION", "permission denied", nil)
	default:
		return who, true
	}
	return who, false
}

func (c *Cluster) crmOrg(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointCRMOrg) {
			return
		}
		who, ok := c.crmAuth(w, r, dc)
		if !ok {
			return
		}
		id := c.OrgID(who.dc)
		writeJSON(w, http.StatusOK, map[string]any{"org": []map[string]any{{
			"id": id, "company_name": "Fake CRM " + who.dc, "primary_email": who.email,
			"domain_name": "org" + id, "currency": "US Dollar", "iso_code": "USD", "time_zone": "Etc/UTC",
		}}})
	}
}

// crmList is GET /crm/v8/{Module}: seeded records by page and per_page
// up to record 2,000, by page_token after; 204 when a page is empty.
func (c *Cluster) crmList(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointCRMRecords) {
			return
		}
		if _, ok := c.crmAuth(w, r, dc); !ok {
			return
		}
		module := r.PathValue("module")
		n, ok := c.recordCount(CRM, module)
		if !ok {
			crmError(w, http.StatusBadRequest, "INVALID_MODULE", "the module name given seems to be invalid", nil)
			return
		}
		perPage, okPer := intParam(r, "per_page", crmMaxPerPage)
		page, okPage := intParam(r, "page", 1)
		switch {
		case !okPer || perPage < 1 || perPage > crmMaxPerPage:
			crmError(w, http.StatusBadRequest, "INVALID_DATA", "invalid data", map[string]any{"param": "per_page"})
			return
		case !okPage || page < 1:
			crmError(w, http.StatusBadRequest, "INVALID_DATA", "invalid data", map[string]any{"param": "page"})
			return
		}
		from := (page - 1) * perPage
		if tok := r.URL.Query().Get("page_token"); tok != "" {
			off, ok := parsePageToken(tok, dc, module)
			if !ok {
				crmError(w, http.StatusBadRequest, "INVALID_DATA", "invalid data", map[string]any{"param": "page_token"})
				return
			}
			from = off
		} else if page*perPage > crmPageLimit {
			crmError(w, http.StatusBadRequest, "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
				"The limit of 2000 records has been exceeded. Use page_token to fetch more records", nil)
			return
		}
		lo, hi := pageBounds(from, perPage, n)
		if lo == hi {
			w.WriteHeader(http.StatusNoContent) // CRM's answer for no records
			return
		}
		data := make([]map[string]any, 0, hi-lo)
		for i := lo; i < hi; i++ {
			data = append(data, map[string]any{
				"id": recordID(CRM, module, i), "Name": fmt.Sprintf("%s %04d", module, i+1), "Created_Time": recordTime(i),
			})
		}
		info := map[string]any{
			"per_page": perPage, "count": len(data), "page": lo/perPage + 1, "sort_by": "id", "sort_order": "asc",
			"more_records": hi < n, "next_page_token": nil, "previous_page_token": nil,
		}
		if hi < n {
			info["next_page_token"] = pageToken(dc, module, hi)
			info["page_token_expiry"] = c.now().Add(24 * time.Hour).UTC().Format("2006-01-02T15:04:05-07:00")
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": data, "info": info})
	}
}

// pageToken is an opaque CRM page token for the records of a module from
// offset on; it names its data center and module so it works nowhere else.
func pageToken(dc, module string, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(dc + "\x00" + module + "\x00" + strconv.Itoa(offset)))
}

func parsePageToken(tok, dc, module string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 || parts[0] != dc || parts[1] != module {
		return 0, false
	}
	off, err := strconv.Atoi(parts[2])
	return off, err == nil && off >= 0
}

// crmWrite is POST (create) and PUT (update) /crm/v8/{Module} with a JSON
// body {"data": [records]}: it answers each record as CRM does, with its
// id, but stores nothing, so the seeded records stay as they were.
func (c *Cluster) crmWrite(dc string, status int, message string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointCRMRecords) {
			return
		}
		who, ok := c.crmAuth(w, r, dc)
		if !ok {
			return
		}
		module := r.PathValue("module")
		if _, ok := c.recordCount(CRM, module); !ok {
			crmError(w, http.StatusBadRequest, "INVALID_MODULE", "the module name given seems to be invalid", nil)
			return
		}
		var body struct {
			Data []map[string]any `json:"data"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&body); err != nil {
			crmError(w, http.StatusBadRequest, "INVALID_DATA", "body", nil)
			return
		}
		switch {
		case len(body.Data) == 0:
			crmError(w, http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", map[string]any{"param": "data"})
			return
		case len(body.Data) > 100:
			crmError(w, http.StatusBadRequest, "LIMIT_EXCEEDED", "Limit exceeded", map[string]any{"limit": 100})
			return
		}
		out := make([]map[string]any, 0, len(body.Data))
		for _, rec := range body.Data {
			out = append(out, c.crmWriteOne(dc, module, who, rec, r.Method == http.MethodPut, message))
		}
		writeJSON(w, status, map[string]any{"data": out})
	}
}

// crmWriteOne answers one record of a write.
func (c *Cluster) crmWriteOne(dc, module string, who apiCaller, rec map[string]any, update bool, message string) map[string]any {
	now := c.now().UTC().Format("2006-01-02T15:04:05-07:00")
	id, _ := rec["id"].(string)
	if update && id == "" {
		return map[string]any{"code": "MANDATORY_NOT_FOUND", "details": map[string]any{"api_name": "id"},
			"message": "required field not found", "status": "error"}
	}
	if !update {
		c.mu.Lock()
		c.st.created++
		id = recordID(CRM, module, 1_000_000+c.st.created)
		c.mu.Unlock()
	}
	by := map[string]any{"name": who.email}
	return map[string]any{"code": "SUCCESS", "message": message, "status": "success", "details": map[string]any{
		"id": id, "Modified_Time": now, "Modified_By": by, "Created_Time": now, "Created_By": by,
	}}
}
