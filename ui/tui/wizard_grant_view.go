package tui

import (
	"errors"
	"fmt"
	"strings"

	"ztm/model"
	"ztm/oauth"
)

func (w *wizard) viewGrant() string {
	s := w.c.Styles
	var b strings.Builder
	line := func(text string) { b.WriteString(wrapIndent(text, w.width, "  ") + "\n") }
	switch w.kind {
	case kindSelf:
		_, console := w.consoleFor()
		line("In the API Console (" + console + "), open your Self Client and its Generate Code tab:")
		b.WriteString("\n")
		line("  Scope:        " + s.Accent.Render(model.JoinScopes(w.profile.Scopes)) + s.Faint.Render("   ctrl+y copies it"))
		line("  Time Duration: 10 minutes " + s.Faint.Render("(the longest: time to paste it here)"))
		line("  Description:  ztm " + w.profile.Name)
		line("Create, pick the org if asked, and paste the code shown (it is shown once):")
	case kindPasteURL:
		line("Open this URL where you are signed in to Zoho, and accept:")
		b.WriteString("\n" + wrapIndent(s.Accent.Render(w.cons.URL), w.width, "    ") + "\n\n")
		line("The browser then lands on " + w.profile.RedirectURI + " (the page may not load: that is fine). Paste the whole URL from the address bar:")
	case kindLoopback:
		line("Consent in the browser: ztm is listening on " + s.Accent.Render(w.profile.RedirectURI))
		b.WriteString("\n" + wrapIndent(s.Faint.Render(w.cons.URL), w.width, "    ") + "\n\n")
		if w.listener != nil {
			line(w.spin.View() + " waiting for Zoho to send the browser back…")
		}
		if w.paste.Focused() {
			line("Paste the URL the browser landed on:")
		} else {
			line(s.Faint.Render("Browser on another machine? Press p and paste the URL it landed on."))
		}
	case kindDevice:
		if w.device == nil {
			line(w.spin.View() + " asking Zoho for a code…")
			break
		}
		line("On any device, open " + s.Accent.Render(w.device.VerificationURL) + " and enter:")
		// The code is a bordered box of three lines: indent each of them.
		b.WriteString("\n    " + strings.ReplaceAll(s.BigCode.Render(w.device.UserCode), "\n", "\n    ") + "\n\n")
		left := w.device.ExpiresAt.Sub(w.now)
		status := "waiting for you to approve"
		if w.poll.Status == "slow_down" {
			status = "Zoho asked ztm to poll more slowly"
		}
		if w.poll.AccountsServer != "" && w.poll.AccountsServer != w.profile.AccountsServer {
			status += "; your account is in " + w.c.Cfg.DCs.Describe(w.poll.AccountsServer) + ", ztm follows it there"
		}
		line(w.spin.View() + " " + status + fmt.Sprintf(" (check %d; the code expires in %s)", w.poll.Attempt, model.FormatRemaining(left)))
	}
	if w.kind == kindSelf || w.kind == kindPasteURL || w.paste.Focused() {
		b.WriteString("\n    " + w.paste.View() + "\n")
	}
	if w.kind == kindSelf && !w.deadline.IsZero() {
		left := w.deadline.Sub(w.now)
		if left > 0 {
			line(s.Faint.Render("a code generated now dies in at most " + model.FormatRemaining(left) + "; paste it right away"))
		} else {
			line(s.Warn.Render("a code generated when this step opened has expired by now: generate a new one"))
		}
	}
	if w.grants.Live >= model.RefreshLimit*2-2 {
		line(s.Warn.Render(fmt.Sprintf("ztm holds %d refresh tokens for this client; Zoho deletes the oldest past 20", w.grants.Live)))
	}
	if w.note != "" {
		b.WriteString("\n")
		line(s.Subtle.Render(w.note))
	}
	return b.String()
}

func (w *wizard) viewDone() string {
	s := w.c.Styles
	p := w.saved
	var b strings.Builder
	line := func(text string) { b.WriteString(wrapIndent(text, w.width, "  ") + "\n") }
	line(s.OK.Render("✓ ") + s.Bold.Render(p.Name) + " is ready.")
	b.WriteString("\n")
	if t := p.Token; t != nil {
		line("Access token valid for " + s.Urgency[t.Urgency(w.now)].Render(model.FormatRemaining(t.Remaining(w.now))) + ", then ztm refreshes it on demand.")
		if t.RefreshToken == "" {
			line(s.Warn.Render("Zoho sent no refresh token: the access token cannot be renewed without a new consent."))
		}
	}
	if p.Account != "" {
		line("Account: " + p.Account)
	}
	line("Data center: " + dcOrCustom(&p) + " (" + p.AccountsServer + ")")
	b.WriteString("\n")
	line("Scripts get its token with " + s.Accent.Render("ztm token "+p.Name) + ".")
	if w.note != "" {
		line(s.Subtle.Render(w.note))
	}
	return b.String()
}

// viewFailed explains the error and the ways out; the error's own sentence
// says what Zoho meant, the lines after add what to do here.
func (w *wizard) viewFailed() string {
	s := w.c.Styles
	var b strings.Builder
	line := func(text string) { b.WriteString(wrapIndent(text, w.width, "  ") + "\n") }
	line(s.Error.Render(w.err.Error()))
	b.WriteString("\n")
	var zerr *oauth.Error
	switch {
	case errors.As(w.err, &zerr) && zerr.Code == "invalid_code":
		line("Codes are single-use and short-lived. Press r and get a fresh one; exchange it at once.")
		if w.kind == kindSelf {
			line("A Self Client code also works only in the data center where it was generated: you chose " + dcOrCustom(&w.profile) + ".")
		}
	case errors.As(w.err, &zerr) && zerr.Code == "invalid_client":
		line("Press b to check the client id and secret, and the data center: the client must be registered (or enabled) in " + dcOrCustom(&w.profile) + ".")
	case errors.As(w.err, &zerr) && zerr.Code == "invalid_redirect_uri":
		line("The redirect URI must match the one registered in the console exactly, port and path included. Press b to fix it here or in the console.")
	case errors.Is(w.err, oauth.ErrAccessDenied):
		line("The consent was declined. Press r to ask again.")
	case errors.Is(w.err, model.ErrThrottled):
		line("Zoho is throttling this client. Wait a few minutes before pressing r.")
	case errors.Is(w.err, oauth.ErrPortInUse):
		line("Close what uses the port, or press b and choose another port (and register it in the console).")
	case oauth.IsNetwork(w.err):
		line("Check the network (or proxy), then press r. Nothing you typed is lost.")
	default:
		line("Press r to try again, or b to go back to the client details. Nothing you typed is lost.")
	}
	return b.String()
}
