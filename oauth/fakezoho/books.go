package fakezoho

import (
	"fmt"
	"net/http"
	"strings"
)

// booksMaxPerPage is the most records a Books page carries.
const booksMaxPerPage = 200

// books routes Books' API under /books/v3.
func (c *Cluster) books(m *http.ServeMux, dc string) {
	m.HandleFunc("GET /books/v3/organizations", c.booksOrgs(dc))
	m.HandleFunc("GET /books/v3/{resource}", c.booksList(dc))
}

// booksError answers in Books' shape: a numeric code and a message.
func booksError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{"code": code, "message": message})
}

// booksAuth checks a Books call's token as Books does: code 14 for no or
// a bad token, code 57 for a dead one and for a token without a
// ZohoBooks scope.
func (c *Cluster) booksAuth(w http.ResponseWriter, r *http.Request, dc string) (apiCaller, bool) {
	who, st := c.apiToken(r, dc)
	switch {
	case st == tokenNone:
		booksError(w, http.StatusUnauthorized, 14, "Invalid value passed for Authorization")
	case st == tokenDead, !hasService(who.scopes, "ZohoBooks"):
		booksError(w, http.StatusUnauthorized, 57, "You are not authorized to perform this operation")
	default:
		return who, true
	}
	return who, false
}

func (c *Cluster) booksOrgs(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointBooksOrgs) {
			return
		}
		who, ok := c.booksAuth(w, r, dc)
		if !ok {
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"code": 0, "message": "success", "organizations": []map[string]any{{
			"organization_id": c.OrgID(who.dc), "name": "Fake Books " + who.dc, "email": who.email,
			"is_default_org": true, "currency_code": "USD", "time_zone": "Etc/UTC",
		}}})
	}
}

// booksList is GET /books/v3/{resource}: seeded records by page and
// per_page, with page_context.has_more_page.
func (c *Cluster) booksList(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointBooksRecords) {
			return
		}
		if _, ok := c.booksAuth(w, r, dc); !ok {
			return
		}
		resource := r.PathValue("resource")
		n, ok := c.recordCount(Books, resource)
		if !ok {
			booksError(w, http.StatusNotFound, 5, "Invalid URL Passed")
			return
		}
		page, okPage := intParam(r, "page", 1)
		perPage, okPer := intParam(r, "per_page", booksMaxPerPage)
		switch {
		case !okPage || page < 1:
			booksError(w, http.StatusBadRequest, 2, "Invalid value passed for page")
			return
		case !okPer || perPage < 1 || perPage > booksMaxPerPage:
			booksError(w, http.StatusBadRequest, 2, "Invalid value passed for per_page")
			return
		}
		lo, hi := pageBounds((page-1)*perPage, perPage, n)
		one := strings.TrimSuffix(resource, "s")
		list := make([]map[string]any, 0, hi-lo)
		for i := lo; i < hi; i++ {
			list = append(list, map[string]any{
				one + "_id": recordID(Books, resource, i), "name": fmt.Sprintf("%s %04d", one, i+1),
				"created_time": recordTime(i),
			})
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"code": 0, "message": "success", resource: list,
			"page_context": map[string]any{"page": page, "per_page": perPage, "has_more_page": hi < n,
				"sort_column": "created_time", "sort_order": "A"},
		})
	}
}
