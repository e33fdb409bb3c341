package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
)

// grantKind is the wizard's choice of client and grant path. Each value
// has one grantPath type, in its own grant_*.go file; adding a way to get
// a grant is one file, one value here and one entry in grantPaths.
type grantKind int

const (
	kindSelf              grantKind = iota // Self Client: paste a code from the console
	kindLoopback                           // server-based, ztm catches the redirect on localhost
	kindPasteURL                           // server-based, the user pastes the URL they land on
	kindDevice                             // Non-browser: device flow
	kindClientCredentials                  // Self Client, client credentials: no person in the loop
)

// grantPaths builds the path of each kind for one attempt.
var grantPaths = [...]func(*wizard) grantPath{
	kindSelf:              newSelfGrant,
	kindLoopback:          newLoopbackGrant,
	kindPasteURL:          newPasteGrant,
	kindDevice:            newDeviceGrant,
	kindClientCredentials: newClientCredentialsGrant,
}

// grantPath is one way of getting a grant, as a view over app.GrantFlow:
// the wizard runs the flow (see startFlow) and makes a new path for every
// attempt; the path draws the grant step, takes its keys, and shows what
// the flow reports (a flowStepMsg, a flowAskMsg). The flow exchanges and
// saves.
type grantPath interface {
	// about names the kind of client and when to choose it, for the
	// client-type step.
	about() kindAbout
	// start readies the step (focus, countdown) as the flow starts.
	start() tea.Cmd
	// update takes a key, a paste, or a message of the flow.
	update(msg tea.Msg) tea.Cmd
	// view draws the step under the wizard's title.
	view() string
	// help lists the keys of the step's current state.
	help() []key.Binding
	// capturing says a text field has the keys (q and ? are text).
	capturing() bool
	// stop leaves the step (the wizard ends the flow).
	stop()
}

// kindAbout describes a kind of client for the client-type step and the
// registration guide.
type kindAbout struct {
	title, when string
	method      model.GrantMethod
	// guide is the API Console steps for this kind of client, for the
	// wizard's current fields.
	guide func(w *wizard) []string
	// consent says the path asks a person for consent, so Zoho makes a
	// refresh token (and the 21st-token rule applies).
	consent bool
	// waits says the step waits on Zoho or a browser, with a spinner.
	waits bool
	// code says the path trades a code for tokens; the others save
	// tokens the flow already holds.
	code bool
}

// kindAbouts lists every kind's description, in the order offered.
func kindAbouts() []kindAbout {
	out := make([]kindAbout, len(grantPaths))
	for i, mk := range grantPaths {
		out[i] = mk(nil).about()
	}
	return out
}

// kindOf maps a profile's grant method to the wizard's kind.
func kindOf(m model.GrantMethod) grantKind {
	for i, a := range kindAbouts() {
		if a.method == m {
			return grantKind(i)
		}
	}
	return kindPasteURL
}

// pathMsg is a message of one attempt's flow; the wizard drops it when
// that attempt is over.
type pathMsg struct {
	from grantPath
	msg  tea.Msg
}

func (pathMsg) wizard() {}

// tagged wraps msg for the path that made it.
func tagged(from grantPath, msg tea.Msg) tea.Msg {
	if msg == nil {
		return nil
	}
	return pathMsg{from: from, msg: msg}
}
