package tui

import (
	"encoding/json"
	"sort"
	"strings"

	"ztm/assets"
)

// scopeEntry is one scope of the catalogue.
type scopeEntry struct {
	Scope string `json:"scope"`
	What  string `json:"what"`
}

type scopeProduct struct {
	Product string       `json:"product"`
	Scopes  []scopeEntry `json:"scopes"`
}

// catalogue reads the embedded scope catalogue. It is data that ships with
// the binary, so a decoding error is a build mistake the tests catch.
func catalogue() []scopeProduct {
	var list []scopeProduct
	if err := json.Unmarshal(assets.ScopesJSON, &list); err != nil {
		return nil
	}
	return list
}

// splitScopes splits a typed scope list at commas and blanks.
func splitScopes(list string) []string {
	return strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
}

func hasScope(list, s string) bool {
	for _, f := range splitScopes(list) {
		if strings.EqualFold(f, s) {
			return true
		}
	}
	return false
}

// knownScopes lists every scope in the catalogue, for suggestions.
func knownScopes(cat []scopeProduct) []string {
	var out []string
	for _, p := range cat {
		for _, e := range p.Scopes {
			out = append(out, e.Scope)
		}
	}
	sort.Strings(out)
	return out
}
