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
	"ztm/vault"
)

// The list's outputs are written through one buffer: at 100,000 profiles
// a write per line (or per tabwriter cell) was a system call each.

// rowSource reads the profiles' rows in name order: a vault's
// EachProfileRow. The list never holds every profile: each row is printed
// (or, for the table, reduced to its cells) as it is read.
type rowSource func(cols vault.RowColumns, fn func(r *vault.ProfileRow) error) error

// writeNames prints one name a line; it returns how many it printed.
func writeNames(w io.Writer, rows rowSource) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	err := rows(vault.TableColumns, func(r *vault.ProfileRow) error {
		n++
		bw.WriteString(model.Printable(r.Name))
		return bw.WriteByte('\n')
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// writeJSONList prints list --json's array one element at a time, as it
// reads them: the same bytes as encoding the whole slice with [writeJSON].
func writeJSONList(w io.Writer, rows rowSource, now time.Time) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("  ", "  ")
	n := 0
	err := rows(vault.AllColumns, func(r *vault.ProfileRow) error {
		buf.Reset()
		if err := enc.Encode(rowJSON(r, now)); err != nil {
			return err
		}
		// The comma of the element before: whether one follows is not
		// known until the next is read.
		if n == 0 {
			bw.WriteString("[\n  ")
		} else {
			bw.WriteString(",\n  ")
		}
		n++
		_, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		bw.WriteString("[]\n")
	} else {
		bw.WriteString("\n]\n")
	}
	return bw.Flush()
}

// listColumns are the table's headings.
var listColumns = [...]string{"NAME", "DC", "ENV", "ACCOUNT", "TYPE", "EXPIRES", "REFRESH TOKEN", "LAST REFRESH", "TAGS"}

// cellTable holds the table's cells as they are read, for the column
// widths that only the last row settles: all cells in one byte slice with
// their ends, rather than a string each (at 100,000 profiles a string and
// a slice element a cell were 900,000 allocations).
type cellTable struct {
	text  []byte
	ends  []int32
	width [len(listColumns)]int
}

func (c *cellTable) add(cell string) {
	col := len(c.ends) % len(listColumns)
	c.width[col] = max(c.width[col], utf8.RuneCountInString(cell))
	c.text = append(c.text, cell...)
	c.ends = append(c.ends, int32(len(c.text)))
}

// addRow adds one profile's cells. Stored text is printed through
// model.Printable: a vault written by someone else (or an older ztm)
// must not reach the terminal's escapes. It costs one scan and no
// allocation for plain text.
func (c *cellTable) addRow(r *vault.ProfileRow, now time.Time) {
	pr := model.Printable
	c.add(pr(r.Name))
	c.add(pr(dcText(r.DC)))
	c.add(pr(string(r.Environment.OrDefault())))
	c.add(pr(orDash(r.Account)))
	c.add(pr(r.ClientType.Label()))
	c.add(rowExpiry(r, now))
	c.add(pr(rowRefresh(r)))
	c.add(rowLastRefresh(r, now))
	c.add(pr(orDash(strings.Join(r.Tags, ","))))
}

// writeTo prints the table, its columns aligned as text/tabwriter aligns
// them (two spaces after the widest cell, widths in runes).
func (c *cellTable) writeTo(w io.Writer) error {
	const cols = len(listColumns)
	bw := bufio.NewWriterSize(w, 64<<10)
	start := int32(0)
	for i, end := range c.ends {
		cell := c.text[start:end]
		start = end
		bw.Write(cell)
		if i%cols == cols-1 {
			bw.WriteByte('\n')
			continue
		}
		for range c.width[i%cols] - utf8.RuneCount(cell) + 2 {
			bw.WriteByte(' ')
		}
	}
	return bw.Flush()
}

// writeTable prints the list's table in one read of the rows; it returns
// how many profiles it printed (the heading alone when none).
func writeTable(w io.Writer, rows rowSource, now time.Time) (int, error) {
	var c cellTable
	for _, h := range listColumns {
		c.add(h)
	}
	n := 0
	err := rows(vault.TableColumns, func(r *vault.ProfileRow) error {
		n++
		c.addRow(r, now)
		return nil
	})
	if err != nil || n == 0 {
		return n, err
	}
	return n, c.writeTo(w)
}
