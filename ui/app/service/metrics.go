package service

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"ztm/model"
)

// metrics counts what /metrics shows. Labels are profile names and result
// codes only: never a token, a credential or a reader's name.
type metrics struct {
	mu        sync.Mutex
	requests  map[[2]string]uint64 // {profile, result}
	refreshes map[string]uint64
	refusals  map[[2]string]uint64 // {profile, code}
	used      map[string]int       // refreshes used in Zoho's window
}

func newMetrics() *metrics {
	return &metrics{requests: map[[2]string]uint64{}, refreshes: map[string]uint64{},
		refusals: map[[2]string]uint64{}, used: map[string]int{}}
}

func (m *metrics) request(profile, result string) {
	m.mu.Lock()
	m.requests[[2]string{profile, result}]++
	m.mu.Unlock()
}

// refresh counts one attempt to refresh, and a refusal when Zoho said no.
func (m *metrics) refresh(profile string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err == nil {
		m.refreshes[profile]++
		return
	}
	if isRefusal(err) {
		_, code := classify(err)
		m.refusals[[2]string{profile, code}]++
	}
}

func (m *metrics) budget(profile string, b model.RefreshBudget) {
	if b.Used == 0 && b.Left == 0 {
		return // not read (the profile failed before its budget was)
	}
	m.mu.Lock()
	m.used[profile] = b.Used
	m.mu.Unlock()
}

// write prints the metrics in Prometheus's text format, written by hand to
// need no dependency.
func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	family(w, "ztm_token_requests_total", "counter", "Token requests answered, by profile and result.")
	for _, k := range sortedPairs(m.requests) {
		fmt.Fprintf(w, "ztm_token_requests_total{profile=%s,result=%s} %d\n", label(k[0]), label(k[1]), m.requests[k])
	}
	family(w, "ztm_refreshes_total", "counter", "Access tokens obtained from Zoho, by profile.")
	for _, k := range sortedKeys(m.refreshes) {
		fmt.Fprintf(w, "ztm_refreshes_total{profile=%s} %d\n", label(k), m.refreshes[k])
	}
	family(w, "ztm_refusals_total", "counter", "Refreshes Zoho (or its budget) refused, by profile and reason.")
	for _, k := range sortedPairs(m.refusals) {
		fmt.Fprintf(w, "ztm_refusals_total{profile=%s,reason=%s} %d\n", label(k[0]), label(k[1]), m.refusals[k])
	}
	family(w, "ztm_refresh_budget_used", "gauge", fmt.Sprintf("Refreshes used of Zoho's %d per 10 minutes, by profile.", model.RefreshLimit))
	for _, k := range sortedKeys(m.used) {
		fmt.Fprintf(w, "ztm_refresh_budget_used{profile=%s} %d\n", label(k), m.used[k])
	}
}

func family(w io.Writer, name, kind, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
}

// label quotes a label value as the text format wants.
func label(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedPairs(m map[[2]string]uint64) [][2]string {
	out := make([][2]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] < out[j][1]
	})
	return out
}
