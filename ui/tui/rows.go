package tui

import (
	"sort"
	"strconv"
	"strings"
	"unicode"

	"ztm/model"
)

// sortMode orders the dashboard; s cycles through them.
type sortMode int

const (
	sortByName sortMode = iota
	sortByExpiry
	groupByDC
)

func (m sortMode) String() string {
	return [...]string{"by name", "by expiry", "grouped by DC"}[m]
}

// announce is what the status line says when s switches to m.
func (m sortMode) announce() string {
	return [...]string{"sorted by name", "sorted by expiry, soonest first", "grouped by data center"}[m]
}

// row is a line of the profile list: a profile, or a DC group's heading.
type row struct {
	// p indexes the profile slice; -1 for a heading.
	p      int
	header string
}

// matches reports whether every space-separated term of query is a fuzzy
// (in-order subsequence, case-insensitive) match of the profile's name, DC,
// account or one of its tags.
func matches(p *model.Profile, query string) bool {
	for _, term := range strings.Fields(strings.ToLower(query)) {
		if !fuzzy(term, p.Name) && !fuzzy(term, p.DC) && !fuzzy(term, p.Account) && !anyFuzzy(term, p.Tags) {
			return false
		}
	}
	return true
}

func anyFuzzy(term string, list []string) bool {
	for _, s := range list {
		if fuzzy(term, s) {
			return true
		}
	}
	return false
}

// fuzzy reports whether the runes of pattern appear in s in order.
func fuzzy(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	pr := []rune(pattern)
	i := 0
	for _, r := range s {
		if unicode.ToLower(r) == pr[i] {
			i++
			if i == len(pr) {
				return true
			}
		}
	}
	return false
}

// arrange filters and orders the profiles into list rows.
func arrange(ps []model.Profile, query string, mode sortMode, dcs model.DataCenters) []row {
	idx := make([]int, 0, len(ps))
	for i := range ps {
		if query == "" || matches(&ps[i], query) {
			idx = append(idx, i)
		}
	}
	byName := func(a, b int) bool { return strings.ToLower(ps[a].Name) < strings.ToLower(ps[b].Name) }
	switch mode {
	case sortByExpiry:
		sort.SliceStable(idx, func(i, j int) bool {
			a, b := ps[idx[i]].Token, ps[idx[j]].Token
			ka, kb := expiryKey(a), expiryKey(b)
			if ka.Equal(kb) {
				return byName(idx[i], idx[j])
			}
			return ka.Before(kb)
		})
	default:
		sort.SliceStable(idx, func(i, j int) bool { return byName(idx[i], idx[j]) })
	}
	rows := make([]row, 0, len(idx)+12)
	if mode != groupByDC {
		for _, i := range idx {
			rows = append(rows, row{p: i})
		}
		return rows
	}
	order := map[string]int{}
	for i, id := range dcs.IDs() {
		order[id] = i
	}
	groups := map[string][]int{}
	var keys []string
	for _, i := range idx {
		k := ps[i].DC
		if k == "" {
			k = "custom"
		}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	sort.Slice(keys, func(i, j int) bool {
		oi, iok := order[keys[i]]
		oj, jok := order[keys[j]]
		if iok != jok {
			return iok
		}
		if oi != oj {
			return oi < oj
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		title := k
		if dc, ok := dcs.ByID(k); ok {
			title = dc.ID + " · " + dc.Name
		}
		rows = append(rows, row{p: -1, header: title + " (" + strconv.Itoa(len(groups[k])) + ")"})
		for _, i := range groups[k] {
			rows = append(rows, row{p: i})
		}
	}
	return rows
}

// expiryKey sorts profiles without a token last.
func expiryKey(t *model.Token) (k timeKey) {
	if t == nil || t.AccessToken == "" {
		return timeKey{none: true}
	}
	return timeKey{t: t.ExpiresAt.UnixNano()}
}

type timeKey struct {
	t    int64
	none bool
}

func (a timeKey) Equal(b timeKey) bool { return a == b }
func (a timeKey) Before(b timeKey) bool {
	if a.none != b.none {
		return !a.none
	}
	return a.t < b.t
}
