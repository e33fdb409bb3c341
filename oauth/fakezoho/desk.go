package fakezoho

import (
	"fmt"
	"net/http"
	"strconv"
)

// deskMaxLimit is the most tickets one Desk call returns.
const deskMaxLimit = 100

// desk routes Desk's API under /api/v1.
func (c *Cluster) desk(m *http.ServeMux, dc string) {
	m.HandleFunc("GET /api/v1/organizations", c.deskOrgs(dc))
	m.HandleFunc("GET /api/v1/tickets", c.deskTickets(dc))
}

// deskError answers in Desk's shape: errorCode and message.
func deskError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"errorCode": code, "message": message})
}

// deskAuth checks a Desk call's token as Desk does. Desk's answer to a
// token without a Desk scope is not in FACTS.md; the fake uses
// SCOPE_MISMATCH.
func (c *Cluster) deskAuth(w http.ResponseWriter, r *http.Request, dc string) (apiCaller, bool) {
	who, st := c.apiToken(r, dc)
	switch {
	case st == tokenNone:
		deskError(w, http.StatusUnauthorized, "UNAUTHORIZED", "You are not authenticated to perform this operation.")
	case st == tokenDead:
		deskError(w, http.StatusUnauthorized, "INVALID_OAUTH", "The OAuth Token you provided is invalid.")
	case !hasService(who.scopes, "Desk"):
		deskError(w, http.StatusUnauthorized, "SCOPE_MISMATCH", "The OAuth token does not have the scope for this operation.")
	default:
		return who, true
	}
	return who, false
}

func (c *Cluster) deskOrgs(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointDeskOrgs) {
			return
		}
		who, ok := c.deskAuth(w, r, dc)
		if !ok {
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": []map[string]any{{
			"id": c.OrgID(who.dc), "companyName": "Fake Desk " + who.dc, "portalName": "fakedesk" + who.dc,
			"isDefault": true, "edition": "ENTERPRISE",
		}}})
	}
}

// deskTickets is GET /api/v1/tickets: seeded tickets from index from
// (0-based), limit at a time. Like every Desk call but /organizations it
// needs the orgId header, and the org must be the token's.
func (c *Cluster) deskTickets(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointDeskTickets) {
			return
		}
		who, ok := c.deskAuth(w, r, dc)
		if !ok {
			return
		}
		switch org := r.Header.Get("orgId"); {
		case org == "":
			deskError(w, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "The orgId header is mandatory.")
			return
		case org != c.OrgID(who.dc):
			deskError(w, http.StatusUnauthorized, "OAUTH_ORG_MISMATCH", "The OAuth token does not belong to the organization in the orgId header.")
			return
		}
		from, okFrom := intParam(r, "from", 0)
		limit, okLimit := intParam(r, "limit", 10)
		if !okFrom || !okLimit || limit < 1 || limit > deskMaxLimit {
			deskError(w, http.StatusUnprocessableEntity, "INVALID_DATA", "from must be 0 or more and limit between 1 and 100.")
			return
		}
		n, _ := c.recordCount(Desk, "tickets")
		lo, hi := pageBounds(from, limit, n)
		data := make([]map[string]any, 0, hi-lo)
		for i := lo; i < hi; i++ {
			data = append(data, map[string]any{
				"id": recordID(Desk, "tickets", i), "ticketNumber": strconv.Itoa(101 + i),
				"subject": fmt.Sprintf("Ticket %04d", i+1), "status": "Open", "createdTime": recordTime(i),
			})
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": data})
	}
}
