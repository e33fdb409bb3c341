package tui

import (
	"cmp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"ztm/model"
	"ztm/vault"
)

// arranger turns the profiles into the list's rows for a filter and a sort
// mode. At 100,000 profiles, sorting on every filter keystroke cost most of
// the keystroke, so it keeps each mode's order once computed (the order
// depends only on the profiles, which a load replaces wholesale), and the
// matches of the filters typed so far: a query that extends the previous
// one can only narrow it, so only those matches are filtered again, in
// order; a backspace goes back to the matches kept for the shorter query.
type arranger struct {
	ps     []vault.ProfileSummary
	lower  []string // lower-cased names, the sort key
	orders [3][]int // per sortMode, every profile's index in order
	expiry []int64  // sorted expiry instants of the profiles with an access token
	groups []string // per profile, its DC group key (groupByDC)
	// typed is the chain of filters each extending the one before, oldest
	// first, in mode typedMode.
	typed     []typedFilter
	typedMode sortMode
	rows      []row // the rows handed out, reused
}

// typedFilter is a query and the profiles matching it, in order.
type typedFilter struct {
	query   string
	matched []int
}

// maxKept bounds the matches kept for backspacing, in profiles per
// profile in the vault.
const maxKept = 4

// use makes the arranger work on ps, dropping what it kept of others.
func (a *arranger) use(ps []vault.ProfileSummary) {
	if len(ps) == len(a.ps) && (len(ps) == 0 || &ps[0] == &a.ps[0]) {
		return
	}
	*a = arranger{ps: ps, rows: a.rows[:0]}
}

// arrange filters and orders the profiles into list rows.
func (a *arranger) arrange(query string, mode sortMode, dcs model.DataCenters) []row {
	order := a.order(mode, dcs)
	matched := a.filter(order, query, mode)
	a.rows = a.rows[:0]
	if mode != groupByDC {
		for _, i := range matched {
			a.rows = append(a.rows, row{p: i})
		}
		return a.rows
	}
	for start := 0; start < len(matched); {
		k := a.groups[matched[start]]
		end := start + 1
		for end < len(matched) && a.groups[matched[end]] == k {
			end++
		}
		title := k
		if dc, ok := dcs.ByID(k); ok {
			title = dc.ID + " · " + dc.Name
		}
		a.rows = append(a.rows, row{p: -1, header: title + " (" + strconv.Itoa(end-start) + ")"})
		for _, i := range matched[start:end] {
			a.rows = append(a.rows, row{p: i})
		}
		start = end
	}
	return a.rows
}

// filter returns the profiles of order that match query, in order.
func (a *arranger) filter(order []int, query string, mode sortMode) []int {
	terms := compileQuery(query)
	if len(terms) == 0 || mode != a.typedMode {
		a.typed, a.typedMode = a.typed[:0], mode
	}
	if len(terms) == 0 {
		return order
	}
	for len(a.typed) > 0 && !strings.HasPrefix(query, a.typed[len(a.typed)-1].query) {
		a.typed = a.typed[:len(a.typed)-1]
	}
	candidates := order
	if n := len(a.typed); n > 0 {
		if a.typed[n-1].query == query {
			return a.typed[n-1].matched
		}
		candidates = a.typed[n-1].matched
	}
	matched := make([]int, 0, len(candidates))
	for _, i := range candidates {
		if terms.match(a.lower[i], &a.ps[i]) {
			matched = append(matched, i)
		}
	}
	matched = slices.Clip(matched)
	a.typed = append(a.typed, typedFilter{query: query, matched: matched})
	kept := 0
	for _, t := range a.typed {
		kept += len(t.matched)
	}
	for len(a.typed) > 1 && kept > maxKept*len(a.ps) {
		kept -= len(a.typed[0].matched)
		a.typed = a.typed[1:]
	}
	return matched
}

