package tui

import (
	"fmt"
	"strings"

	"ztm/model"
)

// Views of the form steps. Each lists its fields with a marker on the
// focused one, then the step's hint or the last validation message.

func (w *wizard) field(label string, i int, view string) string {
	s := w.c.Styles
	mark := "  "
	if w.focus == i {
		mark = s.Accent.Render("▸ ")
	}
	return "  " + mark + s.Label.Render(padRight(label, 14)) + view + "\n"
}

func (w *wizard) problem() string {
	if w.note == "" {
		return ""
	}
	return "\n" + wrapIndent(w.c.Styles.Error.Render(w.note), w.width, "    ") + "\n"
}

func (w *wizard) viewName() string {
	s := w.c.Styles
	var b strings.Builder
	b.WriteString(w.field("Profile name", 0, w.name.View()))
	b.WriteString("    " + s.Faint.Render("letters, digits, . _ @ -; scripts use it: ztm token NAME") + "\n\n")
	b.WriteString(w.field("Data center", 1, s.Faint.Render("where your Zoho account lives (the domain you sign in at)")))
	for i, dc := range w.dcChoices() {
		mark := "   "
		if i == w.dcIndex {
			mark = s.Accent.Render(" ● ")
		}
		label := fmt.Sprintf("%-3s %s", dc.ID, dc.Name)
		if dc.ID != "" {
			label += s.Faint.Render("  " + strings.TrimPrefix(dc.AccountsServer, "https://"))
		}
		b.WriteString("      " + mark + label + "\n")
	}
	if w.customDC() {
		b.WriteString("\n" + w.field("Server URL", 2, w.server.View()))
	}
	return b.String() + w.problem()
}

func (w *wizard) viewType() string {
	s := w.c.Styles
	var b strings.Builder
	b.WriteString("  Which kind of client? " + s.Faint.Render("(↑/↓ to choose)") + "\n\n")
	for i, k := range kindInfo {
		mark := "   "
		title := k.title
		if grantKind(i) == w.kind {
			mark = s.Accent.Render(" ● ")
			title = s.Bold.Render(title)
		}
		b.WriteString("  " + mark + title + "\n")
		b.WriteString(wrapIndent(s.Faint.Render(k.when), w.width, "       ") + "\n")
	}
	if w.kind == kindLoopback || w.kind == kindPasteURL {
		c := "user consent: you grant access to your own data"
		if w.consent == model.OrgConsent {
			c = "org consent: an admin grants access for the whole org (/oauth/v2/org/auth)"
		}
		b.WriteString("\n  " + s.Key.Render("o") + " " + c + "\n")
	}
	return b.String() + w.problem()
}

func (w *wizard) viewRegister() string {
	s := w.c.Styles
	var b strings.Builder
	dc, console := w.consoleFor()
	b.WriteString("  Register the client in Zoho's API Console for " + s.Bold.Render(dc) + ":\n")
	b.WriteString("    " + s.Accent.Render(console) + s.Faint.Render("   ctrl+o opens it, ctrl+y copies it") + "\n\n")
	for _, line := range w.guide() {
		b.WriteString(wrapIndent(line, w.width, "    ") + "\n")
	}
	b.WriteString("\n")
	i := 0
	switch w.kind {
	case kindLoopback:
		b.WriteString(w.field("Redirect port", i, w.port.View()))
		b.WriteString("    " + s.Faint.Render("register exactly: ") + s.Accent.Render("http://localhost:"+strings.TrimSpace(w.port.Value())+"/callback") + s.Faint.Render("   ctrl+r copies it") + "\n")
		i++
	case kindPasteURL:
		b.WriteString(w.field("Redirect URI", i, w.redirect.View()))
		i++
	}
	b.WriteString(w.field("Client ID", i, w.clientID.View()))
	b.WriteString(w.field("Client secret", i+1, w.secret.View()))
	return b.String() + w.problem()
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
	var g []string
	switch w.kind {
	case kindSelf:
		g = []string{
			"1. Choose Self Client, then Create Now and OK (there is one per account: skip this if you have it).",
			"2. The Client Secret tab shows the Client ID and the Client Secret: paste them below.",
		}
	case kindLoopback, kindPasteURL:
		redirect := "http://localhost:" + strings.TrimSpace(w.port.Value()) + "/callback, exactly, port included: ztm listens there while you consent"
		if w.kind == kindPasteURL {
			redirect = "your app's callback URL; type it below exactly as registered"
		}
		g = []string{
			"1. Add Client, then Server-based Applications.",
			"2. Client Name: letters, digits, _ and & only, such as ztm_" + strings.NewReplacer("-", "_", ".", "_", "@", "_").Replace(w.name.Value()) + ".",
			"3. Homepage URL: any page of yours, such as https://example.com.",
			"4. Authorized Redirect URIs: " + redirect + ".",
			"5. Create, then paste the Client ID and Client Secret below.",
		}
	case kindDevice:
		g = []string{
			"1. Add Client, then Non-browser Applications.",
			"2. Client Name: letters, digits, _ and & only. Create.",
			"3. Paste the Client ID and Client Secret below.",
		}
	}
	g = append(g, w.c.Styles.Faint.Render("A client made in another data center works too once that data center is enabled in its Settings tab (same id; the secret may differ)."))
	if !w.customDC() && w.dcChoices()[w.dcIndex].ID == "CN" {
		g = append(g, w.c.Styles.Warn.Render("China is separate from the other data centers: register the client at the CN console itself."))
	}
	return g
}

func (w *wizard) viewScopes() string {
	s := w.c.Styles
	var b strings.Builder
	b.WriteString(w.field("Scopes", 0, w.scopes.View()))
	b.WriteString("    " + s.Faint.Render("comma-separated Service.scope.OPERATION; or pick below with space") + "\n\n")
	h := max(w.height-14, 4)
	start := clamp(w.pickCursor-h/2, 0, max(len(w.items)-h, 0))
	for i := start; i < min(start+h, len(w.items)); i++ {
		it := w.items[i]
		cursor := "  "
		if w.focus == 1 && i == w.pickCursor {
			cursor = s.Accent.Render("▸ ")
		}
		if it.product != "" {
			b.WriteString("    " + cursor + s.GroupHead.Render(it.product) + "\n")
			continue
		}
		box := "[ ]"
		if hasScope(w.scopes.Value(), it.entry.Scope) {
			box = s.Accent.Render("[x]")
		}
		b.WriteString(truncate("    "+cursor+"  "+box+" "+it.entry.Scope+"  "+s.Faint.Render(it.entry.What), w.width) + "\n")
	}
	if !hasScope(w.scopes.Value(), "AaaServer.profile.READ") {
		b.WriteString("\n    " + s.Faint.Render("tip: AaaServer.profile.READ lets ztm show which account a profile belongs to") + "\n")
	}
	return b.String() + w.problem()
}
