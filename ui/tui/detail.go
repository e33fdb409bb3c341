package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/progress"
	"charm.land/lipgloss/v2"

	"ztm/model"
)

// detailView is the full record of the selected profile: secrets masked
// until v reveals them, a bar of the token's remaining life, recent events.
func (d *dashboard) detailView(width, height int) string {
	s := d.c.Styles
	p := d.current()
	inner := max(width-4, 10)
	if p == nil {
		return s.Pane.Width(width).Height(height).Render(s.Faint.Render("no profile selected"))
	}
	var lines []string
	add := func(label, value string) {
		lines = append(lines, s.Label.Render(padRight(label, 13))+truncate(value, inner-13))
	}
	// A secret is masked until v; revealed, it gets whole lines of its own,
	// since a cut token is no use to anyone.
	secret := func(label, v string) {
		switch {
		case v == "":
			add(label, s.Faint.Render("-"))
		case !d.reveal:
			add(label, s.Secret.Render(model.Redact(v))+s.Faint.Render("  v reveals"))
		default:
			lines = append(lines, s.Label.Render(label))
			for len(v) > inner {
				lines = append(lines, v[:inner])
				v = v[inner:]
			}
			lines = append(lines, v)
		}
	}
	lines = append(lines, s.PaneTitle.Render(truncate(p.Name, inner)))
	// What the user asked for comes first, so that a short pane shows it:
	// the secrets after v, else the token's life.
	if d.reveal {
		if t := p.Token; t != nil {
			secret("Access token", t.AccessToken)
			secret("Refresh", t.RefreshToken)
		}
		secret("Secret", p.ClientSecret)
	}
	if t := p.Token; t != nil {
		u := t.Urgency(d.now)
		add("Expires", s.Urgency[u].Render(model.FormatRemaining(t.Remaining(d.now)))+"  "+s.Faint.Render(t.ExpiresAt.Local().Format("15:04:05")))
		bar := progress.New(progress.WithColors(s.Urgency[u].GetForeground()), progress.WithoutPercentage(), progress.WithWidth(inner))
		bar.EmptyColor = s.BarEmpty
		lines = append(lines, bar.ViewAs(t.LifeLeft(d.now)))
		b := d.budgets[p.Name]
		add("Health", s.Health[t.RefreshHealth()].Render(string(t.RefreshHealth()))+fmt.Sprintf("  %d/10 refreshes in 10 min", b.Used))
		if t.LastError != "" {
			lines = append(lines, s.Error.Render(lipgloss.Wrap(t.LastError, inner, " ")))
		}
		if !d.reveal {
			secret("Access token", t.AccessToken)
			secret("Refresh", t.RefreshToken)
		}
	} else {
		lines = append(lines, s.Warn.Render("no tokens yet: press n to get a grant"))
	}
	if p.KeepAlive {
		lines = append(lines, s.Accent.Render("↻ kept alive while ztm runs"))
	}
	add("Data center", dcOrCustom(p)+"  "+s.Faint.Render(p.AccountsServer))
	add("API domain", orDash(p.APIDomain))
	add("Account", orDash(p.Account))
	add("Client", p.ClientType.Label()+", "+string(p.Consent)+" consent")
	add("Client id", p.ClientID)
	if !d.reveal {
		secret("Secret", p.ClientSecret)
	}
	if p.RedirectURI != "" {
		add("Redirect", p.RedirectURI)
	}
	add("Scopes", strings.Join(p.Scopes, ","))
	if len(p.Tags) > 0 {
		add("Tags", strings.Join(p.Tags, ", "))
	}
	if p.Notes != "" {
		add("Notes", p.Notes)
	}
	if len(d.events) > 0 {
		lines = append(lines, "", s.Label.Render("Recent events"))
		for _, e := range d.events {
			lines = append(lines, truncate(s.Faint.Render(e.At.Local().Format("01-02 15:04"))+" "+string(e.Kind)+" "+s.Subtle.Render(e.Detail), inner))
		}
	}
	body := strings.Join(lines, "\n")
	// The border takes two of the pane's lines: cut the content, not the
	// bottom border.
	if rows := strings.Split(body, "\n"); len(rows) > height-2 {
		body = strings.Join(rows[:max(height-2, 0)], "\n")
	}
	return s.Pane.Width(width).Height(height).MaxHeight(height).Render(body)
}