// order is every profile's index in mode's order: by name (case folded),
// by expiry (no token last, then by name), or by data center (the table's
// order, then custom ones by key) and by name within one.
func (a *arranger) order(mode sortMode, dcs model.DataCenters) []int {
	if o := a.orders[mode]; o != nil || len(a.ps) == 0 {
		return o
	}
	if a.lower == nil {
		a.lower = make([]string, len(a.ps))
		for i := range a.ps {
			a.lower[i] = strings.ToLower(a.ps[i].Name)
		}
	}
	idx := make([]int, len(a.ps))
	for i := range idx {
		idx[i] = i
	}
	byName := func(x, y int) int { return strings.Compare(a.lower[x], a.lower[y]) }
	switch mode {
	case sortByExpiry:
		slices.SortStableFunc(idx, func(x, y int) int {
			kx, ky := expiryKey(&a.ps[x].Token), expiryKey(&a.ps[y].Token)
			if kx.Equal(ky) {
				return byName(x, y)
			}
			if kx.Before(ky) {
				return -1
			}
			return 1
		})
	case groupByDC:
		rank := a.groupRanks(dcs)
		slices.SortStableFunc(idx, func(x, y int) int {
			if c := cmp.Compare(rank[a.groups[x]], rank[a.groups[y]]); c != 0 {
				return c
			}
			return byName(x, y)
		})
	default:
		slices.SortStableFunc(idx, byName)
	}
	a.orders[mode] = idx
	return idx
}

// groupRanks fills a.groups and ranks each group: the data-center table's
// order first, then the others ("custom", names a later table dropped) by
// key.
func (a *arranger) groupRanks(dcs model.DataCenters) map[string]int {
	order := map[string]int{}
	for i, id := range dcs.IDs() {
		order[id] = i
	}
	a.groups = make([]string, len(a.ps))
	var others []string
	for i := range a.ps {
		k := a.ps[i].DC
		if k == "" {
			k = "custom"
		}
		a.groups[i] = k
		if _, ok := order[k]; !ok && !slices.Contains(others, k) {
			others = append(others, k)
		}
	}
	slices.Sort(others)
	rank := make(map[string]int, len(order)+len(others))
	for k, i := range order {
		rank[k] = i
	}
	for i, k := range others {
		rank[k] = len(order) + i
	}
	return rank
}

// urgencies counts the profiles whose access token has expired at now, and
// those expiring soon, by binary search over the sorted expiry instants
// (the header draws them every second).
func (a *arranger) urgencies(now time.Time) (expired, soon int) {
	if a.expiry == nil {
		a.expiry = make([]int64, 0, len(a.ps))
		for i := range a.ps {
			if t := &a.ps[i].Token; t.Present && t.HasAccess {
				a.expiry = append(a.expiry, t.ExpiresAt().UnixNano())
			}
		}
		slices.Sort(a.expiry)
	}
	// Expired: ExpiresAt - now <= 0; soon or critical: 0 < ExpiresAt - now < SoonThreshold.
	n := now.UnixNano()
	expired = sort.Search(len(a.expiry), func(i int) bool { return a.expiry[i] > n })
	soonEnd := sort.Search(len(a.expiry), func(i int) bool { return a.expiry[i] >= n+int64(model.SoonThreshold) })
	return expired, soonEnd - expired
}

// queryTerms is a filter compiled once per keystroke: its space-separated
// terms, lower-cased, as runes.
type queryTerms [][]rune

func compileQuery(query string) queryTerms {
	var terms queryTerms
	for _, t := range strings.Fields(strings.ToLower(query)) {
		terms = append(terms, []rune(t))
	}
	return terms
}

// match reports whether every term is a fuzzy (in-order subsequence,
// case-insensitive) match of the profile's name, DC, account or one of its
// tags. name is the profile's name lower-cased: the arranger keeps those
// side by side, which at 100,000 profiles is much kinder to the cache than
// reaching into each profile.
func (q queryTerms) match(name string, p *vault.ProfileSummary) bool {
	for _, term := range q {
		if !fuzzyRunes(term, name) && !fuzzyRunes(term, p.DC) && !fuzzyRunes(term, p.Account) && !anyFuzzyRunes(term, p.Tags) {
			return false
		}
	}
	return true
}

// anyFuzzyRunes reports whether term matches one item of a
// comma-separated list (a row's tags as stored).
func anyFuzzyRunes(term []rune, list string) bool {
	for list != "" {
		item, rest, _ := strings.Cut(list, ",")
		if fuzzyRunes(term, item) {
			return true
		}
		list = rest
	}
	return false
}

// fuzzyRunes reports whether the runes of pattern (lower-cased) appear in
// s in order, ignoring case.
func fuzzyRunes(pattern []rune, s string) bool {
	if len(pattern) == 0 {
		return true
	}
	i := 0
	for j := 0; j < len(s); {
		r, size := rune(s[j]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[j:])
			r = unicode.ToLower(r)
		} else if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		j += size
		if r == pattern[i] {
			i++
			if i == len(pattern) {
				return true
			}
		}
	}
	return false
}
