package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"ztm/ui/app"
)

// writeBody prints an answer's body: indented and coloured JSON on a
// terminal, the bytes as sent otherwise (streamed, whatever the size).
func writeBody(e Env, resp *app.APIResponse) error {
	if !e.StdoutIsTerminal || !isJSON(resp.Header.Get("Content-Type")) {
		_, err := io.Copy(e.Stdout, resp.Body)
		return err
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	writePretty(e, data)
	return nil
}

// ANSI colours of the JSON printer: keys blue, strings green, numbers
// and literals yellow.
const (
	colorKey    = "\x1b[34m"
	colorString = "\x1b[32m"
	colorLit    = "\x1b[33m"
	colorReset  = "\x1b[0m"
)

// writePretty indents JSON for a person, in colour unless NO_COLOR is
// set; what is not JSON is printed as it is.
func writePretty(e Env, data []byte) {
	var ind bytes.Buffer
	if json.Indent(&ind, data, "", "  ") != nil {
		e.Stdout.Write(data)
		return
	}
	ind.WriteByte('\n')
	if e.Getenv("NO_COLOR") != "" {
		e.Stdout.Write(ind.Bytes())
		return
	}
	io.WriteString(e.Stdout, colorJSON(ind.String()))
}

// colorJSON colours indented JSON token by token. Strings are copied as
// they are (json.Indent kept their escapes, so no control byte from Zoho
// reaches the terminal raw).
func colorJSON(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(s))
			color := colorString
			if k := strings.TrimLeft(s[j:], " "); strings.HasPrefix(k, ":") {
				color = colorKey
			}
			b.WriteString(color + s[i:j] + colorReset)
			i = j
		case c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f' || c == 'n':
			j := i
			for j < len(s) && !strings.ContainsRune(",]}\n ", rune(s[j])) {
				j++
			}
			b.WriteString(colorLit + s[i:j] + colorReset)
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}
