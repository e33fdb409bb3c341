package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"ztm/model"
)

// The list's outputs are written through one buffer: at 100,000 profiles
// a write per line (or per tabwriter cell) was a system call each.

// writeNames prints one name a line.
func writeNames(w io.Writer, profiles []model.Profile) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, p := range profiles {
		bw.WriteString(p.Name)
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

// writeTable prints the list's table, its columns aligned.
func writeTable(w io.Writer, profiles []model.Profile, now time.Time) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDC\tENV\tACCOUNT\tTYPE\tEXPIRES\tREFRESH TOKEN\tLAST REFRESH\tTAGS")
	for _, p := range profiles {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, dcLabel(p), p.Environment.OrDefault(), orDash(p.Account),
			p.ClientType.Label(), expiryText(p.Token, now), refreshText(p), lastRefresh(p.Token, now), orDash(strings.Join(p.Tags, ",")))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}
