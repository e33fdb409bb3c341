package fakezoho_test

import (
	"fmt"
	"testing"

	"ztm/oauth/fakezoho"
)

func TestBooksOrganizationsAndErrors(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	tok, rt := liveToken(t, z, "EU", "ZohoBooks.fullaccess.all")
	crmOnly, _ := liveToken(t, z, "EU", "ZohoCRM.modules.ALL")
	u := z.APIURL("EU") + "/books/v3/organizations"
	status, body := getJSON(t, u, tok)
	orgs, _ := body["organizations"].([]any)
	if status != 200 || body["code"] != float64(0) || len(orgs) != 1 || orgs[0].(map[string]any)["organization_id"] != z.OrgID("EU") {
		t.Fatalf("organizations: %d %v", status, body)
	}
	if status, body := getJSON(t, u, "garbage"); status != 401 || body["code"] != float64(14) {
		t.Errorf("invalid token: %d %v, want 401 code 14", status, body)
	}
	if status, body := getJSON(t, u, crmOnly); status != 401 || body["code"] != float64(57) {
		t.Errorf("no Books scope: %d %v, want 401 code 57", status, body)
	}
	z.RevokeRefreshToken(rt)
	if status, body := getJSON(t, u, tok); status != 401 || body["code"] != float64(57) ||
		body["message"] != "You are not authorized to perform this operation" {
		t.Errorf("dead token: %d %v, want 401 code 57", status, body)
	}
	if n := z.Requests(fakezoho.EndpointBooksOrgs); n != 4 {
		t.Errorf("Requests(books.organizations) = %d", n)
	}
}

func TestBooksPagesEveryInvoiceOnce(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	z.SetRecords(fakezoho.Books, "invoices", 450)
	tok, _ := liveToken(t, z, "US", "ZohoBooks.invoices.READ")
	seen := map[string]bool{}
	more := true
	page := 0
	for more {
		page++
		status, body := getJSON(t, fmt.Sprintf("%s/books/v3/invoices?page=%d&per_page=200", z.APIURL("US"), page), tok)
		if status != 200 {
			t.Fatalf("page %d: %d %v", page, status, body)
		}
		for _, inv := range body["invoices"].([]any) {
			id := inv.(map[string]any)["invoice_id"].(string)
			if seen[id] {
				t.Fatalf("invoice %s twice", id)
			}
			seen[id] = true
		}
		more = body["page_context"].(map[string]any)["has_more_page"] == true
	}
	if page != 3 || len(seen) != 450 {
		t.Errorf("%d pages, %d invoices; want 3, 450", page, len(seen))
	}
	if status, body := getJSON(t, z.APIURL("US")+"/books/v3/nonsense", tok); status != 404 || body["code"] != float64(5) {
		t.Errorf("unknown resource: %d %v", status, body)
	}
	if n := z.Requests(fakezoho.EndpointBooksRecords); n != 4 {
		t.Errorf("Requests(books.records) = %d", n)
	}
}
