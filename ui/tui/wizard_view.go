package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"ztm/model"
	"ztm/oauth"
)

// lines builds a step's text: sentences wrapped under a two-space indent,
// URLs whole.
type lines struct {
	b     strings.Builder
	width int
}

func newLines(width int) *lines { return &lines{width: width} }

func (l *lines) line(text string) { l.b.WriteString(wrapIndent(text, l.width, "  ") + "\n") }
func (l *lines) blank()           { l.b.WriteString("\n") }
func (l *lines) raw(s string)     { l.b.WriteString(s) }
func (l *lines) String() string   { return l.b.String() }

// url prints u whole: indented when it fits, else from the first column
// in pieces exactly as wide as the window, with no indent to pick up
// when the pieces are selected. Each piece is a hyperlink to the whole
// URL, so a terminal that knows OSC 8 opens or copies it entire.
func (l *lines) url(u string) {
	if l.width <= 0 || len(u)+4 <= l.width {
		l.b.WriteString("    " + link(u, u) + "\n")
		return
	}
	for rest := u; rest != ""; {
		n := min(l.width, len(rest))
		l.b.WriteString(link(u, rest[:n]) + "\n")
		rest = rest[n:]
	}
}

func link(target, text string) string {
	return ansi.SetHyperlink(target) + text + ansi.ResetHyperlink()
}

// note prints a message: its first paragraph wrapped, then any URL it
// names on the lines after it, whole.
func (l *lines) note(text string, st lipgloss.Style) {
	first, rest, _ := strings.Cut(text, "\n")
	l.b.WriteString(wrapIndent(st.Render(first), l.width, "  ") + "\n")
	for _, u := range strings.Split(rest, "\n") {
		if u != "" {
			l.url(u)
		}
	}
}

// viewForm draws a form step: the register step's guide (after the rest
// when the window is too short for both), the form, its tips, and what is
// wrong.
func (w *wizard) viewForm() string {
	if w.form == nil {
		return ""
	}
	pre, form := w.formBefore(), indent(w.form.View(), "  ")+"\n"+w.formAfter()+w.problem()
	if w.preFirst() {
		return pre + form
	}
	// Short of room, the fields come first: the guide is there to read
	// once, the fields are what the keys act on.
	return form + "\n" + pre
}

// preFirst says the text before the form fits above it.
func (w *wizard) preFirst() bool {
	pre := w.formBefore()
	return pre == "" || w.formRoom()-lipgloss.Height(pre) >= lipgloss.Height(w.group.Content())
}

// formBefore is the register step's guide.
func (w *wizard) formBefore() string {
	if w.step != wsRegister {
		return ""
	}
	s := w.c.Styles
	b := newLines(w.width)
	dc, console := w.consoleFor()
	b.line("Register the client in Zoho's API Console for " + s.Bold.Render(dc) + ":")
	b.url(console)
	b.line(s.Faint.Render(keyName(w.keys.OpenConsole) + " opens it, " + keyName(w.keys.CopyConsole) + " copies it"))
	b.blank()
	for _, g := range w.guide() {
		b.raw(wrapIndent(g, w.width, "    ") + "\n")
	}
	b.blank()
	return b.String()
}

// formAfter is a step's tips under the form.
func (w *wizard) formAfter() string {
	s := w.c.Styles
	switch {
	case w.step == wsRegister && w.kind == kindLoopback:
		return "  " + s.Faint.Render("register exactly: ") + s.Accent.Render(w.loopbackRedirect()) + "\n"
	case w.step == wsScopes && !hasScope(w.scopeList(), oauth.UserInfoScope):
		return "  " + s.Faint.Render("tip: "+oauth.UserInfoScope+" lets ztm show which account a profile belongs to") + "\n"
	}
	return ""
}

func (w *wizard) problem() string {
	if w.note == "" {
		return ""
	}
	b := newLines(w.width)
	b.blank()
	st := w.c.Styles.Error
	if strings.HasPrefix(w.note, "copied ") || strings.HasPrefix(w.note, "no browser") {
		st = w.c.Styles.Subtle
	}
	b.note(w.note, st)
	return b.String()
}

