package model

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxPrintable is how many characters [Printable] keeps.
const MaxPrintable = MaxNotes

// Printable makes stored or received text safe to write to a terminal:
// C0 and C1 control characters (ESC among them), DEL, bidirectional
// overrides and invalid UTF-8 are replaced by a visible escape such as
// `\x1b` or `\u202e`, and the result is cut to [MaxPrintable] characters
// with "…". A name, an email or a note from a vault or from Zoho can then
// neither move the cursor, retitle the window, nor reorder what is shown.
//
// The faces call it on every stored text they print. Line breaks are
// escaped too; use [PrintableLines] for notes, which may hold several lines.
func Printable(s string) string {
	return printable(s, MaxPrintable, false)
}

// PrintableLines is [Printable] for multi-line text: it keeps line breaks
// and turns tabs into spaces, and escapes everything else Printable does.
func PrintableLines(s string) string {
	return printable(s, MaxPrintable, true)
}

func printable(s string, max int, lines bool) string {
	if plainASCII(s, max) {
		return s // the common case: one scan, no allocation
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		if n == max {
			b.WriteString("…")
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case lines && r == '\n':
			b.WriteByte('\n')
		case lines && r == '\t':
			b.WriteByte(' ')
		case lines && r == '\r':
			// a Windows line end: the \n that follows breaks the line
		case isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case isBidi(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
		n++
	}
	return b.String()
}

// isControl reports C0 controls, DEL and C1 controls.
func isControl(r rune) bool {
	return r < 0x20 || r >= 0x7f && r <= 0x9f
}

// isBidi reports the characters that change the order text is drawn in:
// the embeddings and overrides, the isolates, and the invisible marks.
// Nothing ztm stores needs them, and they can make a terminal show a name
// that reads differently from what it is.
func isBidi(r rune) bool {
	switch {
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// ValidateText checks free text on its way into the vault: valid UTF-8, at
// most max bytes, and no control character or bidirectional override.
// field names the text in the message ("notes"). When lines is true, line
// breaks and tabs are allowed (notes).
func ValidateText(field, s string, max int, lines bool) error {
	if len(s) > max {
		return fmt.Errorf("%s is too long (%d bytes, at most %d): shorten it", field, len(s), max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s %s is not valid UTF-8: type it again", field, Echo(s))
	}
	for _, r := range s {
		if lines && (r == '\n' || r == '\t' || r == '\r') {
			continue
		}
		if isControl(r) || isBidi(r) {
			return fmt.Errorf("%s %s contains control characters (%s): remove them", field, Echo(s), Echo(string(r)))
		}
	}
	return nil
}

// plainASCII reports whether s is printable ASCII of at most max
// characters, which printable returns as it is.
func plainASCII(s string, max int) bool {
	if len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
