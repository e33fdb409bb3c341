package model

import (
	"fmt"
	"strings"
)

// Operations are the last part of a Zoho scope. Zoho writes them in upper
// case but accepts lower case (ZohoBooks.fullaccess.all), so matching
// ignores case.
var Operations = []string{"ALL", "READ", "CREATE", "UPDATE", "DELETE"}

// ValidateScope checks the syntax Service.scope.OPERATION: at least three
// dot-separated parts of letters, digits and '_', the last an operation.
// Some scopes have a sub-scope (ZohoCRM.settings.fields.READ).
func ValidateScope(s string) error {
	parts := strings.Split(s, ".")
	if len(parts) < 3 {
		return fmt.Errorf("scope %s: use Service.scope.OPERATION, such as ZohoCRM.modules.ALL", Echo(s))
	}
	for _, p := range parts {
		if !shaped(p, 1, 200, isWord, isWord) {
			return fmt.Errorf("scope %s: parts may hold only letters, digits and '_', separated by single dots", Echo(s))
		}
	}
	op := parts[len(parts)-1]
	for _, o := range Operations {
		if strings.EqualFold(op, o) {
			return nil
		}
	}
	return fmt.Errorf("scope %s: the operation %s must be one of %s", Echo(s), Echo(op), strings.Join(Operations, ", "))
}

// ParseScopes splits a comma-separated scope string (spaces and newlines
// allowed around commas), validates every scope and drops duplicates.
func ParseScopes(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r'
	}) {
		if seen[f] {
			continue
		}
		if err := ValidateScope(f); err != nil {
			return nil, err
		}
		seen[f] = true
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scopes given: list at least one, such as ZohoCRM.modules.ALL")
	}
	return out, nil
}

// ValidateScopes checks a parsed scope list.
func ValidateScopes(scopes []string) error {
	if len(scopes) == 0 {
		return fmt.Errorf("no scopes given: list at least one, such as ZohoCRM.modules.ALL")
	}
	for _, s := range scopes {
		if err := ValidateScope(s); err != nil {
			return err
		}
	}
	return nil
}

// JoinScopes is the form Zoho expects in a consent URL and in the console's
// Generate Code box: scopes joined by commas without spaces.
func JoinScopes(scopes []string) string {
	return strings.Join(scopes, ",")
}

// ShortScopes abbreviates a scope list for a table cell: services are
// grouped ("ZohoCRM: modules.ALL, users.READ") and the result is cut to
// width runes with an ellipsis.
func ShortScopes(scopes []string, width int) string {
	var groups []string
	index := map[string]int{}
	var rest [][]string
	for _, s := range scopes {
		service, tail, _ := strings.Cut(s, ".")
		i, ok := index[service]
		if !ok {
			i = len(groups)
			index[service] = i
			groups = append(groups, service)
			rest = append(rest, nil)
		}
		rest[i] = append(rest[i], tail)
	}
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = g + ":" + strings.Join(rest[i], ",")
	}
	return Truncate(strings.Join(parts, " "), width)
}

// HasScope reports whether scopes grants want, directly or through a
// broader scope of the same service and name with the ALL operation.
func HasScope(scopes []string, want string) bool {
	wantParts := strings.Split(want, ".")
	for _, s := range scopes {
		if strings.EqualFold(s, want) {
			return true
		}
		parts := strings.Split(s, ".")
		if len(parts) == len(wantParts) && strings.EqualFold(parts[len(parts)-1], "ALL") &&
			strings.EqualFold(strings.Join(parts[:len(parts)-1], "."), strings.Join(wantParts[:len(wantParts)-1], ".")) {
			return true
		}
	}
	return false
}

// Truncate cuts s to at most width runes, ending with "…" when cut.
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= width {
		return s
	}
	if width == 1 {
		return "…"
	}
	return string(r[:width-1]) + "…"
}
