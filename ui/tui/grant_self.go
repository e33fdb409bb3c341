package tui

import (
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
)

// selfCodeLife is how long a Self Client code can live (the console's
// longest choice); the countdown says when a code has surely expired.
const selfCodeLife = 10 * time.Minute

// selfGrant is the Self Client path: the person generates a code in the
// API Console and pastes it here.
type selfGrant struct {
	w        *wizard
	paste    textinput.Model
	deadline time.Time // when a code generated as the step opened has surely expired
}

func newSelfGrant(w *wizard) grantPath { return &selfGrant{w: w, paste: newPasteBox(w)} }

func (g *selfGrant) pasteBox() *textinput.Model { return &g.paste }

func (g *selfGrant) about() kindAbout {
	return kindAbout{title: "Self Client",
		when:   "no redirect: you generate a code in the console and paste it here. For your own scripts.",
		method: model.GrantPasteCode, consent: true, code: true,
		guide: func(*wizard) []string {
			return []string{
				"1. Choose Self Client, then Create Now and OK (there is one per account: skip this if you have it).",
				"2. The Client Secret tab shows the Client ID and the Client Secret: paste them below.",
			}
		}}
}

func (g *selfGrant) start() tea.Cmd {
	g.deadline = g.w.now.Add(selfCodeLife)
	return g.paste.Focus()
}

func (g *selfGrant) stop()           { g.paste.Blur() }
func (g *selfGrant) capturing() bool { return true }

func (g *selfGrant) update(msg tea.Msg) tea.Cmd {
	k := g.w.keys
	switch msg := msg.(type) {
	case flowAskMsg:
		g.w.refused(msg)
		return nil
	case tea.PasteMsg:
		g.paste.SetValue(model.CleanPasted(msg.Content))
		return nil
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Submit):
			// The flow reads the code the console showed.
			return g.w.submitPaste(g.paste.Value())
		case key.Matches(msg, k.OpenConsole):
			_, console := g.w.consoleFor()
			return g.w.openURL(console, nil)
		case key.Matches(msg, k.CopyScopes):
			return g.w.copyText(model.JoinScopes(g.w.profile.Scopes), "scopes")
		}
		var cmd tea.Cmd
		g.paste, cmd = g.paste.Update(msg)
		return cmd
	}
	return nil
}

func (g *selfGrant) help() []key.Binding {
	k := g.w.keys
	return []key.Binding{k.Submit, k.CopyScopes, k.OpenConsole, k.Back}
}

func (g *selfGrant) view() string {
	w, s := g.w, g.w.c.Styles
	b := newLines(w.width)
	_, console := w.consoleFor()
	b.line("In the API Console, open your Self Client and its Generate Code tab:")
	b.url(console)
	b.blank()
	b.line("  Scope:        " + s.Accent.Render(model.JoinScopes(w.profile.Scopes)) + s.Faint.Render("   "+keyName(w.keys.CopyScopes)+" copies it"))
	b.line("  Time Duration: 10 minutes " + s.Faint.Render("(the longest: time to paste it here)"))
	b.line("  Description:  ztm " + w.profile.Name)
	b.line("Create, pick the org if asked, and paste the code shown (it is shown once):")
	b.raw("\n    " + g.paste.View() + "\n")
	if left := g.deadline.Sub(w.now); left > 0 {
		b.line(s.Faint.Render("a code generated now dies in at most " + model.FormatRemaining(left) + "; paste it right away"))
	} else {
		b.line(s.Warn.Render("a code generated when this step opened has expired by now: generate a new one"))
	}
	return b.String()
}

// newPasteBox is the text field of the paste steps. kindAbouts makes
// paths without a wizard, only to read their about().
func newPasteBox(w *wizard) textinput.Model {
	t := textinput.New()
	if w != nil {
		t = w.c.newInput()
	}
	t.Placeholder = "paste here"
	t.CharLimit = 4000
	t.Prompt = ""
	t.SetWidth(70)
	return t
}
