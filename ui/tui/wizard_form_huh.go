package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"ztm/model"
)

// The wizard's steps 1 to 4 are huh forms, one per step, built afresh
// whenever a step opens (or its shape changes: a custom server field, the
// consent choice), over values that live in the wizard. So nothing typed
// is lost on back, on a failed grant, or on a rebuild.
//
// The wizard drives the form's navigation itself (tab, shift+tab, enter
// as "next step") by calling the form synchronously: huh's own navigation
// travels in messages that the root model would hand to the dashboard.
// What huh's commands carry besides (cursor blinks) is dropped, so the
// cursor does not blink.

// text is a form value a huh field edits in place.
type text struct{ s string }

// Value is what the field holds.
func (t *text) Value() string { return t.s }

// SetValue replaces it; the form shows it once rebuilt.
func (t *text) SetValue(s string) { t.s = s }

// buildForm makes the current step's form and focuses field w.focus.
func (w *wizard) buildForm() {
	w.form, w.fieldCount, w.kindSelect = nil, 0, nil
	fields := w.stepFields()
	if fields == nil {
		return
	}
	w.shape = w.formShape()
	w.fieldCount = len(fields)
	w.group = huh.NewGroup(fields...)
	w.form = huh.NewForm(w.group).WithShowHelp(false).WithShowErrors(true).
		WithKeyMap(w.keys.formKeys).WithTheme(w.formTheme())
	w.form.WithWidth(w.formWidth())
	w.form.Init()
	focus := clamp(w.focus, 0, len(fields)-1)
	w.focus = 0
	for range focus {
		w.moveFocus(1)
	}
	w.layoutForm()
}

// stepFields makes the fields of the current step, nil for a step that
// is not a form.
func (w *wizard) stepFields() []huh.Field {
	switch w.step {
	case wsName:
		return w.nameFields()
	case wsType:
		return w.typeFields()
	case wsRegister:
		return w.registerFields()
	case wsScopes:
		return w.scopeFields()
	}
	return nil
}

// formShape names what decides the current step's fields.
func (w *wizard) formShape() string {
	return fmt.Sprint(w.step, w.customDC(), w.kind)
}

// moveFocus moves to the next (d=1) or previous (d=-1) field, wrapping.
func (w *wizard) moveFocus(d int) {
	if w.form == nil || w.fieldCount < 2 {
		return
	}
	switch {
	case d > 0 && w.focus == w.fieldCount-1:
		for range w.fieldCount - 1 {
			w.form.PrevField()
		}
		w.focus = 0
	case d < 0 && w.focus == 0:
		for range w.fieldCount - 1 {
			w.form.NextField()
		}
		w.focus = w.fieldCount - 1
	case d > 0:
		w.form.NextField()
		w.focus++
	default:
		w.form.PrevField()
		w.focus--
	}
}

// layoutForm fits the form in the window: its viewport keeps the focused
// field in sight when the fields do not all fit.
func (w *wizard) layoutForm() {
	if w.form == nil || w.width == 0 {
		return
	}
	w.form.WithWidth(w.formWidth())
	natural, room := lipgloss.Height(w.group.Content()), w.formRoom()
	if pre := w.formBefore(); pre != "" && w.preFirst() {
		room -= lipgloss.Height(pre)
	}
	w.form.WithHeight(max(min(natural, room), 3))
	// The group draws its fields when it updates: make it draw them at
	// this size now.
	w.form.Update(formRedrawMsg{})
}

// formRedrawMsg makes the form redraw; no field takes it.
type formRedrawMsg struct{}

func (w *wizard) formWidth() int { return max(min(w.width-4, 100), 20) }

// formRoom is the height left for the form under the title and around
// the step's own lines.
func (w *wizard) formRoom() int {
	return w.height - 3 - lipgloss.Height(w.formAfter()) - lipgloss.Height(w.problem())
}

