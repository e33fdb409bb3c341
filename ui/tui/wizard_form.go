package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/ui/app"
)

// fields lists the text inputs of the current step, in focus order; a nil
// entry is a list (data centers, client types, the scope catalogue).
func (w *wizard) fields() []*textinputRef {
	switch w.step {
	case wsName:
		f := []*textinputRef{{&w.name}, {nil}}
		if w.customDC() {
			f = append(f, &textinputRef{&w.server})
		}
		return f
	case wsType:
		return []*textinputRef{{nil}}
	case wsRegister:
		var f []*textinputRef
		switch w.kind {
		case kindLoopback:
			f = append(f, &textinputRef{&w.port})
		case kindPasteURL:
			f = append(f, &textinputRef{&w.redirect})
		}
		return append(f, &textinputRef{&w.clientID}, &textinputRef{&w.secret})
	case wsScopes:
		return []*textinputRef{{&w.scopes}, {nil}}
	}
	return nil
}

// textinputRef points at a field; in is nil for a list.
type textinputRef struct{ in *textinput.Model }

func (w *wizard) customDC() bool { return w.dcIndex == len(w.dcChoices())-1 }

// focusField focuses field i of the step (blurring the others).
func (w *wizard) focusField(i int) tea.Cmd {
	for _, in := range w.inputs() {
		in.Blur()
	}
	f := w.fields()
	if len(f) == 0 {
		return nil
	}
	w.focus = (i + len(f)) % len(f)
	if in := f[w.focus].in; in != nil {
		return in.Focus()
	}
	return nil
}

func (w *wizard) formKey(msg tea.KeyPressMsg) tea.Cmd {
	f := w.fields()
	cur := f[w.focus]
	switch msg.String() {
	case "ctrl+o":
		if w.step == wsRegister {
			_, console := w.consoleFor()
			return openURLCmd(w.c.Cfg.OpenURL, console)
		}
	case "ctrl+y":
		if w.step == wsRegister {
			_, console := w.consoleFor()
			return copyTextCmd(w.c.Cfg.Clipboard, console, "console URL")
		}
	case "ctrl+r":
		if w.step == wsRegister && w.kind == kindLoopback {
			return copyTextCmd(w.c.Cfg.Clipboard, "http://localhost:"+strings.TrimSpace(w.port.Value())+"/callback", "redirect URI")
		}
	case "tab", "shift+tab":
		d := 1
		if msg.String() == "shift+tab" {
			d = -1
		}
		return w.focusField(w.focus + d)
	case "enter":
		if err := w.checkStep(); err != "" {
			w.note = err
			return nil
		}
		w.note = ""
		return w.next()
	}
	if cur.in == nil {
		return w.listKey(msg)
	}
	var cmd tea.Cmd
	*cur.in, cmd = cur.in.Update(msg)
	return cmd
}

