package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"ztm/model"
	"ztm/oauth"
	"ztm/ui/app"
	"ztm/ui/tui"
)

// grantNames are the values of --grant, in the order help lists them.
var grantNames = []cobra.Completion{"self", "loopback", "paste", "device", "client-credentials"}

// grantFlagHelp describes --grant once for add, consent and edit.
const grantFlagHelp = "how to get the grant: self (a Self Client code), loopback (ztm catches the browser's redirect), paste (paste the URL the browser landed on), device (a code typed on another device) or client-credentials (Self Client, no consent)"

// grantRun is one grant on the command line: progress on stderr, the code
// or landed URL read from stdin or the terminal.
type grantRun struct {
	f    *Factory
	s    *app.Session
	in   func(prompt string) (string, error)
	wait time.Duration
	// method overrides the grant the profile implies (consent --grant).
	method model.GrantMethod
}

// run gets a grant for p (orig is the stored profile of an edit) and saves
// it, or saves nothing.
func (g grantRun) run(ctx context.Context, p model.Profile, orig *model.Profile) (model.Profile, error) {
	e := g.f.Env
	open := e.OpenURL
	if open == nil {
		open = tui.OpenBrowser
	}
	flow := g.s.NewGrantFlow(p, app.GrantHooks{
		Progress: func(st app.GrantStep) { g.progress(p, st) },
		Paste: func(what string) (string, error) {
			if what == app.PasteURL {
				return g.in("The URL the browser landed on: ")
			}
			return g.in("Grant code (or the URL the browser landed on): ")
		},
		OpenURL: open,
		Wait:    g.wait,
	})
	flow.Orig, flow.Method = orig, g.method
	saved, err := flow.Run(ctx)
	if app.IsUsage(err) {
		return saved, usageErr{err.Error()}
	}
	return saved, err
}

// progress says on stderr where the grant stands; stdout keeps only the
// result. The exchange itself is quick and says nothing, so a failure of
// a pasted code stays one line.
func (g grantRun) progress(p model.Profile, st app.GrantStep) {
	w := g.f.Env.Stderr
	switch st.Stage {
	case app.StageConsentURL:
		if p.ClientType == model.ServerClient && g.method != model.GrantPasteURL && p.GrantMethod() == model.GrantLoopback {
			fmt.Fprintf(w, "Open this page and consent; ztm catches the answer on %s:\n  %s\n", p.RedirectURI, st.URL)
			return
		}
		fmt.Fprintf(w, "Open this page, consent, and give the URL the browser lands on:\n  %s\n", st.URL)
	case app.StageBrowser:
		if st.Err != nil {
			fmt.Fprintf(w, "ztm: no browser opened (%s): open the page yourself, wherever you are signed in to Zoho\n", oneLine(st.Err))
		} else {
			fmt.Fprintln(w, "ztm: opened it in your browser")
		}
	case app.StageWaiting:
		fmt.Fprintf(w, "ztm: waiting for the browser until %s (Ctrl+C cancels)...\n", st.Deadline.Local().Format("15:04:05"))
	case app.StageDeviceCode:
		d := st.Device
		fmt.Fprintf(w, "On any device, open %s and enter the code %s (valid until %s). Ctrl+C cancels.\n",
			model.Printable(d.VerificationURL), model.Printable(d.UserCode), d.ExpiresAt.Local().Format("15:04:05"))
	case app.StageDevicePoll:
		fmt.Fprintln(w, pollLine(g.s.DCs, st.Poll))
	case app.StageOtherDC:
		fmt.Fprintf(w, "ztm: the code came from %s, not %s: exchanging it at %s\n", st.DC.ID, dcLabel(p), st.DC.AccountsServer)
	}
}

// pollLine is one device poll, as a progress line.
func pollLine(dcs model.DataCenters, poll oauth.DevicePoll) string {
	switch poll.Status {
	case "other_dc":
		return fmt.Sprintf("ztm: the account lives in %s: waiting there (next check in %s)", dcs.Describe(poll.AccountsServer), poll.Next)
	case "slow_down":
		return fmt.Sprintf("ztm: Zoho asked to check less often: next check in %s", poll.Next)
	}
	return fmt.Sprintf("ztm: not approved yet (check %d); next check in %s", poll.Attempt, poll.Next)
}

// savedLine is what stdout says of a profile saved with its tokens.
func savedLine(what string, p model.Profile) string {
	s := fmt.Sprintf("%s: access token valid until %s", what, p.Token.ExpiresAt.Local().Format("15:04:05"))
	switch {
	case p.ClientCredentials:
		s += " (client credentials: ztm asks for a new one when it expires)"
	case p.Token.RefreshToken == "":
		s += " (no refresh token: the grant was for online access)"
	}
	return s
}
