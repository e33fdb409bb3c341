package tui

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"ztm/model"
	"ztm/vault"
)

// arrangeProfiles is a vault with mixed case, non-ASCII names, several
// data centers (and custom servers), tags, and every kind of expiry.
func arrangeProfiles(n int, now time.Time) []model.Profile {
	r := rand.New(rand.NewPCG(1, 2))
	dcs := []string{"EU", "US", "IN", "", "JP", "XX"}
	words := []string{"crm", "Books", "desk", "Ünïcode", "prod", "staging"}
	ps := make([]model.Profile, n)
	for i := range ps {
		ps[i] = model.Profile{
			Name:    fmt.Sprintf("%s-%s-%d", words[r.IntN(len(words))], words[r.IntN(len(words))], r.IntN(50)),
			DC:      dcs[r.IntN(len(dcs))],
			Account: fmt.Sprintf("user%d@Example.com", r.IntN(20)),
			Tags:    []string{words[r.IntN(len(words))]},
		}
		switch r.IntN(4) {
		case 0: // no token
		case 1:
			ps[i].Token = &model.Token{RefreshToken: "r"}
		default:
			ps[i].Token = &model.Token{AccessToken: "a", ExpiresAt: now.Add(time.Duration(r.IntN(7200)-1800) * time.Second)}
		}
	}
	return ps
}

// A filter typed, backspaced and retyped, in every sort mode, shows the
// same rows, in the same order, with the same group headings, as sorting
// and filtering the whole list afresh for each key did.
func TestArrangeKeepsOrderWhileTyping(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ps := arrangeProfiles(600, now)
	dcs := testDCs()
	var a arranger
	a.use(rowsOf(ps))
	steps := []string{"", "c", "cr", "crm", "crm ", "crm p", "crm pr", "crm p", "crm", "cR", "c", "", "ü", "üN", "Ü", "e", "eu", "e", "us", "user1", "user1 EXAMPLE", "zzz", ""}
	for _, mode := range []sortMode{sortByName, sortByExpiry, groupByDC, sortByName} {
		for _, q := range steps {
			got := a.arrange(q, mode, dcs)
			want := arrangeReference(ps, q, mode, dcs)
			if !slices.Equal(got, want) {
				t.Fatalf("%s, filter %q: %d rows, want %d (first difference at %d)", mode, q, len(got), len(want), firstDiff(got, want))
			}
		}
	}
	// A new load replaces the profiles: nothing of the old ones is kept.
	fewer := arrangeProfiles(50, now)
	a.use(rowsOf(fewer))
	if got, want := a.arrange("crm", sortByName, dcs), arrangeReference(fewer, "crm", sortByName, dcs); !slices.Equal(got, want) {
		t.Errorf("after a reload: %d rows, want %d", len(got), len(want))
	}
}

func firstDiff(a, b []row) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// The header's counts of expired and expiring profiles, now read from the
// sorted expiry instants, agree with grading every token, at every moment.
func TestUrgencyCountsMatchEachToken(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ps := arrangeProfiles(400, now)
	var a arranger
	a.use(rowsOf(ps))
	for d := -time.Hour; d <= 3*time.Hour; d += 7 * time.Minute {
		at := now.Add(d)
		expired, soon := 0, 0
		for i := range ps {
			switch ps[i].Token.Urgency(at) {
			case model.UrgencyExpired:
				expired++
			case model.UrgencySoon, model.UrgencyCritical:
				soon++
			}
		}
		if e, s := a.urgencies(at); e != expired || s != soon {
			t.Fatalf("at %v: %d expired, %d expiring; want %d, %d", d, e, s, expired, soon)
		}
	}
	// The boundary itself: a token expiring right now has expired.
	one := []model.Profile{{Name: "x", Token: &model.Token{AccessToken: "a", ExpiresAt: now}}}
	a.use(rowsOf(one))
	if e, s := a.urgencies(now); e != 1 || s != 0 {
		t.Errorf("a token expiring now: %d expired, %d expiring", e, s)
	}
}

// referenceExpiry sorts profiles without an access token last.
func referenceExpiry(t *model.Token) timeKey {
	if t == nil || t.AccessToken == "" {
		return timeKey{none: true}
	}
	return timeKey{t: t.ExpiresAt.UnixNano()}
}

// rowsOf is the rows the vault would read for ps.
func rowsOf(ps []model.Profile) []vault.ProfileSummary {
	out := make([]vault.ProfileSummary, len(ps))
	for i, p := range ps {
		out[i] = vault.ProfileSummary{ID: p.ID, Name: p.Name, DC: p.DC, Account: p.Account, ClientID: p.ClientID,
			ClientType: p.ClientType, Environment: p.Environment, Scopes: strings.Join(p.Scopes, ","), Tags: strings.Join(p.Tags, ","),
			KeepAlive: p.KeepAlive, ClientCredentials: p.ClientCredentials, HasSecret: p.ClientSecret != ""}
		if t := p.Token; t != nil {
			out[i].Token = vault.TokenState{Present: true, HasAccess: t.AccessToken != "", HasRefresh: t.RefreshToken != "",
				Expires: unixMillis(t.ExpiresAt), Obtained: unixMillis(t.ObtainedAt), LastRefresh: unixMillis(t.LastRefreshAt), Health: t.Health}
		}
	}
	return out
}

// unixMillis is t as the vault stores it: 0 for the zero time.
func unixMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// arrangeReference is how the dashboard arranged its rows before it kept
// orders: filter everything, sort, group, for every key.
func arrangeReference(ps []model.Profile, query string, mode sortMode, dcs model.DataCenters) []row {
	idx := make([]int, 0, len(ps))
	for i := range ps {
		if query == "" || matchesReference(&ps[i], query) {
			idx = append(idx, i)
		}
	}
	byName := func(a, b int) bool { return strings.ToLower(ps[a].Name) < strings.ToLower(ps[b].Name) }
	switch mode {
	case sortByExpiry:
		sort.SliceStable(idx, func(i, j int) bool {
			a, b := ps[idx[i]].Token, ps[idx[j]].Token
			ka, kb := referenceExpiry(a), referenceExpiry(b)
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

// matches reports whether every space-separated term of query is a fuzzy
// (in-order subsequence, case-insensitive) match of the profile's name, DC,
// account or one of its tags.
func matchesReference(p *model.Profile, query string) bool {
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

// A large load is followed by handing its garbage back to the system; a
// small one is not (a collection there would cost more than it frees).
func TestBigLoadReleasesItsGarbage(t *testing.T) {
	if releaseLoadGarbage(bigLoad-1) != nil {
		t.Error("a load of fewer than bigLoad profiles should not force a collection")
	}
	cmd := releaseLoadGarbage(bigLoad)
	if cmd == nil {
		t.Fatal("a load of bigLoad profiles should release what reading them used")
	}
	var before, after runtime.MemStats
	makeGarbage(32, 1<<20)
	runtime.ReadMemStats(&before)
	if msg := cmd(); msg != nil {
		t.Errorf("the release answered %T; the dashboard expects nothing", msg)
	}
	runtime.ReadMemStats(&after)
	if after.HeapReleased <= before.HeapReleased {
		t.Errorf("released %d bytes to the system before, %d after", before.HeapReleased, after.HeapReleased)
	}
}

// makeGarbage allocates n blocks of size on the heap and drops them.
func makeGarbage(n, size int) {
	blocks := make([][]byte, n)
	for i := range blocks {
		blocks[i] = make([]byte, size)
	}
	runtime.KeepAlive(blocks)
}