// listKey moves in the step's list.
func (w *wizard) listKey(msg tea.KeyPressMsg) tea.Cmd {
	delta := map[string]int{"up": -1, "k": -1, "down": 1, "j": 1}[msg.String()]
	switch w.step {
	case wsName:
		w.dcIndex = clamp(w.dcIndex+delta, 0, len(w.dcChoices())-1)
	case wsType:
		w.kind = grantKind(clamp(int(w.kind)+delta, 0, len(kindInfo)-1))
		if msg.String() == "o" && (w.kind == kindLoopback || w.kind == kindPasteURL) {
			if w.consent == model.OrgConsent {
				w.consent = model.UserConsent
			} else {
				w.consent = model.OrgConsent
			}
		}
		if w.kind == kindSelf || w.kind == kindDevice {
			w.consent = model.UserConsent
		}
	case wsScopes:
		w.pickCursor = clamp(w.pickCursor+delta, 0, len(w.items)-1)
		if msg.String() == "space" || msg.String() == "x" {
			if it := w.items[w.pickCursor]; it.product == "" {
				w.scopes.SetValue(toggleScope(w.scopes.Value(), it.entry.Scope))
			}
		}
	}
	return nil
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

// checkStep validates the step's fields; "" means fine.
func (w *wizard) checkStep() string {
	switch w.step {
	case wsName:
		if err := model.ValidateName(strings.TrimSpace(w.name.Value())); err != nil {
			return err.Error()
		}
		if name := strings.TrimSpace(w.name.Value()); w.taken[strings.ToLower(name)] &&
			(w.orig == nil || !strings.EqualFold(w.orig.Name, name)) {
			return fmt.Sprintf("a profile named %s exists: pick another name", name)
		}
		if w.customDC() {
			if err := model.ValidateServerURL(w.server.Value()); err != nil {
				return err.Error()
			}
		}
	case wsRegister:
		w.clientID.SetValue(model.CleanPasted(w.clientID.Value()))
		w.secret.SetValue(model.CleanPasted(w.secret.Value()))
		switch w.kind {
		case kindLoopback:
			if n, err := strconv.Atoi(strings.TrimSpace(w.port.Value())); err != nil || n < 1024 || n > 65535 {
				return "the port must be a number from 1024 to 65535, the one in the redirect URI you registered"
			}
		case kindPasteURL:
			w.redirect.SetValue(model.CleanPasted(w.redirect.Value()))
			if err := model.ValidateRedirectURI(w.redirect.Value()); err != nil {
				return err.Error()
			}
		}
		if err := model.ValidateClientID(w.clientID.Value()); err != nil {
			return err.Error()
		}
		if err := model.ValidateClientSecret(w.secret.Value()); err != nil {
			return err.Error()
		}
	case wsScopes:
		return scopeProblem(w.scopes.Value())
	}
	return ""
}

// next moves on; after the scopes comes the grant, or for an edit that
// needs no new consent, the save.
func (w *wizard) next() tea.Cmd {
	if w.step < wsScopes {
		w.step++
		return w.focusField(0)
	}
	p, err := w.build()
	if err != nil {
		w.note = err.Error()
		return nil
	}
	if w.orig != nil && w.orig.Token != nil && w.orig.Token.RefreshToken != "" && !app.NeedsConsent(*w.orig, p) {
		return w.saveEdit(p)
	}
	return w.enterGrant()
}

// build makes the profile the fields describe.
func (w *wizard) build() (model.Profile, error) {
	p := model.Profile{Name: strings.TrimSpace(w.name.Value()), Consent: w.consent,
		ClientID: w.clientID.Value(), ClientSecret: w.secret.Value()}
	if w.orig != nil {
		o := *w.orig
		p.ID, p.Account, p.Tags, p.Notes, p.KeepAlive, p.APIDomain, p.Token, p.CreatedAt =
			o.ID, o.Account, o.Tags, o.Notes, o.KeepAlive, o.APIDomain, o.Token, o.CreatedAt
	}
	if w.customDC() {
		p.AccountsServer = model.NormalizeServerURL(w.server.Value())
		if dc, ok := w.c.Cfg.DCs.ByAccountsServer(p.AccountsServer); ok {
			p.DC = dc.ID
		}
	} else {
		dc := w.dcChoices()[w.dcIndex]
		p.DC, p.AccountsServer = dc.ID, dc.AccountsServer
		if p.APIDomain == "" || w.orig != nil && w.orig.DC != dc.ID {
			p.APIDomain = dc.APIDomain
		}
	}
	switch w.kind {
	case kindSelf:
		p.ClientType = model.SelfClient
	case kindDevice:
		p.ClientType = model.NonBrowserClient
	case kindLoopback:
		p.ClientType, p.RedirectURI = model.ServerClient, "http://localhost:"+strings.TrimSpace(w.port.Value())+"/callback"
		if w.orig != nil {
			if port, path, ok := model.LoopbackRedirect(w.orig.RedirectURI); ok && fmt.Sprint(port) == strings.TrimSpace(w.port.Value()) {
				p.RedirectURI = "http://localhost:" + fmt.Sprint(port) + path
			}
		}
	case kindPasteURL:
		p.ClientType, p.RedirectURI = model.ServerClient, w.redirect.Value()
	}
	var err error
	if p.Scopes, err = model.ParseScopes(w.scopes.Value()); err != nil {
		return p, err
	}
	return p, p.Validate()
}
