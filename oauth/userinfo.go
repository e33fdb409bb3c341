package oauth

import (
	"context"
	"encoding/json"
	"strings"

	"ztm/model"
)

// UserInfoScope is the scope /oauth/user/info needs.
const UserInfoScope = "AaaServer.profile.READ"

// UserInfo is who granted a token, as /oauth/user/info tells it.
type UserInfo struct {
	Email       string
	FirstName   string
	LastName    string
	DisplayName string
	ZUID        string
}

// CanReadUserInfo reports whether a grant with these scopes may call
// [Client.UserInfo]; without the scope Zoho answers with an error.
func CanReadUserInfo(scopes []string) bool {
	return model.HasScope(scopes, UserInfoScope)
}

// userInfoJSON uses Zoho's own field names; ZUID is a number there.
type userInfoJSON struct {
	Email       looseString `json:"Email"`
	FirstName   looseString `json:"First_Name"`
	LastName    looseString `json:"Last_Name"`
	DisplayName looseString `json:"Display_Name"`
	ZUID        looseString `json:"ZUID"`
}

// UserInfo asks the profile's accounts server who the access token belongs
// to. The token travels in the Authorization header (Zoho-oauthtoken).
func (c *Client) UserInfo(ctx context.Context, p model.Profile, accessToken string) (UserInfo, error) {
	k := call{
		op: "userinfo", server: p.AccountsServer, path: "/oauth/user/info",
		auth: accessToken, secrets: []string{accessToken}, dc: c.profileDC(p),
	}
	a, err := c.do(ctx, k)
	if err != nil {
		return UserInfo{}, err
	}
	if err := c.check(k, a); err != nil {
		return UserInfo{}, err
	}
	var u userInfoJSON
	if err := json.Unmarshal(a.body, &u); err != nil || strings.TrimSpace(string(u.Email)) == "" && u.ZUID == "" {
		return UserInfo{}, &Error{
			Op: "userinfo", Code: CodeBadResponse, Status: a.status, Description: "no Email or ZUID",
			Server: model.NormalizeServerURL(k.server), DC: k.dc,
		}
	}
	info := UserInfo{
		Email:       strings.TrimSpace(string(u.Email)),
		FirstName:   string(u.FirstName),
		LastName:    string(u.LastName),
		DisplayName: string(u.DisplayName),
		ZUID:        string(u.ZUID),
	}
	if field := info.unsafeField(); field != "" {
		// The email becomes the profile's account and every field is shown
		// in a terminal: text that could carry an escape is refused whole.
		return UserInfo{}, &Error{
			Op: "userinfo", Code: CodeBadResponse, Status: a.status, Description: field + " is not plain text (control characters, or too long)",
			Server: model.NormalizeServerURL(k.server), DC: k.dc,
		}
	}
	return info, nil
}

// unsafeField names the first field that is not plain text of a
// reasonable length, or returns "".
func (u UserInfo) unsafeField() string {
	if model.ValidateAccount(u.Email) != nil {
		return "Email"
	}
	for _, f := range []struct{ name, v string }{
		{"First_Name", u.FirstName}, {"Last_Name", u.LastName}, {"Display_Name", u.DisplayName}, {"ZUID", u.ZUID},
	} {
		if model.ValidateText(f.name, f.v, model.MaxAccount, false) != nil {
			return f.name
		}
	}
	return ""
}
