package tui

import (
	"math"
	"path/filepath"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"ztm/model"
	"ztm/vault"
)

// firstRun welcomes a new user, explains what ztm stores and how, and
// creates the vault with a passphrase or a key file.
type firstRun struct {
	c     *Common
	step  int // welcome, passphrase, creating
	pass  [2]textinput.Model
	focus int
	spin  busy
	err   string
	width int
}

const (
	stepWelcome = iota
	stepPassphrase
	stepCreating
)

// minPassphrase is the shortest passphrase accepted.
const minPassphrase = 8

func newFirstRun(c *Common) *firstRun {
	f := &firstRun{c: c, spin: newBusy(c, spinner.Dot)}
	for i, prompt := range []string{"Passphrase: ", "Again:      "} {
		in := c.newInput()
		in.Prompt = prompt
		in.EchoMode = textinput.EchoPassword
		in.EchoCharacter = '•'
		in.CharLimit = 1024
		f.pass[i] = in
	}
	return f
}

func (f *firstRun) Init() tea.Cmd { return nil }

func (f *firstRun) restyle() {
	for i := range f.pass {
		f.c.styleInput(&f.pass[i])
	}
	f.spin.restyle(f.c)
}

func (f *firstRun) SetSize(w, h int) {
	f.width = w
	for i := range f.pass {
		f.pass[i].SetWidth(min(w-20, 48))
	}
}

func (f *firstRun) Capturing() bool { return f.step == stepPassphrase }

func (f *firstRun) Help() []key.Binding {
	k := f.c.Keys
	switch f.step {
	case stepWelcome:
		return []key.Binding{k.ChoosePassphrase, k.ChooseKeyFile, k.Quit}
	case stepPassphrase:
		return []key.Binding{k.NextField, k.SwitchField, k.Back}
	}
	return nil
}

func (f *firstRun) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case unlockFailedMsg:
		f.step, f.err = stepWelcome, msg.err.Error()
		f.spin.stop()
		return f, nil
	case spinFrameMsg:
		cmd, _ := f.spin.frame(f.c, msg)
		return f, cmd
	case tea.KeyPressMsg:
		switch f.step {
		case stepWelcome:
			switch {
			case key.Matches(msg, f.c.Keys.ChoosePassphrase):
				f.step, f.err = stepPassphrase, ""
				f.focus = 0
				return f, f.pass[0].Focus()
			case key.Matches(msg, f.c.Keys.ChooseKeyFile):
				return f, f.create(vault.CreateOptions{GenerateKeyFile: true})
			}
		case stepPassphrase:
			return f, f.passKey(msg)
		}
	}
	return f, nil
}

func (f *firstRun) passKey(msg tea.KeyPressMsg) tea.Cmd {
	k := f.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		f.step = stepWelcome
		f.pass[0].Blur()
		f.pass[1].Blur()
		return nil
	case key.Matches(msg, k.SwitchField):
		return f.focusField(1 - f.focus)
	case key.Matches(msg, k.NextField):
		p0, p1 := f.pass[0].Value(), f.pass[1].Value()
		switch {
		case f.focus == 0 && len([]rune(p0)) < minPassphrase:
			f.err = "use at least 8 characters; a few unrelated words are easy to type and hard to guess"
			return nil
		case f.focus == 0:
			f.err = ""
			return f.focusField(1)
		case p0 != p1:
			f.err = "the two passphrases differ: type it again"
			f.pass[1].SetValue("")
			return nil
		}
		return f.create(vault.CreateOptions{Passphrase: p0, ScryptWorkFactor: f.c.Cfg.ScryptWorkFactor})
	}
	var cmd tea.Cmd
	f.pass[f.focus], cmd = f.pass[f.focus].Update(msg)
	return cmd
}

func (f *firstRun) focusField(i int) tea.Cmd {
	f.pass[f.focus].Blur()
	f.focus = i
	return f.pass[i].Focus()
}