func (w *wizard) nameFields() []huh.Field {
	dcs := w.dcChoices()
	opts := make([]huh.Option[int], len(dcs))
	for i, dc := range dcs {
		label := fmt.Sprintf("%-3s %s", dc.ID, dc.Name)
		if dc.ID != "" {
			label += "  " + strings.TrimPrefix(dc.AccountsServer, "https://")
		}
		opts[i] = huh.NewOption(label, i)
	}
	fields := []huh.Field{
		huh.NewInput().Title("Profile name").Value(&w.name.s).CharLimit(64).Placeholder("crm-eu").
			Description("letters, digits, . _ @ -; scripts use it: ztm token NAME").
			Validate(func(s string) error { return problemErr(w.nameProblem(or(s, w.name.Value()))) }),
		huh.NewSelect[int]().Title("Data center").Description("where your Zoho account lives (the domain you sign in at)").
			Options(opts...).Value(&w.dcIndex).Height(min(len(opts)+1, max(w.height-10, 4))),
	}
	if w.customDC() {
		fields = append(fields, huh.NewInput().Title("Accounts server URL").Value(&w.server.s).CharLimit(200).
			Placeholder("https://accounts.example.com").
			Validate(func(s string) error { return model.ValidateServerURL(or(s, w.server.Value())) }))
	}
	envs := make([]huh.Option[model.Environment], len(model.Environments))
	for i, e := range model.Environments {
		envs[i] = huh.NewOption(envLabel(e), e)
	}
	return append(fields, huh.NewSelect[model.Environment]().Title("Environment").
		Description("a CRM sandbox or developer org has its own tokens").Options(envs...).Value(&w.env).Inline(true))
}

func envLabel(e model.Environment) string {
	switch e {
	case model.Sandbox:
		return "sandbox"
	case model.Developer:
		return "developer"
	}
	return "production"
}

func (w *wizard) typeFields() []huh.Field {
	abouts := kindAbouts()
	opts := make([]huh.Option[grantKind], len(abouts))
	for i, a := range abouts {
		opts[i] = huh.NewOption(a.title, grantKind(i))
	}
	w.kindSelect = huh.NewSelect[grantKind]().Title("Which kind of client?").Options(opts...).Value(&w.kind)
	w.describeKind()
	fields := []huh.Field{w.kindSelect}
	if w.serverKind() {
		fields = append(fields, huh.NewSelect[model.Consent]().Title("Consent").Value(&w.consent).Options(
			huh.NewOption("user: you grant access to your own data", model.UserConsent),
			huh.NewOption("org: an admin grants access for the whole org (/oauth/v2/org/auth)", model.OrgConsent)))
	}
	return fields
}

// describeKind shows, under the client types, when to choose the one the
// cursor is on.
func (w *wizard) describeKind() {
	if w.kindSelect != nil {
		if h, ok := w.kindSelect.Hovered(); ok {
			w.kindSelect.Description(kindAbouts()[h].when)
		} else {
			w.kindSelect.Description(kindAbouts()[w.kind].when)
		}
	}
}

func (w *wizard) serverKind() bool { return w.kind == kindLoopback || w.kind == kindPasteURL }

func (w *wizard) registerFields() []huh.Field {
	var fields []huh.Field
	switch w.kind {
	case kindLoopback:
		fields = append(fields, huh.NewInput().Title("Redirect port").Value(&w.port.s).CharLimit(5).
			Description("the port of the redirect URI you register ("+keyName(w.keys.CopyRedirect)+" copies the URI)").
			Validate(func(s string) error { return problemErr(portProblem(or(s, w.port.Value()))) }))
	case kindPasteURL:
		fields = append(fields, huh.NewInput().Title("Redirect URI").Value(&w.redirect.s).CharLimit(500).
			Placeholder("https://app.example.com/oauth/callback").
			Validate(func(s string) error { return model.ValidateRedirectURI(model.CleanPasted(or(s, w.redirect.Value()))) }))
	}
	fields = append(fields,
		huh.NewInput().Title("Client ID").Value(&w.clientID.s).CharLimit(80).Placeholder("1000.XXXXXXXXXXXX").
			Validate(func(s string) error { return problemErr(clientIDProblem(or(s, w.clientID.Value()))) }),
		huh.NewInput().Title("Client secret").Value(&w.secret.s).CharLimit(200).EchoMode(w.secretEcho).
			Placeholder("from the Client Secret tab").
			Validate(func(s string) error { return model.ValidateClientSecret(model.CleanPasted(or(s, w.secret.Value()))) }))
	if w.kind == kindClientCredentials {
		fields = append(fields, huh.NewInput().Title("Org (soid)").Value(&w.soid.s).CharLimit(100).
			Placeholder("none").Description("ZohoCRM.<org id> for CRM; empty for products that need none"))
	}
	return fields
}

