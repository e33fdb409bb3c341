package tui

import (
	"encoding/json"
	"sort"
	"strings"

	"ztm/assets"
	"ztm/model"
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

// pickItem is a line of the scope picker: a product heading or a scope.
type pickItem struct {
	product string
	entry   scopeEntry
}

func pickItems(cat []scopeProduct) []pickItem {
	var out []pickItem
	for _, p := range cat {
		out = append(out, pickItem{product: p.Product})
		for _, e := range p.Scopes {
			out = append(out, pickItem{entry: e})
		}
	}
	return out
}

// toggleScope adds s to the comma-separated list, or removes it.
func toggleScope(list, s string) string {
	var out []string
	found := false
	for _, f := range splitScopes(list) {
		if strings.EqualFold(f, s) {
			found = true
			continue
		}
		out = append(out, f)
	}
	if !found {
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

func splitScopes(list string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		out = append(out, f)
	}
	return out
}

func hasScope(list, s string) bool {
	for _, f := range splitScopes(list) {
		if strings.EqualFold(f, s) {
			return true
		}
	}
	return false
}

// scopeProblem explains what is wrong with a scope list, or "".
func scopeProblem(list string) string {
	if _, err := model.ParseScopes(list); err != nil {
		return err.Error()
	}
	return ""
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
