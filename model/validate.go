package model

import (
	"fmt"
	"strings"
)

// validateRest checks the fields Validate did not: the free text, the
// data-center id's shape, the API domain, the environment and the
// client-credentials settings. Free text is checked on the way in so a
// vault never holds a terminal escape; [Printable] guards the way out.
func (p Profile) validateRest() error {
	if p.DC != "" && !shaped(p.DC, 1, 8, isAlnum, isAlnum) {
		return fmt.Errorf("data center %s: use an id from the table, such as EU", Echo(p.DC))
	}
	if p.APIDomain != "" {
		if err := ValidateServerURL(p.APIDomain); err != nil {
			return fmt.Errorf("API domain: %w", err)
		}
	}
	if err := ValidateAccount(p.Account); err != nil {
		return err
	}
	if err := ValidateText("notes", p.Notes, MaxNotes, true); err != nil {
		return err
	}
	if len(p.Scopes) > MaxScopes {
		return fmt.Errorf("%d scopes is more than ztm keeps (%d): ask for fewer", len(p.Scopes), MaxScopes)
	}
	if _, err := ParseEnvironment(string(p.Environment)); err != nil {
		return err
	}
	if p.ClientCredentials && p.ClientType != SelfClient {
		return fmt.Errorf("client credentials work only with a Self Client: choose the Self Client type, or turn client credentials off")
	}
	if p.SOID != "" {
		if err := ValidateSOID(p.SOID); err != nil {
			return err
		}
	}
	return nil
}

// ValidateWith is [Profile.Validate] plus the checks that need the
// data-center table: a profile's DC must be one of its ids.
func (p Profile) ValidateWith(dcs DataCenters) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.DC != "" {
		if _, ok := dcs.ByID(p.DC); !ok {
			return fmt.Errorf("data center %s is not in the table (%s): choose one of them, or give the accounts server URL instead", Echo(p.DC), strings.Join(dcs.IDs(), ", "))
		}
	}
	return nil
}

// ValidateAccount checks the account (an email or an org name): at most
// [MaxAccount] bytes of text without control characters. It is also how
// an email from Zoho's user info is checked before it is stored.
func ValidateAccount(account string) error {
	return ValidateText("account", account, MaxAccount, false)
}

// ValidateSOID checks the org of a client-credentials token as Zoho writes
// it: a product, a dot and the org id (ZohoCRM.12345678).
func ValidateSOID(soid string) error {
	product, org, ok := strings.Cut(soid, ".")
	if !ok || !shaped(product, 1, 64, isAlnum, isWord) || !shaped(org, 1, 64, isAlnum, isAlnum) {
		return fmt.Errorf("soid %s: write it as the product and the org id, such as ZohoCRM.12345678", Echo(soid))
	}
	return nil
}
