package oauth

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Product is a Zoho product whose API ztm knows how to read.
type Product string

// The products whose errors, hosts and liveness calls ztm knows.
const (
	CRM      Product = "CRM"
	Books    Product = "Books"
	Desk     Product = "Desk"
	Accounts Product = "Accounts"
)

// APIVerdict is what an error answer of a product API means.
type APIVerdict struct {
	// Code is the product's error code as it sent it ("INVALID_TOKEN",
	// "57"), or "" when the body names none.
	Code string
	// DeadToken reports an answer that means the access token expired or
	// was revoked: it justifies one refresh and one retry, never more.
	DeadToken bool
	// Explanation is one sentence for people, with what to do; empty for a
	// code ztm does not know.
	Explanation string
}

// apiCode is what one product says in one code.
type apiCode struct {
	status      int // the status it comes with; 0 means any
	dead        bool
	explanation string
}

// apiCodes are the known codes per product, from Zoho's API pages.
var apiCodes = map[Product]map[string]apiCode{
	CRM: {
		"INVALID_TOKEN": {http.StatusUnauthorized, true,
			"CRM no longer accepts the access token (INVALID_TOKEN): it expired or was revoked; refresh it once and try again"},
		"OAUTH_SCOPE_MISMATCH": {http.StatusUnauthorized, false,
			"the token lacks a scope this CRM call needs (OAUTH_SCOPE_MISMATCH); add the scope to the profile and consent again"},
		"AUTHENTICATION_FAILURE": {http.StatusUnauthorized, false,
			"CRM found no usable token on the request (AUTHENTICATION_FAILURE); send the header Authorization: Zoho-oauthtoken followed by the access token, to the profile's own API domain"},
		"NO_PERMISSION": {http.StatusForbidden, false,
			"the CRM user behind the token may not do this (NO_PERMISSION); ask a CRM administrator for API access or this permission in the user's profile"},
	},
	Books: {
		"14": {http.StatusUnauthorized, false,
			"Books did not accept the token (code 14): it is missing, malformed or from another data center; send Authorization: Zoho-oauthtoken with the profile's access token to its own API domain"},
		"57": {http.StatusUnauthorized, true,
			"Books refused the token (code 57): it expired, or lacks the Books scope for this call; refresh it once, and if that does not help, add the ZohoBooks scope and consent again"},
	},
	Desk: {
		"INVALID_OAUTH": {http.StatusUnauthorized, true,
			"Desk no longer accepts the access token (INVALID_OAUTH): it expired or was revoked; refresh it once and try again"},
		"UNAUTHORIZED": {http.StatusUnauthorized, false,
			"Desk did not accept the request (UNAUTHORIZED): the token is missing or lacks a Desk scope; check the header and the profile's Desk scopes"},
		"OAUTH_ORG_MISMATCH": {0, false,
			"the orgId header names another Desk org than the one the token was granted for (OAUTH_ORG_MISMATCH); send the orgId of the org that consented"},
	},
	Accounts: {
		"INVALID_OAUTHTOKEN": {http.StatusUnauthorized, true,
			"Zoho Accounts no longer accepts the access token (INVALID_OAUTHTOKEN): it expired or was revoked; refresh it once and try again"},
		"OAUTH_SCOPE_MISMATCH": {http.StatusUnauthorized, false,
			"the token lacks the AaaServer.profile.READ scope (OAUTH_SCOPE_MISMATCH); add it to the profile's scopes and consent again"},
	},
}

// ClassifyAPIError reads the error answer of a product API: its code, and
// whether it means a dead access token (CRM 401 INVALID_TOKEN, Books 401
// code 57, Desk 401 INVALID_OAUTH, Accounts 401 INVALID_OAUTHTOKEN). Only
// a dead token justifies a refresh and one retry; any other refusal would
// get the same answer again. It is pure: status and body are all it reads.
func ClassifyAPIError(p Product, status int, body []byte) APIVerdict {
	code := apiErrorCode(body)
	v := APIVerdict{Code: code}
	known, ok := apiCodes[p][code]
	if !ok {
		return v
	}
	v.Explanation = known.explanation
	v.DeadToken = known.dead && status == known.status
	return v
}

// apiErrorCode finds the code in the shapes the products use: CRM and
// Accounts {"code":"INVALID_TOKEN"}, Books {"code":57}, Desk
// {"errorCode":"INVALID_OAUTH"}, and CRM's {"data":[{"code":...}]}.
func apiErrorCode(body []byte) string {
	var b struct {
		Code      looseString `json:"code"`
		ErrorCode looseString `json:"errorCode"`
		Data      []struct {
			Code looseString `json:"code"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &b) != nil {
		return ""
	}
	for _, c := range []looseString{b.ErrorCode, b.Code} {
		if s := strings.TrimSpace(string(c)); s != "" {
			return s
		}
	}
	if len(b.Data) > 0 {
		return strings.TrimSpace(string(b.Data[0].Code))
	}
	return ""
}
