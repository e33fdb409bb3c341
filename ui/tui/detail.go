package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/progress"
	"charm.land/lipgloss/v2"

	"ztm/model"
)

// detailView is the full record of the selected profile in a bordered
// pane: secrets masked until v reveals them, a bar of the token's
// remaining life, tags, notes, recent events. What does not fit scrolls in
// the pane's viewport.
func (d *dashboard) detailView(width, height int) string {
	s := d.c.Styles
	p := d.current()
	inner := max(width-4, 10)
	if p == nil {
		return s.Pane.Width(width).Height(height).Render(s.Faint.Render("no profile selected"))
	}
	var lines []string
	if full := d.fullOf(p); full != nil {
		lines = d.detailLines(full, inner)
	} else {
		// The record is on its way (loadDetail): a moment, not worth a
		// half-drawn pane.
		lines = []string{s.PaneTitle.Render(truncate(model.Printable(p.Name), inner)), s.Faint.Render("loading…")}
	}
	// The border takes two lines, and a scroll hint one when the content
	// does not fit.
	h := max(height-2, 1)
	scrolls := len(lines) > h && h > 1
	if scrolls {
		h--
	}
	d.pane.SetWidth(inner)
	d.pane.SetHeight(h)
	d.pane.SetContentLines(lines)
	body := d.pane.View()
	if scrolls {
		more := fmt.Sprintf("%d%% · %s/%s scroll", int(d.pane.ScrollPercent()*100), keyName(d.c.Keys.DetailUp), keyName(d.c.Keys.DetailDown))
		body += "\n" + s.Faint.Render(truncate(more, inner))
	}
	return s.Pane.Width(width).Height(height).MaxHeight(height).Render(body)
}

// paneLines builds the pane's content: labelled values, masked secrets.
type paneLines struct {
	d     *dashboard
	inner int
	lines []string
}

func (b *paneLines) line(l ...string) { b.lines = append(b.lines, l...) }

func (b *paneLines) add(label, value string) {
	b.line(b.d.c.Styles.Label.Render(padRight(label, 13)) + truncate(value, b.inner-13))
}

// secret is masked until v; revealed, it gets whole lines of its own,
// since a cut token is no use to anyone.
func (b *paneLines) secret(label, v string) {
	s := b.d.c.Styles
	switch {
	case v == "":
		b.add(label, s.Faint.Render("-"))
	case !b.d.reveal:
		b.add(label, s.Secret.Render(model.Redact(model.Printable(v)))+s.Faint.Render("  "+keyName(b.d.c.Keys.Reveal)+" reveals"))
	default:
		b.line(s.Label.Render(label))
		v = model.Printable(v)
		for len(v) > b.inner {
			b.line(v[:b.inner])
			v = v[b.inner:]
		}
		b.line(v)
	}
}

// detailLines is the pane's content, every stored text made printable.
func (d *dashboard) detailLines(p *model.Profile, inner int) []string {
	s := d.c.Styles
	b := &paneLines{d: d, inner: inner}
	b.line(s.PaneTitle.Render(truncate(model.Printable(p.Name), inner)))
	// What the user asked for comes first, so that a short pane shows it:
	// the secrets after v, else the token's life.
	if d.reveal {
		if t := p.Token; t != nil {
			b.secret("Access token", t.AccessToken)
			b.secret("Refresh", t.RefreshToken)
		}
		b.secret("Secret", p.ClientSecret)
	}
	if t := p.Token; t != nil {
		u := t.Urgency(d.now)
		b.add("Expires", s.Urgency[u].Render(model.FormatRemaining(t.Remaining(d.now)))+"  "+s.Faint.Render(t.ExpiresAt.Local().Format("15:04:05")))
		bar := progress.New(progress.WithColors(s.Urgency[u].GetForeground()), progress.WithoutPercentage(), progress.WithWidth(inner))
		bar.EmptyColor = s.BarEmpty
		b.line(bar.ViewAs(t.LifeLeft(d.now)))
		budget := d.budgets[p.Name]
		b.add("Health", s.Health[t.RefreshHealth()].Render(string(t.RefreshHealth()))+fmt.Sprintf("  %d/10 refreshes in 10 min", budget.Used))
		if t.LastError != "" {
			b.line(strings.Split(s.Error.Render(lipgloss.Wrap(d.errText(errString(t.LastError)), inner, " ")), "\n")...)
		}
		if !d.reveal {
			b.secret("Access token", t.AccessToken)
			b.secret("Refresh", t.RefreshToken)
		}
	} else {
		b.line(s.Warn.Render("no tokens yet: " + hint(d.c.Keys.Grant, "get a grant")))
	}
	if p.KeepAlive {
		b.line(s.Accent.Render("↻ kept alive while ztm runs"))
	}
	d.recordLines(b, p)
	return b.lines
}

// recordLines adds the rest of the record: where, who, what, and history.
func (d *dashboard) recordLines(b *paneLines, p *model.Profile) {
	s := d.c.Styles
	b.add("Data center", model.Printable(dcOrCustom(p.DC))+"  "+s.Faint.Render(model.Printable(p.AccountsServer)))
	b.add("Environment", string(p.Environment.OrDefault()))
	b.add("API domain", model.Printable(orDash(p.APIDomain)))
	b.add("Account", model.Printable(orDash(p.Account)))
	b.add("Client", p.ClientType.Label()+", "+model.Printable(string(p.Consent))+" consent")
	b.add("Client id", model.Printable(p.ClientID))
	if !d.reveal {
		b.secret("Secret", p.ClientSecret)
	}
	if p.RedirectURI != "" {
		b.add("Redirect", model.Printable(p.RedirectURI))
	}
	b.add("Scopes", model.Printable(strings.Join(p.Scopes, ",")))
	b.add("Tags", model.Printable(orDash(strings.Join(p.Tags, ", "))))
	if p.Notes != "" {
		b.add("Notes", model.Printable(strings.Join(strings.Fields(p.Notes), " ")))
	}
	if len(d.events) > 0 {
		b.line("", s.Label.Render("Recent events"))
		for _, e := range d.events {
			b.line(truncate(s.Faint.Render(e.At.Local().Format("01-02 15:04"))+" "+model.Printable(string(e.Kind))+" "+s.Subtle.Render(model.Printable(e.Detail)), b.inner))
		}
	}
}

// errString lets a stored error text go through the same masking as a
// live error.
type errString string

func (e errString) Error() string { return model.Printable(string(e)) }
