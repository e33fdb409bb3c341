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
// widths that only the last row settles: all cells in blocks of bytes
// with their lengths, rather than a string each (at 100,000 profiles a
// string and a slice element a cell were 900,000 allocations). The blocks
// are never copied to grow: one growing slice was copied over and over,
// most of a listing's garbage at 10,000 profiles.
type cellTable struct {
	// blocks hold the cells' bytes; no cell spans two blocks, so a cell
	// that does not fit in the last block's room starts the next one.
	blocks [][]byte
	lens   []int32
	width  [len(listColumns)]int
}

// cellBlock is the size of a block of cells.
const cellBlock = 64 << 10

// room returns the last block with room for n more bytes.
func (c *cellTable) room(n int) []byte {
	if k := len(c.blocks); k > 0 && cap(c.blocks[k-1])-len(c.blocks[k-1]) >= n {
		return c.blocks[k-1]
	}
	c.blocks = append(c.blocks, make([]byte, 0, max(cellBlock, n)))
	return c.blocks[len(c.blocks)-1]
}

// end records the cell just appended to the last block, of n bytes.
func (c *cellTable) end(b []byte, n int) {
	c.blocks[len(c.blocks)-1] = b
	col := len(c.lens) % len(listColumns)
	c.width[col] = max(c.width[col], utf8.RuneCount(b[len(b)-n:]))
	c.lens = append(c.lens, int32(n))
}

func (c *cellTable) add(cell string) {
	c.end(append(c.room(len(cell)), cell...), len(cell))
}

// addList adds list joined by commas, or "-" when empty, as
// model.Printable would print the joined text; the parts are appended
// where they go when they are plain (no allocation), else joined.
func (c *cellTable) addList(list []string) {
	n := len(list)
	for _, s := range list {
		n += len(s)
	}
	if n <= 1 || n > model.MaxPrintable {
		c.add(model.Printable(orDash(strings.Join(list, ","))))
		return
	}
	for _, s := range list {
		if model.Printable(s) != s {
			c.add(model.Printable(strings.Join(list, ",")))
			return
		}
	}
	b := c.room(n - 1)
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, s...)
	}
	c.end(b, n-1)
}

// addExpiry adds the expiry cell (rowExpiry) without building the
// string of "in " and the span.
func (c *cellTable) addExpiry(r *vault.ProfileRow, now time.Time) {
	rem := r.Remaining(now)
	if !r.HasAccessToken || rem <= 0 {
		c.add(rowExpiry(r, now))
		return
	}
	span := model.FormatRemaining(rem)
	b := append(c.room(3+len(span)), "in "...)
	c.end(append(b, span...), 3+len(span))
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
	c.addExpiry(r, now)
	c.add(pr(rowRefresh(r)))
	c.add(rowLastRefresh(r, now))
	c.addList(r.Tags)
}

// spaces pads the table's columns.
var spaces = strings.Repeat(" ", 256)

// writeTo prints the table, its columns aligned as text/tabwriter aligns
// them (two spaces after the widest cell, widths in runes).
func (c *cellTable) writeTo(w io.Writer) error {
	const cols = len(listColumns)
	bw := bufio.NewWriterSize(w, 64<<10)
	block, off := 0, 0
	for i, n := range c.lens {
		if off+int(n) > len(c.blocks[block]) {
			block, off = block+1, 0
		}
		cell := c.blocks[block][off : off+int(n)]
		off += int(n)
		bw.Write(cell)
		if i%cols == cols-1 {
			bw.WriteByte('\n')
			continue
		}
		for pad := c.width[i%cols] - utf8.RuneCount(cell) + 2; pad > 0; pad -= len(spaces) {
			bw.WriteString(spaces[:min(pad, len(spaces))])
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
