package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"ztm/model"
)

// notesDialog edits a profile's tags and notes: what changes nothing at
// Zoho, so it needs neither the wizard nor a consent.
type notesDialog struct {
	orig  model.Profile
	tags  textinput.Model
	notes textinput.Model
	focus int
	err   string
}

// maxNotes bounds what the notes field takes.
const maxNotes = 500

func newNotesDialog(c *Common, p model.Profile) (*notesDialog, tea.Cmd) {
	d := &notesDialog{orig: p, tags: c.newInput(), notes: c.newInput()}
	d.tags.Prompt, d.notes.Prompt = "Tags:  ", "Notes: "
	d.tags.Placeholder, d.notes.Placeholder = "prod, finance", "who owns it, what it is for"
	d.tags.CharLimit, d.notes.CharLimit = 200, maxNotes
	w := dialogWidth(c) - 8
	d.tags.SetWidth(w)
	d.notes.SetWidth(w)
	d.tags.SetValue(strings.Join(p.Tags, ", "))
	// A note typed on the command line may hold line breaks; one line here.
	d.notes.SetValue(strings.Join(strings.Fields(p.Notes), " "))
	return d, d.tags.Focus()
}

func (d *notesDialog) fields() []*textinput.Model { return []*textinput.Model{&d.tags, &d.notes} }

func (d *notesDialog) update(c *Common, msg tea.KeyPressMsg) (dialog, tea.Cmd) {
	k := c.Keys
	switch {
	case key.Matches(msg, k.FormCancel):
		return nil, nil
	case key.Matches(msg, k.FormNext):
		d.fields()[d.focus].Blur()
		d.focus = 1 - d.focus
		return d, d.fields()[d.focus].Focus()
	case key.Matches(msg, k.FormSave):
		tags, err := model.ParseTags(d.tags.Value())
		if err != nil {
			d.err = err.Error()
			return d, nil
		}
		p := d.orig
		p.Tags, p.Notes = tags, strings.TrimSpace(d.notes.Value())
		return nil, editNotesCmd(c, d.orig, p)
	}
	var cmd tea.Cmd
	in := d.fields()[d.focus]
	*in, cmd = in.Update(msg)
	return d, cmd
}

// paste types pasted text into the field in focus.
func (d *notesDialog) paste(text string) {
	in := d.fields()[d.focus]
	in.SetValue(in.Value() + strings.Join(strings.Fields(text), " "))
}

func (d *notesDialog) view(c *Common) string {
	s := c.Styles
	var b strings.Builder
	b.WriteString(s.DialogTitle.Render("Tags and notes of "+model.Printable(d.orig.Name)) + "\n\n")
	b.WriteString(d.tags.View() + "\n" + d.notes.View() + "\n")
	if d.err != "" {
		b.WriteString("\n" + s.Error.Render(lipgloss.Wrap(model.Printable(d.err), dialogWidth(c), " ")) + "\n")
	}
	k := c.Keys
	b.WriteString("\n" + c.help(dialogWidth(c)).ShortHelpView([]key.Binding{k.FormSave, k.FormNext, k.FormCancel}))
	return s.Dialog.Render(b.String())
}
