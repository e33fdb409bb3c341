package tui

import (
	"errors"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"ztm/model"
	"ztm/vault"
)

// unlock asks for the passphrase, or unlocks at once when the key needs
// none (identity file, SSH key without passphrase, ZTM_PASSPHRASE).
type unlock struct {
	c       *Common
	input   textinput.Model
	spin    busy
	asking  bool   // the passphrase prompt is shown
	busy    bool   // scrypt or decryption in progress
	what    string // what the passphrase is for
	err     error
	fatal   bool // the vault cannot be opened whatever is typed
	attempt int
	width   int
}

// errNeedPassphrase is returned by the first, silent unlock attempt when
// the key is passphrase-protected.
var errNeedPassphrase = errors.New("a passphrase is needed")

// needPassMsg shows the prompt.
type needPassMsg struct{}

func newUnlock(c *Common) *unlock {
	in := c.newInput()
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
	in.Prompt = "Passphrase: "
	in.CharLimit = 1024
	return &unlock{c: c, input: in, spin: newBusy(c, spinner.Dot), busy: true}
}

func (u *unlock) restyle() {
	u.c.styleInput(&u.input)
	u.spin.restyle(u.c)
}

func (u *unlock) Init() tea.Cmd {
	// First try without asking: key files, SSH keys and ZTM_PASSPHRASE need
	// no prompt.
	env := u.c.Cfg.Getenv(vault.EnvPassphrase)
	open := openCmd(u.c.Cfg, func() (string, error) {
		if env != "" {
			return env, nil
		}
		return "", errNeedPassphrase
	})
	return tea.Batch(u.spin.start(u.c), u.fromAgent(open))
}

// agentTimeout bounds asking a running agent for the key: an agent that
// does not answer must not keep the dashboard from asking.
const agentTimeout = 5 * time.Second

// fromAgent opens the vault with the key a running agent holds (ztm
// unlock: no prompt, no scrypt), and runs otherwise, when there is no
// agent, it is locked or it serves another vault.
func (u *unlock) fromAgent(otherwise tea.Cmd) tea.Cmd {
	cfg := u.c.Cfg
	if cfg.AgentKey == nil {
		return otherwise
	}
	ctx, cancel := u.c.withTimeout(agentTimeout)
	return func() tea.Msg {
		key, err := cfg.AgentKey(ctx, cfg.Paths)
		cancel()
		if err != nil {
			return otherwise()
		}
		v, err := vault.Open(cfg.Paths, key, openOptions(cfg))
		if err != nil {
			return otherwise()
		}
		return unlockedMsg{v: v}
	}
}

// openCmd loads the key and opens the vault.
func openCmd(cfg Config, pass vault.PassphraseFunc) tea.Cmd {
	return func() tea.Msg {
		key, err := vault.LoadKey(cfg.Paths.Identity, pass)
		if errors.Is(err, errNeedPassphrase) {
			return needPassMsg{}
		}
		if err != nil {
			return unlockFailedMsg{err}
		}
		v, err := vault.Open(cfg.Paths, key, openOptions(cfg))
		if err != nil {
			return unlockFailedMsg{err}
		}
		return unlockedMsg{v: v}
	}
}

// openOptions open the vault lazily: the dashboard reads rows, which
// decrypts only the chunks they are in and keeps no decrypted copy of the
// whole vault in memory (at 100,000 profiles, tens of megabytes); its
// first change loads the vault fully, as every change does.
func openOptions(cfg Config) vault.Options {
	return vault.Options{Now: cfg.Now, Lazy: true}
}

func (u *unlock) SetSize(w, h int) {
	u.width = w
	u.input.SetWidth(min(w-16, 48))
}

func (u *unlock) Capturing() bool { return u.asking && !u.busy }

func (u *unlock) Help() []key.Binding {
	if u.fatal {
		return []key.Binding{u.c.Keys.Quit}
	}
	return []key.Binding{u.c.Keys.Unlock, u.c.Keys.ForceQuit}
}

func (u *unlock) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case needPassMsg:
		u.busy, u.asking = false, true
		u.spin.stop()
		u.what = "the vault"
		if !strings.HasSuffix(u.c.Cfg.Paths.Identity, ".age") {
			u.what = "the SSH key " + model.Printable(u.c.Cfg.Paths.Identity)
		}
		return u, u.input.Focus()
	case unlockFailedMsg:
		u.busy, u.err = false, msg.err
		u.spin.stop()
		u.input.SetValue("")
		if !errors.Is(msg.err, vault.ErrWrongPassphrase) {
			// Not a typo: retyping will not help.
			u.fatal, u.asking = true, false
			u.input.Blur()
			return u, nil
		}
		return u, u.input.Focus()
	case spinFrameMsg:
		cmd, _ := u.spin.frame(u.c, msg)
		return u, cmd
	case tea.KeyPressMsg:
		if u.fatal && key.Matches(msg, u.c.Keys.Quit) {
			return u, tea.Quit
		}
		if !u.asking || u.busy {
			return u, nil
		}
		if key.Matches(msg, u.c.Keys.Unlock) {
			pass := u.input.Value()
			if pass == "" {
				return u, nil
			}
			u.busy, u.err = true, nil
			u.attempt++
			u.input.Blur()
			return u, tea.Batch(u.spin.start(u.c), openCmd(u.c.Cfg, func() (string, error) { return pass, nil }))
		}
		var cmd tea.Cmd
		u.input, cmd = u.input.Update(msg)
		return u, cmd
	}
	return u, nil
}

func (u *unlock) View() string {
	s := u.c.Styles
	var b strings.Builder
	b.WriteString("\n  " + s.Title.Render("ztm") + s.Subtle.Render("  Zoho token manager") + "\n\n")
	b.WriteString("  " + s.Faint.Render(model.Printable(u.c.Cfg.Paths.Vault)) + "\n\n")
	switch {
	case u.fatal:
		b.WriteString("  " + s.Error.Render("The vault cannot be opened.") + "\n\n")
		b.WriteString(wrapIndent(model.Printable(u.err.Error()), u.width, "  ") + "\n\n")
		b.WriteString("  " + s.Faint.Render("Nothing was changed. "+keyName(u.c.Keys.Quit)+" quits.") + "\n")
		return b.String()
	case u.busy && !u.asking:
		b.WriteString("  " + u.spin.View() + " opening…\n")
		return b.String()
	}
	b.WriteString("  Unlock " + u.what + "\n\n")
	b.WriteString("  " + u.input.View() + "\n")
	switch {
	case u.busy:
		b.WriteString("\n  " + u.spin.View() + " unlocking…\n")
	case u.err != nil:
		b.WriteString("\n" + wrapIndent(s.Error.Render("Wrong passphrase.")+" Try again: passphrases are case-sensitive.", u.width, "  ") + "\n")
	}
	return b.String()
}

// wrapIndent wraps text to width with an indent on every line.
func wrapIndent(text string, width int, indent string) string {
	w := max(width-len(indent)-1, 20)
	lines := strings.Split(lipgloss.Wrap(text, w, " "), "\n")
	for i := range lines {
		lines[i] = indent + lines[i]
	}
	return strings.Join(lines, "\n")
}
