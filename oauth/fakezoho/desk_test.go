package fakezoho_test

import (
	"fmt"
	"testing"

	"ztm/oauth/fakezoho"
)

func TestDeskTicketsByFromAndLimit(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{}) // 25 tickets by default
	tok, _ := liveToken(t, z, "IN", "Desk.tickets.ALL", "Desk.basic.READ")
	status, body := getJSON(t, z.APIURL("IN")+"/api/v1/organizations", tok)
	orgs, _ := body["data"].([]any)
	if status != 200 || len(orgs) != 1 {
		t.Fatalf("organizations: %d %v", status, body)
	}
	orgID := orgs[0].(map[string]any)["id"].(string)
	var sizes []int
	seen := map[string]bool{}
	for from := 0; ; from += 10 {
		status, body := getJSON(t, fmt.Sprintf("%s/api/v1/tickets?from=%d&limit=10", z.APIURL("IN"), from), tok, "orgId", orgID)
		if status != 200 {
			t.Fatalf("from %d: %d %v", from, status, body)
		}
		data := body["data"].([]any)
		if len(data) == 0 {
			break
		}
		sizes = append(sizes, len(data))
		for _, d := range data {
			seen[d.(map[string]any)["id"].(string)] = true
		}
	}
	if fmt.Sprint(sizes) != "[10 10 5]" || len(seen) != 25 {
		t.Errorf("pages %v with %d distinct tickets; want [10 10 5], 25", sizes, len(seen))
	}
}

func TestDeskErrors(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	tok, _ := liveToken(t, z, "EU", "Desk.tickets.ALL")
	dead, _ := liveToken(t, z, "EU", "Desk.basic.READ")
	z.ExpireAccessToken(dead)
	tickets := z.APIURL("EU") + "/api/v1/tickets"
	cases := []struct {
		name, token, org string
		status           int
		code             string
	}{
		{"no token", "", z.OrgID("EU"), 401, "UNAUTHORIZED"},
		{"dead token", dead, z.OrgID("EU"), 401, "INVALID_OAUTH"},
		{"another org", tok, z.OrgID("US"), 401, "OAUTH_ORG_MISMATCH"},
		{"no orgId", tok, "", 422, "UNPROCESSABLE_ENTITY"},
	}
	for _, tc := range cases {
		var headers []string
		if tc.org != "" {
			headers = []string{"orgId", tc.org}
		}
		if status, body := getJSON(t, tickets, tc.token, headers...); status != tc.status || body["errorCode"] != tc.code {
			t.Errorf("%s: %d %v, want %d %s", tc.name, status, body, tc.status, tc.code)
		}
	}
	if status, body := getJSON(t, tickets+"?limit=101", tok, "orgId", z.OrgID("EU")); status != 422 || body["errorCode"] == nil {
		t.Errorf("limit 101: %d %v", status, body)
	}
	if n := z.Requests(fakezoho.EndpointDeskTickets); n != len(cases)+1 {
		t.Errorf("Requests(desk.tickets) = %d", n)
	}
}
