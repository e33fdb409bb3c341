package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"charm.land/huh/v2"

	"ztm/model"
	"ztm/ui/app"
)

// AccessibleForm asks the add/edit wizard's questions (its steps 1 to 4:
// name, data center and environment; client type and consent; client
// details; scopes, tags and notes) as plain prompts, one line each, for
// screen readers and terminals that cannot redraw: huh's accessible mode,
// on the same fields and checks as the dashboard's form. It returns what
// was typed as an app.Spec for app.BuildProfile; getting the grant is the
// caller's. orig, when not nil, is the profile being edited: its values
// are the defaults. taken lists the profile names in use.
//
// The client secret is read without echo when in is a terminal.
func AccessibleForm(in io.Reader, out io.Writer, dcs model.DataCenters, taken []string, orig *model.Profile) (app.Spec, error) {
	c := &Common{Cfg: Config{DCs: dcs, Now: time.Now}, Styles: NewStyles(true), Keys: DefaultKeyMap(), Ctx: context.Background()}
	w := newWizard(c, orig, false, taken)
	w.width = 200 // a prompt is never cut to a window
	r := &endReader{r: in}
	if _, tty := in.(interface{ Fd() uintptr }); !tty {
		// Piped input is not echoed by anyone: no terminal to ask for
		// a hidden answer.
		w.secretEcho = huh.EchoModeNormal
	}
	for w.step = wsName; w.step <= wsScopes; {
		// Fields are made afresh after each answer: the data center
		// decides whether a server URL is asked, the kind the rest.
		for i := 0; i < len(w.stepFields()); i++ {
			// No colours: a screen reader would read them out.
			f := w.stepFields()[i].WithTheme(huh.ThemeFunc(huh.ThemeBase))
			f.Init()
			f.Focus()
			if err := f.RunAccessible(out, r); err != nil {
				return app.Spec{}, err
			}
			fmt.Fprintln(out)
			if r.ended {
				return app.Spec{}, errors.New("the answers ended before the form did")
			}
		}
		if p := w.checkStep(); p != "" {
			fmt.Fprintln(out, p)
			continue
		}
		w.step++
	}
	return w.spec(), nil
}

// endReader notes the end of the answers, which huh's prompts take as
// "keep the default" and would ask again for ever.
type endReader struct {
	r     io.Reader
	ended bool
}

func (e *endReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil {
		e.ended = true
	}
	return n, err
}