// create makes the vault in a command: the scrypt takes a second.
func (f *firstRun) create(o vault.CreateOptions) tea.Cmd {
	f.step = stepCreating
	f.pass[0].Blur()
	f.pass[1].Blur()
	cfg := f.c.Cfg
	paths := cfg.Paths
	if o.GenerateKeyFile {
		paths.Identity = filepath.Join(paths.Dir, vault.KeyFileIdentity)
	} else {
		paths.Identity = filepath.Join(paths.Dir, vault.PassphraseIdentity)
	}
	f.c.Cfg.Paths = paths
	return tea.Batch(f.spin.start(f.c), func() tea.Msg {
		v, err := vault.Create(paths, o, vault.Options{Now: cfg.Now})
		if err != nil {
			return unlockFailedMsg{err}
		}
		return unlockedMsg{v: v, created: true}
	})
}

func (f *firstRun) View() string {
	s := f.c.Styles
	w := f.width
	var b strings.Builder
	b.WriteString("\n  " + s.Title.Render("Welcome to ztm") + s.Subtle.Render("  the Zoho token manager") + "\n\n")
	switch f.step {
	case stepWelcome:
		b.WriteString(wrapIndent("ztm keeps the client ids and secrets, refresh tokens and access tokens of your Zoho orgs, in every data center, in one encrypted file:", w, "  ") + "\n\n")
		b.WriteString("    " + s.Accent.Render(model.Printable(f.c.Cfg.Paths.Vault)) + "\n\n")
		b.WriteString(wrapIndent("It is encrypted with age and only ever decrypted in memory: nothing is written to disk in plaintext. Choose what unlocks it:", w, "  ") + "\n\n")
		b.WriteString(wrapIndent(s.Key.Render(keyName(f.c.Keys.ChoosePassphrase))+"  a passphrase "+s.Faint.Render("(typed when ztm starts; scripts can use ZTM_PASSPHRASE)"), w, "  ") + "\n")
		b.WriteString(wrapIndent(s.Key.Render(keyName(f.c.Keys.ChooseKeyFile))+"  a key file   "+s.Faint.Render("(identity.txt beside the vault: nothing to type; keep it private)"), w, "  ") + "\n")
		b.WriteString("\n" + wrapIndent(s.Faint.Render("An existing age identity or SSH key works too: quit and start ztm with ZTM_IDENTITY pointing at it, after ztm vault init --identity KEY."), w, "  ") + "\n")
	case stepPassphrase:
		b.WriteString(wrapIndent("Choose a passphrase. It cannot be recovered: without it the vault cannot be opened.", w, "  ") + "\n\n")
		b.WriteString("  " + f.pass[0].View() + "\n")
		if p := f.pass[0].Value(); p != "" {
			label, level := strength(p)
			styles := []lipgloss.Style{s.Error, s.Warn, s.Urgency[model.UrgencySoon], s.OK}
			b.WriteString("  " + s.Faint.Render("strength: ") + styles[level].Render(label) + "\n")
		} else {
			b.WriteString("\n")
		}
		b.WriteString("  " + f.pass[1].View() + "\n")
	case stepCreating:
		b.WriteString("  " + f.spin.View() + " creating the vault…\n")
	}
	if f.err != "" {
		b.WriteString("\n" + wrapIndent(s.Error.Render(model.Printable(f.err)), w, "  ") + "\n")
	}
	return b.String()
}

// strength grades a passphrase by a rough entropy estimate: the size of
// the alphabet it draws on, to the power of its length. It is a hint, not
// a rule: only the minimum length is enforced. Levels: 0 too short, 1 weak,
// 2 fair, 3 strong.
func strength(p string) (string, int) {
	var lower, upper, digit, other bool
	for _, r := range p {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	alphabet := 0
	for _, n := range []struct {
		on   bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {other, 33}} {
		if n.on {
			alphabet += n.size
		}
	}
	n := len([]rune(p))
	bits := float64(n) * math.Log2(float64(max(alphabet, 2)))
	switch {
	case n < minPassphrase:
		return "too short", 0
	case bits < 50:
		return "weak: add a word or two", 1
	case bits < 75:
		return "fair", 2
	}
	return "strong", 3
}
