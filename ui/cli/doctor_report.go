package cli

import (
	"fmt"
	"strings"
	"time"

	"ztm/model"
	"ztm/ui/app"
	"ztm/vault"
)

// printCheckup writes one profile's checkup for people. Everything that
// came from the vault or from Zoho goes through model.Printable.
func printCheckup(e Env, c app.Checkup) {
	w := e.Stdout
	now := e.Now()
	head := model.Printable(c.DC)
	if c.Account != "" {
		head += ", " + model.Printable(c.Account)
	}
	fmt.Fprintf(w, "%s (%s): %s\n", model.Printable(c.Profile), head, c.Verdict)
	line := func(label, format string, a ...any) {
		fmt.Fprintf(w, "  %-15s %s\n", label+":", fmt.Sprintf(format, a...))
	}
	switch c.TokenState {
	case "none":
		line("token", "none yet")
	case "expired":
		line("token", "expired %s", model.FormatAgo(now.Sub(c.ExpiresAt)))
	default:
		line("token", "%s for %s, until %s", c.TokenState, model.FormatRemaining(c.ExpiresAt.Sub(now)), c.ExpiresAt.Local().Format(time.TimeOnly))
	}
	spent := ""
	switch {
	case c.Refreshed && c.Refusal == nil:
		spent = ", one of them by doctor"
	case c.Refreshed:
		spent = "; doctor's one refresh was refused"
	}
	line("refresh token", "%s; %d of Zoho's %d refreshes used in the last 10 minutes%s", c.RefreshToken, c.Budget.Used, model.RefreshLimit, spent)
	line("grants", "%d of Zoho's %d refresh tokens for this client known to ztm", c.Grants.Live, vault.MaxRefreshTokens)
	if c.SkewKnown {
		line("clock", "%s (from Zoho's Date header)", skewSentence(c.Skew))
	} else {
		line("clock", "not measured (no call to Zoho was made)")
	}
	if p := c.Probe; p != nil {
		res := "ok"
		switch {
		case p.Status >= 500:
			res = fmt.Sprintf("no answer from %s, HTTP %d", p.Product, p.Status)
		case !p.OK:
			res = fmt.Sprintf("refused, HTTP %d", p.Status)
			if p.Code != "" {
				res += " " + model.Printable(p.Code)
			}
		}
		if p.AfterRefresh {
			res += " (after the refresh)"
		}
		line("liveness", "%s %s %s: %s", p.Product, p.Method, model.Printable(p.URL), res)
	}
	if r := c.Refusal; r != nil && !mentioned(c.Problems, r.Error) {
		when := ""
		if !r.At.IsZero() {
			when = r.At.Local().Format(time.TimeOnly) + " "
		}
		text := when + model.Printable(r.Error)
		if r.WayOut != "" && !strings.Contains(r.Error, r.WayOut) {
			text += "; " + model.Printable(r.WayOut)
		}
		line("last refusal", "%s", text)
	}
	for _, p := range c.Problems {
		line("problem", "%s", model.Printable(p))
	}
	for _, n := range c.Notes {
		line("note", "%s", model.Printable(n))
	}
}

// skewSentence says how the local clock stands against Zoho's.
func skewSentence(skew time.Duration) string {
	switch {
	case skew > 0:
		return fmt.Sprintf("%s behind Zoho's", skew)
	case skew < 0:
		return fmt.Sprintf("%s ahead of Zoho's", -skew)
	}
	return "in step with Zoho's"
}

// checkupJSON is one checkup in ztm doctor --json. It holds no secret.
type checkupJSON struct {
	Name    string `json:"name"`
	DC      string `json:"dc"`
	Account string `json:"account"`
	Verdict string `json:"verdict"`
	Token   struct {
		State     string `json:"state"`
		ExpiresAt string `json:"expires_at,omitempty"`
		ExpiresIn int    `json:"expires_in"`
	} `json:"token"`
	RefreshTokenHealth string `json:"refresh_token_health"`
	Budget             struct {
		Used     int    `json:"used"`
		Left     int    `json:"left"`
		Limit    int    `json:"limit"`
		NextFree string `json:"next_free,omitempty"`
	} `json:"refresh_budget"`
	Refreshed   bool `json:"refreshed"`
	LastRefusal *struct {
		At     string `json:"at,omitempty"`
		Error  string `json:"error"`
		WayOut string `json:"way_out,omitempty"`
	} `json:"last_refusal"`
	ClockSkew *int `json:"clock_skew_seconds"`
	Grants    struct {
		Known  int    `json:"known"`
		Limit  int    `json:"limit"`
		Oldest string `json:"oldest_profile,omitempty"`
	} `json:"refresh_tokens"`
	Liveness *app.ProbeResult `json:"liveness"`
	Problems []string         `json:"problems"`
	Notes    []string         `json:"notes"`
}

// doctorJSON is the whole of ztm doctor --json.
func doctorJSON(e Env, all []app.Checkup) map[string]any {
	verdict := app.Healthy
	out := make([]checkupJSON, 0, len(all))
	for _, c := range all {
		if c.Verdict == app.Unhealthy || c.Verdict == app.Unreachable && verdict == app.Healthy {
			verdict = c.Verdict
		}
		out = append(out, oneCheckupJSON(e, c))
	}
	return map[string]any{"verdict": verdict, "healthy": verdict == app.Healthy, "profiles": out}
}

func oneCheckupJSON(e Env, c app.Checkup) checkupJSON {
	j := checkupJSON{Name: c.Profile, DC: c.DC, Account: c.Account, Verdict: string(c.Verdict),
		RefreshTokenHealth: string(c.RefreshToken), Refreshed: c.Refreshed, Liveness: c.Probe,
		Problems: append([]string{}, c.Problems...), Notes: append([]string{}, c.Notes...)}
	j.Token.State = c.TokenState
	if !c.ExpiresAt.IsZero() {
		j.Token.ExpiresAt = c.ExpiresAt.UTC().Format(time.RFC3339)
		j.Token.ExpiresIn = max(0, int(c.ExpiresAt.Sub(e.Now()).Seconds()))
	}
	j.Budget.Used, j.Budget.Left, j.Budget.Limit = c.Budget.Used, c.Budget.Left, model.RefreshLimit
	if !c.Budget.NextFree.IsZero() {
		j.Budget.NextFree = c.Budget.NextFree.UTC().Format(time.RFC3339)
	}
	if r := c.Refusal; r != nil && !mentioned(c.Problems, r.Error) {
		j.LastRefusal = &struct {
			At     string `json:"at,omitempty"`
			Error  string `json:"error"`
			WayOut string `json:"way_out,omitempty"`
		}{Error: r.Error, WayOut: r.WayOut}
		if !r.At.IsZero() {
			j.LastRefusal.At = r.At.UTC().Format(time.RFC3339)
		}
	}
	if c.SkewKnown {
		s := int(c.Skew / time.Second)
		j.ClockSkew = &s
	}
	j.Grants.Known, j.Grants.Limit, j.Grants.Oldest = c.Grants.Live, vault.MaxRefreshTokens, c.Grants.OldestProfile
	return j
}

// mentioned reports whether one of the lines says text already.
func mentioned(lines []string, text string) bool {
	for _, l := range lines {
		if strings.Contains(l, text) {
			return true
		}
	}
	return false
}
