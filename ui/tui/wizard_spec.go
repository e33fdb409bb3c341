package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"ztm/model"
	"ztm/ui/app"
)

// What the form's values mean: each step's checks, and the profile they
// describe, built by the use-case layer like one typed on the command line.

// checkStep validates the current step; "" means fine.
func (w *wizard) checkStep() string {
	switch w.step {
	case wsName:
		if p := w.nameProblem(w.name.Value()); p != "" {
			return p
		}
		if w.customDC() {
			if err := model.ValidateServerURL(w.server.Value()); err != nil {
				return err.Error()
			}
		}
	case wsRegister:
		return w.registerProblem()
	case wsScopes:
		if _, err := model.ParseScopes(w.scopeList()); err != nil {
			return err.Error()
		}
		if _, err := model.ParseTags(w.tags.Value()); err != nil {
			return err.Error()
		}
	}
	return ""
}

func (w *wizard) nameProblem(name string) string {
	name = strings.TrimSpace(name)
	if err := model.ValidateName(name); err != nil {
		return err.Error()
	}
	if w.taken[strings.ToLower(name)] && (w.orig == nil || !strings.EqualFold(w.orig.Name, name)) {
		return fmt.Sprintf("a profile named %s exists: pick another name", name)
	}
	return ""
}

func (w *wizard) registerProblem() string {
	w.clientID.SetValue(model.CleanPasted(w.clientID.Value()))
	w.secret.SetValue(model.CleanPasted(w.secret.Value()))
	switch w.kind {
	case kindLoopback:
		if p := portProblem(w.port.Value()); p != "" {
			return p
		}
	case kindPasteURL:
		w.redirect.SetValue(model.CleanPasted(w.redirect.Value()))
		if err := model.ValidateRedirectURI(w.redirect.Value()); err != nil {
			return err.Error()
		}
	}
	if p := clientIDProblem(w.clientID.Value()); p != "" {
		return p
	}
	if err := model.ValidateClientSecret(w.secret.Value()); err != nil {
		return err.Error()
	}
	return ""
}

func portProblem(port string) string {
	if n, err := strconv.Atoi(strings.TrimSpace(port)); err != nil || n < 1024 || n > 65535 {
		return "the port must be a number from 1024 to 65535, the one in the redirect URI you registered"
	}
	return ""
}

// clientIDProblem explains a client id that cannot be right. The id is
// not a secret and is on the screen already, so the message shows it
// whole: the person sees exactly what is wrong.
func clientIDProblem(id string) string {
	id = model.CleanPasted(id)
	switch {
	case id == "":
		return "the client id is empty: copy it from the API Console (it looks like 1000.XXXXXXXX)"
	case !model.LooksLikeClientID(id):
		return fmt.Sprintf("%q does not look like a Zoho client id, which looks like 1000.XXXXXXXX: copy it again from the API Console", id)
	}
	return ""
}

// spec is what the fields say, for app.BuildProfile.
func (w *wizard) spec() app.Spec {
	sp := app.Spec{Name: w.name.Value(), Grant: kindAbouts()[w.kind].method,
		ClientID: w.clientID.Value(), ClientSecret: w.secret.Value(), Scopes: w.scopeList(),
		Consent: w.consent, Tags: w.tags.Value(), Notes: strings.TrimSpace(w.notes.Value()),
		Environment: w.env, Orig: w.orig}
	if w.orig != nil {
		sp.KeepAlive = w.orig.KeepAlive
	}
	if !w.serverKind() {
		sp.Consent = model.UserConsent
	}
	if w.customDC() {
		sp.AccountsServer = w.server.Value()
	} else {
		sp.DC = w.dcChoices()[w.dcIndex].ID
	}
	switch w.kind {
	case kindLoopback:
		sp.LoopbackPort = w.portNumber()
	case kindPasteURL:
		sp.RedirectURI = w.redirect.Value()
	case kindClientCredentials:
		sp.SOID = w.soid.Value()
	}
	return sp
}

// build makes the profile the fields describe.
func (w *wizard) build() (model.Profile, error) {
	return app.BuildProfile(w.spec(), w.c.Cfg.DCs)
}

// scopeList is the scopes ticked and typed, comma-separated, in the order
// the profile had them, then new ticks, then new typed ones: an edit that
// changes nothing keeps the list as it was.
func (w *wizard) scopeList() string {
	typed := splitScopes(w.otherScopes.Value())
	var out []string
	add := func(s string) {
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, s) }) {
			out = append(out, s)
		}
	}
	for _, s := range w.scopeOrder {
		if slices.Contains(w.picked, s) || slices.Contains(typed, s) {
			add(s)
		}
	}
	for _, s := range w.picked {
		add(s)
	}
	for _, s := range typed {
		add(s)
	}
	return strings.Join(out, ",")
}

// loadScopes splits a profile's scopes into ticks in the catalogue and
// typed ones.
func (w *wizard) loadScopes(scopes []string) {
	known := knownScopes(catalogue())
	w.scopeOrder, w.picked = append([]string(nil), scopes...), nil
	var other []string
	for _, s := range scopes {
		if slices.Contains(known, s) {
			w.picked = append(w.picked, s)
		} else {
			other = append(other, s)
		}
	}
	w.otherScopes.SetValue(strings.Join(other, ","))
}
