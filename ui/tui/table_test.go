package tui

import (
	"testing"

	"ztm/vault"
)

// tableOf builds a table over names, one row each, or grouped by DC when
// dcs is given ("" for a heading).
func tableOf(height int, names ...string) *profileTable {
	t := &profileTable{height: height}
	for _, n := range names {
		if n == "" {
			t.rows = append(t.rows, row{p: -1, header: "heading"})
			continue
		}
		t.profiles = append(t.profiles, vault.ProfileSummary{Name: n})
		t.rows = append(t.rows, row{p: len(t.profiles) - 1})
	}
	t.setRows(t.rows)
	return t
}

func selectedName(t *profileTable) string {
	if p := t.current(); p != nil {
		return p.Name
	}
	return ""
}

func TestTableStartsOnTheFirstProfileNotAHeading(t *testing.T) {
	tb := tableOf(5, "", "a", "b", "", "c")
	if got := selectedName(tb); got != "a" {
		t.Fatalf("selected %q, want a", got)
	}
}

func TestTableStepsOverHeadings(t *testing.T) {
	tb := tableOf(10, "", "a", "b", "", "c")
	tb.move(1)
	tb.move(1)
	if got := selectedName(tb); got != "c" {
		t.Fatalf("down twice from a: %q, want c", got)
	}
	tb.move(-1)
	if got := selectedName(tb); got != "b" {
		t.Fatalf("up from c: %q, want b", got)
	}
	tb.move(-10)
	if got := selectedName(tb); got != "a" {
		t.Fatalf("top: %q, want a (the first row is a heading)", got)
	}
}

func TestTableKeepsTheSelectionThroughANewArrangement(t *testing.T) {
	tb := tableOf(10, "a", "b", "c")
	tb.move(2)
	// c moves to the front; the cursor follows it.
	tb.setRows([]row{{p: 2}, {p: 0}, {p: 1}})
	if got := selectedName(tb); got != "c" || tb.cursor != 0 {
		t.Fatalf("after re-sorting: %q at %d, want c at 0", got, tb.cursor)
	}
	// c is filtered out: the first profile is selected.
	tb.setRows([]row{{p: 1}, {p: 0}})
	if got := selectedName(tb); got != "b" {
		t.Fatalf("after filtering c out: %q, want b", got)
	}
}

func TestTableScrollsToKeepTheCursorInView(t *testing.T) {
	tb := tableOf(3, "a", "b", "c", "d", "e", "f")
	tb.move(4)
	if tb.offset != 2 {
		t.Fatalf("offset %d with the cursor on row 4 of a 3-row window, want 2", tb.offset)
	}
	if i := tb.at(2); i != 4 {
		t.Fatalf("the last visible line holds row %d, want 4", i)
	}
	if i := tb.at(3); i != -1 {
		t.Fatalf("a line below the window holds row %d", i)
	}
	// A taller window shows everything from the top.
	tb.setHeight(10)
	if tb.offset != 0 {
		t.Fatalf("offset %d in a window taller than the list", tb.offset)
	}
}

func TestTableNeighbourOfTheLastIsTheOneBefore(t *testing.T) {
	tb := tableOf(10, "a", "b", "", "c")
	tb.move(10)
	if got := tb.neighbour(); got != "b" {
		t.Fatalf("neighbour of c: %q, want b", got)
	}
	tb.move(-10)
	if got := tb.neighbour(); got != "b" {
		t.Fatalf("neighbour of a: %q, want b", got)
	}
	if n := tb.shown(); n != 3 {
		t.Fatalf("shown %d, want 3", n)
	}
}

// The filter line takes a row from the list: the selected row stays in
// view when it appears, and when the detail pane opens.
func TestSelectionStaysInViewWhenTheListShrinks(t *testing.T) {
	h := dashboardHarness(t, 80, 9)
	h.key("end")
	h.key("/")
	if l := h.line("people-jp"); l == "" {
		t.Fatalf("the filter line pushed the selection out of view:\n%s", h.view())
	}
	h.key("esc")
	h.resize(80, 20)
	h.key("enter")
	if l := h.line("people-jp"); l == "" {
		t.Fatalf("the detail pane pushed the selection out of view:\n%s", h.view())
	}
}