func indent(s, pad string) string {
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

// consoleFor names the chosen data center and its API Console.
func (w *wizard) consoleFor() (string, string) {
	if w.customDC() {
		if dc, ok := w.c.Cfg.DCs.ByAccountsServer(w.server.Value()); ok {
			return dc.Name, dc.APIConsole
		}
		return w.server.Value(), "the API Console of that data center"
	}
	dc := w.dcChoices()[w.dcIndex]
	return dc.Name + " (" + dc.ID + ")", dc.APIConsole
}

// guide is the registration steps for the chosen kind of client.
func (w *wizard) guide() []string {
	g := kindAbouts()[w.kind].guide(w)
	g = append(g, w.c.Styles.Faint.Render("A client made in another data center works too once that data center is enabled in its Settings tab (same id; the secret may differ)."))
	if !w.customDC() && w.dcChoices()[w.dcIndex].ID == "CN" {
		g = append(g, w.c.Styles.Warn.Render("China is separate from the other data centers: register the client at the CN console itself."))
	}
	return g
}

// clientName suggests a console client name: letters, digits and _ only.
func clientName(profile string) string {
	return "ztm_" + strings.NewReplacer("-", "_", ".", "_", "@", "_").Replace(profile)
}

func (w *wizard) viewGrant() string {
	s := w.c.Styles
	var b strings.Builder
	if w.path != nil {
		b.WriteString(w.path.view())
	}
	l := newLines(w.width)
	if w.grants.Live >= model.RefreshLimit*2-2 {
		l.line(s.Warn.Render(fmt.Sprintf("ztm holds %d refresh tokens for this client; Zoho deletes the oldest past 20", w.grants.Live)))
	}
	if w.note != "" {
		l.blank()
		l.note(w.note, s.Subtle)
	}
	return b.String() + l.String()
}

func (w *wizard) viewDone() string {
	s := w.c.Styles
	p := w.savedAs
	b := newLines(w.width)
	b.line(s.OK.Render("✓ ") + s.Bold.Render(p.Name) + " is ready.")
	b.blank()
	if t := p.Token; t != nil {
		b.line("Access token valid for " + s.Urgency[t.Urgency(w.now)].Render(model.FormatRemaining(t.Remaining(w.now))) + ", then ztm refreshes it on demand.")
		if t.RefreshToken == "" && !p.ClientCredentials {
			b.line(s.Warn.Render("Zoho sent no refresh token: the access token cannot be renewed without a new consent."))
		}
	}
	if p.Account != "" {
		b.line("Account: " + p.Account)
	}
	b.line("Data center: " + dcLabel(p) + " (" + p.AccountsServer + ")")
	b.blank()
	b.line("Scripts get its token with " + s.Accent.Render("ztm token "+p.Name) + ".")
	if w.note != "" {
		b.line(s.Subtle.Render(w.note))
	}
	return b.String()
}

// viewFailed explains the error and the ways out; the error's own sentence
// says what Zoho meant, the lines after add what to do here.
func (w *wizard) viewFailed() string {
	s, k := w.c.Styles, w.keys
	r, back := keyName(k.Retry), keyName(k.BackToClient)
	b := newLines(w.width)
	b.line(s.Error.Render(w.err.Error()))
	b.blank()
	var zerr *oauth.Error
	switch {
	case errors.As(w.err, &zerr) && zerr.Code == "invalid_code":
		b.line("Codes are single-use and short-lived. Press " + r + " and get a fresh one; exchange it at once.")
		if w.kind == kindSelf {
			b.line("A Self Client code also works only in the data center where it was generated: you chose " + dcLabel(w.profile) + ".")
		}
	case errors.As(w.err, &zerr) && zerr.Code == "invalid_client":
		b.line("Press " + back + " to check the client id and secret, and the data center: the client must be registered (or enabled) in " + dcLabel(w.profile) + ".")
	case errors.As(w.err, &zerr) && zerr.Code == "invalid_redirect_uri":
		b.line("The redirect URI must match the one registered in the console exactly, port and path included. Press " + back + " to fix it here or in the console.")
	case errors.As(w.err, &zerr) && zerr.Code == "missing_org_info":
		b.line("This product needs the org: press " + back + " and give it as ZohoCRM.<org id>.")
	case errors.Is(w.err, oauth.ErrAccessDenied):
		b.line("The consent was declined. Press " + r + " to ask again.")
	case errors.Is(w.err, model.ErrThrottled):
		b.line("Zoho is throttling this client. Wait a few minutes before pressing " + r + ".")
	case errors.Is(w.err, oauth.ErrPortInUse):
		b.line("Close what uses the port, or press " + back + " and choose another port (and register it in the console).")
	case oauth.IsNetwork(w.err):
		b.line("Check the network (or proxy), then press " + r + ". Nothing you typed is lost.")
	default:
		b.line("Press " + r + " to try again, or " + back + " to go back to the client details. Nothing you typed is lost.")
	}
	return b.String()
}
