package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"ztm/model"
)

// The list's outputs are written through one buffer: at 100,000 profiles
// a write per line (or per tabwriter cell) was a system call each.

// writeNames prints one name a line.
func writeNames(w io.Writer, profiles []model.Profile) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, p := range profiles {
		bw.WriteString(model.Printable(p.Name))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// writeJSONList prints list --json's array one element at a time: the same
// bytes as encoding the whole slice with [writeJSON], without holding the
// slice of elements and the whole document in memory at once.
func writeJSONList(w io.Writer, profiles []model.Profile, now time.Time) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if len(profiles) == 0 {
		bw.WriteString("[]\n")
		return bw.Flush()
	}
	bw.WriteString("[\n")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("  ", "  ")
	for i, p := range profiles {
		buf.Reset()
		if err := enc.Encode(toJSON(p, now)); err != nil {
			return err
		}
		bw.WriteString("  ")
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		if i < len(profiles)-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

// listColumns are the table's headings.
var listColumns = [...]string{"NAME", "DC", "ENV", "ACCOUNT", "TYPE", "EXPIRES", "REFRESH TOKEN", "LAST REFRESH", "TAGS"}

// writeTable prints the list's table, its columns aligned as
// text/tabwriter aligns them (two spaces after the widest cell, widths in
// runes), in one pass over the cells: at 100,000 profiles tabwriter's
// bookkeeping was most of what list itself cost.
func writeTable(w io.Writer, profiles []model.Profile, now time.Time) error {
	const cols = len(listColumns)
	cells := make([]string, 0, (len(profiles)+1)*cols)
	cells = append(cells, listColumns[:]...)
	// Stored text is printed through model.Printable: a vault written by
	// someone else (or an older ztm) must not reach the terminal's escapes.
	// It costs one scan and no allocation for plain text.
	pr := model.Printable
	for i := range profiles {
		p := &profiles[i]
		cells = append(cells, pr(p.Name), pr(dcLabel(*p)), pr(string(p.Environment.OrDefault())), pr(orDash(p.Account)),
			pr(p.ClientType.Label()), expiryText(p.Token, now), pr(refreshText(*p)), lastRefresh(p.Token, now), pr(orDash(strings.Join(p.Tags, ","))))
	}
	var width [cols]int
	for i, c := range cells {
		width[i%cols] = max(width[i%cols], utf8.RuneCountInString(c))
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	for i, c := range cells {
		bw.WriteString(c)
		if i%cols == cols-1 {
			bw.WriteByte('\n')
			continue
		}
		for range width[i%cols] - utf8.RuneCountInString(c) + 2 {
			bw.WriteByte(' ')
		}
	}
	return bw.Flush()
}