func (w *wizard) scopeFields() []huh.Field {
	var opts []huh.Option[string]
	for _, p := range catalogue() {
		for _, e := range p.Scopes {
			// One line each: a wrapped option reads as two.
			opts = append(opts, huh.NewOption(truncate(e.Scope+"  "+e.What, w.formWidth()-10), e.Scope))
		}
	}
	room := max(w.height-16, 4)
	return []huh.Field{
		huh.NewMultiSelect[string]().Title("Scopes").Options(opts...).Value(&w.picked).Filterable(true).Height(room).
			Description(keyName(w.keys.Toggle) + " ticks, " + keyName(w.keys.Filter) + " filters"),
		huh.NewInput().Title("Other scopes").Value(&w.otherScopes.s).CharLimit(2000).Placeholder("none").
			Description("comma-separated Service.scope.OPERATION, for scopes not in the list"),
		huh.NewInput().Title("Tags").Value(&w.tags.s).CharLimit(200).Placeholder("none").
			Description("comma-separated, to find the profile in the dashboard"),
		huh.NewInput().Title("Notes").Value(&w.notes.s).CharLimit(500).Placeholder("none"),
	}
}

// or is s, or def when s is blank: an accessible prompt answered with
// nothing keeps the value shown.
func or(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// problemErr turns a problem sentence into a field error.
func problemErr(p string) error {
	if p == "" {
		return nil
	}
	return fmt.Errorf("%s", p)
}

// formTheme is huh's base theme in the dashboard's styles. It reads them
// when a field is drawn, so a light or dark background found later (or
// NO_COLOR) reaches the form too.
func (w *wizard) formTheme() huh.Theme {
	return huh.ThemeFunc(func(isDark bool) *huh.Styles {
		s := w.c.Styles
		t := huh.ThemeBase(isDark)
		t.FieldSeparator = lipgloss.NewStyle().SetString("\n")
		f := &t.Focused
		f.Base = f.Base.BorderForeground(s.Accent.GetForeground())
		f.Title = s.Accent.Bold(true)
		f.Description = s.Faint
		f.ErrorIndicator = s.Error.SetString(" *")
		f.ErrorMessage = s.Error.SetString(" *")
		f.SelectSelector = s.Accent.SetString("● ")
		f.MultiSelectSelector = s.Accent.SetString("▸ ")
		f.SelectedOption = s.Bold
		f.SelectedPrefix = s.Accent.SetString("[x] ")
		f.UnselectedPrefix = lipgloss.NewStyle().SetString("[ ] ")
		f.TextInput.Placeholder = s.Faint
		f.TextInput.Cursor = s.Accent
		f.TextInput.Prompt = s.Accent
		t.Blurred = t.Focused
		t.Blurred.Base = t.Blurred.Base.BorderStyle(lipgloss.HiddenBorder())
		t.Blurred.Title = s.Label
		t.Blurred.SelectSelector = s.Faint.SetString("● ")
		t.Blurred.MultiSelectSelector = lipgloss.NewStyle().SetString("  ")
		return t
	})
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

// portNumber is the loopback port typed, or 0.
func (w *wizard) portNumber() int {
	n, err := strconv.Atoi(strings.TrimSpace(w.port.Value()))
	if err != nil {
		return 0
	}
	return n
}
