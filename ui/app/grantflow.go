package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"ztm/model"
	"ztm/oauth"
)

// DefaultLoopbackWait is how long a loopback grant waits for the browser
// to come back when [GrantHooks.Wait] is zero: Zoho's redirect codes live
// two or three minutes, and a person may need a while to sign in first.
const DefaultLoopbackWait = 5 * time.Minute

// GrantStage names what a grant in progress is doing, for a progress line.
type GrantStage string

// The stages a [GrantFlow] reports through [GrantHooks.Progress].
const (
	// StageConsentURL: the consent page is ready (Step.URL); for a loopback
	// grant ztm already listens for the answer.
	StageConsentURL GrantStage = "consent-url"
	// StageBrowser: ztm asked the system to open Step.URL; Step.Err says
	// it could not, and the person opens it themselves.
	StageBrowser GrantStage = "browser"
	// StageWaiting: the loopback receiver waits (Step.Deadline).
	StageWaiting GrantStage = "waiting"
	// StageDeviceCode: the device flow's user code is ready (Step.Device).
	StageDeviceCode GrantStage = "device-code"
	// StageDevicePoll: one device poll did not finish yet (Step.Poll).
	StageDevicePoll GrantStage = "device-poll"
	// StageOtherDC: the code came from another data center than the
	// profile's (Step.DC), where it is exchanged.
	StageOtherDC GrantStage = "other-dc"
	// StageExchanging: a grant is being exchanged and saved.
	StageExchanging GrantStage = "exchanging"
)

// GrantStep is one report of a grant in progress.
type GrantStep struct {
	Stage GrantStage
	// URL is the consent page (StageConsentURL, StageBrowser).
	URL string
	// Err is why the browser could not be opened (StageBrowser).
	Err error
	// Deadline is when the loopback wait gives up (StageWaiting).
	Deadline time.Time
	// Device is the user code and where to type it (StageDeviceCode).
	Device oauth.DeviceCode
	// Poll is the latest device poll (StageDevicePoll).
	Poll oauth.DevicePoll
	// DC is where a code from another data center is exchanged (StageOtherDC).
	DC model.DataCenter
}

// GrantHooks are what a face lends a [GrantFlow]: where to report, how to
// read what the person pastes, how to open a browser. Every field may be
// nil.
type GrantHooks struct {
	// Progress is told each stage.
	Progress func(GrantStep)
	// Paste reads a line the person pastes: the Self Client code, or the
	// URL the browser landed on. what says which, for a prompt. Without
	// it the self and paste grants fail.
	Paste func(what string) (string, error)
	// OpenURL opens the consent page in a browser; nil shows it only.
	OpenURL func(url string) error
	// Wait bounds the loopback wait; zero means [DefaultLoopbackWait].
	Wait time.Duration
	// Repaste, when set, is told why a pasted code or URL cannot be used
	// (it does not parse, answers another consent, names an unknown
	// server); true asks Paste again in the same flow, so a person who
	// mistyped keeps the consent in progress. Nil ends the flow with the
	// error.
	Repaste func(err error) bool
	// PasteInstead lets a loopback grant take the URL the browser landed
	// on through Paste while it listens, for a browser on another machine:
	// whichever answers first wins. Paste must then return once the flow
	// has ended (its context is done).
	PasteInstead bool
}

func (h GrantHooks) report(st GrantStep) {
	if h.Progress != nil {
		h.Progress(st)
	}
}

// What [GrantHooks.Paste] is asked for.
const (
	PasteCode = "grant code (or the URL the browser landed on)"
	PasteURL  = "the URL the browser landed on"
)

// ErrNoPaste means a grant needs something pasted and the face gave no
// way to read it.
var ErrNoPaste = errors.New("this grant needs a code or URL pasted, and there is no way to read one")

// GrantFlow gets a grant for a profile by the path its settings imply
// (model.Profile.GrantMethod) and saves the profile with its tokens, or
// saves nothing. It is the one grant flow of both faces: a new profile
// (ID 0) is created, an existing one keeps its history and its replaced
// refresh token is revoked (see [Session.SaveGrant]). Cancelling ctx
// (Ctrl+C) stops a wait or a poll at once and saves nothing.
type GrantFlow struct {
	s *Session
	// Profile is the profile the grant is for, as it will be saved.
	Profile model.Profile
	// Orig, for an edit that needs a new consent, is the profile as
	// stored: a rename is made just before the new tokens are saved.
	Orig *model.Profile
	// Hooks are the face's.
	Hooks GrantHooks
	// Method, when set, is the grant path to take instead of the one the
	// profile implies: a server-based client with a loopback redirect may
	// still paste the URL the browser landed on (consent from another
	// machine). [GrantFlow.Run] refuses a path the client cannot take.
	Method model.GrantMethod
}

// NewGrantFlow prepares a grant for p.
func (s *Session) NewGrantFlow(p model.Profile, h GrantHooks) *GrantFlow {
	return &GrantFlow{s: s, Profile: p, Hooks: h}
}

// Run gets the grant and saves the profile with its tokens; the profile
// returned is the one saved.
func (g *GrantFlow) Run(ctx context.Context) (model.Profile, error) {
	m, err := GrantFor(g.Profile, g.Method)
	if err != nil {
		return g.Profile, err
	}
	switch m {
	case model.GrantClientCredentials:
		r, err := g.s.Zoho.ClientCredentials(ctx, g.Profile)
		if err != nil {
			return g.Profile, err
		}
		return g.saveResult(ctx, r)
	case model.GrantDeviceFlow:
		return g.device(ctx)
	case model.GrantLoopback:
		return g.loopback(ctx)
	case model.GrantPasteURL:
		return g.pasteURL(ctx)
	}
	return g.selfCode(ctx)
}

func (g *GrantFlow) selfCode(ctx context.Context) (model.Profile, error) {
	gr, err := g.readGrant(PasteCode, "")
	if err != nil {
		return g.Profile, err
	}
	return g.exchange(ctx, gr, "")
}

// readGrant reads a pasted code or URL until one can be used, or
// [GrantHooks.Repaste] gives up: a grant that answers another consent or
// names a server that is not Zoho's is refused before any secret leaves.
func (g *GrantFlow) readGrant(what, state string) (oauth.Grant, error) {
	for {
		pasted, err := g.paste(what)
		if err != nil {
			return oauth.Grant{}, err
		}
		gr, err := oauth.ParsePasted(pasted, state, g.s.DCs)
		if err == nil {
			err = g.s.CheckGrant(g.Profile, gr)
		}
		if err == nil {
			return gr, nil
		}
		if g.Hooks.Repaste == nil || !g.Hooks.Repaste(err) {
			return oauth.Grant{}, err
		}
	}
}

func (g *GrantFlow) pasteURL(ctx context.Context) (model.Profile, error) {
	c, err := g.s.Zoho.NewConsent(g.Profile, oauth.ConsentOptions{PKCE: true})
	if err != nil {
		return g.Profile, err
	}
	g.Hooks.report(GrantStep{Stage: StageConsentURL, URL: c.URL})
	g.openBrowser(c.URL)
	gr, err := g.readGrant(PasteURL, c.State)
	if err != nil {
		return g.Profile, err
	}
	return g.exchange(ctx, gr, c.Verifier)
}

func (g *GrantFlow) loopback(ctx context.Context) (model.Profile, error) {
	c, err := g.s.Zoho.NewConsent(g.Profile, oauth.ConsentOptions{PKCE: true})
	if err != nil {
		return g.Profile, err
	}
	// Listen before the browser opens: a fast consent must not find the
	// port closed.
	r, err := oauth.Listen(g.Profile.RedirectURI, c.State)
	if err != nil {
		return g.Profile, err
	}
	defer r.Close()
	wait := g.Hooks.Wait
	if wait <= 0 {
		wait = DefaultLoopbackWait
	}
	g.Hooks.report(GrantStep{Stage: StageConsentURL, URL: c.URL})
	g.openBrowser(c.URL)
	// The receiver's deadline is the wall clock's: it waits in real time
	// whatever clock the session reads.
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	deadline, _ := wctx.Deadline()
	g.Hooks.report(GrantStep{Stage: StageWaiting, Deadline: deadline})
	gr, err := g.catch(wctx, r, c.State)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return g.Profile, fmt.Errorf("no answer from the browser within %s: %w; try again, and consent within the time (the page must come back to %s)",
			wait.Round(time.Second), err, g.Profile.RedirectURI)
	}
	if err != nil {
		return g.Profile, err
	}
	return g.exchange(ctx, gr, c.Verifier)
}

func (g *GrantFlow) device(ctx context.Context) (model.Profile, error) {
	d, err := g.s.Zoho.StartDevice(ctx, g.Profile)
	if err != nil {
		return g.Profile, err
	}
	g.Hooks.report(GrantStep{Stage: StageDeviceCode, Device: d})
	r, err := g.s.Zoho.PollDevice(ctx, g.Profile, d, func(p oauth.DevicePoll) {
		g.Hooks.report(GrantStep{Stage: StageDevicePoll, Poll: p})
	})
	if err != nil {
		return g.Profile, err
	}
	return g.saveResult(ctx, r)
}

// catch waits for the browser to come back to r, or, with
// [GrantHooks.PasteInstead], for the URL it landed on to be pasted.
func (g *GrantFlow) catch(ctx context.Context, r *oauth.Receiver, state string) (oauth.Grant, error) {
	if !g.Hooks.PasteInstead || g.Hooks.Paste == nil {
		return r.Wait(ctx)
	}
	type answer struct {
		gr  oauth.Grant
		err error
	}
	pasted := make(chan answer, 1)
	go func() {
		gr, err := g.readGrant(PasteURL, state)
		pasted <- answer{gr, err}
	}()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	caught := make(chan answer, 1)
	go func() {
		gr, err := r.Wait(wctx)
		caught <- answer{gr, err}
	}()
	select {
	case a := <-caught:
		return a.gr, a.err
	case a := <-pasted:
		cancel()
		<-caught
		return a.gr, a.err
	}
}

// exchange checks where the grant came from, then exchanges and saves it.
func (g *GrantFlow) exchange(ctx context.Context, gr oauth.Grant, verifier string) (model.Profile, error) {
	if err := g.s.CheckGrant(g.Profile, gr); err != nil {
		return g.Profile, err
	}
	if dc, ok := gr.OtherDC(g.Profile, g.s.DCs); ok {
		g.Hooks.report(GrantStep{Stage: StageOtherDC, DC: dc})
	}
	if err := g.rename(ctx); err != nil {
		return g.Profile, err
	}
	g.Hooks.report(GrantStep{Stage: StageExchanging})
	return g.s.SaveGrant(ctx, g.Profile, gr, verifier)
}

func (g *GrantFlow) saveResult(ctx context.Context, r oauth.Result) (model.Profile, error) {
	if err := g.rename(ctx); err != nil {
		return g.Profile, err
	}
	g.Hooks.report(GrantStep{Stage: StageExchanging})
	return g.s.SaveResult(ctx, g.Profile, r)
}

// rename renames an edited profile once its grant is in hand, so that a
// failed consent leaves the old name.
func (g *GrantFlow) rename(ctx context.Context) error {
	if g.Orig == nil || g.Orig.Name == g.Profile.Name {
		return nil
	}
	return g.s.Rename(ctx, g.Orig.Name, g.Profile.Name)
}

func (g *GrantFlow) paste(what string) (string, error) {
	if g.Hooks.Paste == nil {
		return "", ErrNoPaste
	}
	return g.Hooks.Paste(what)
}

func (g *GrantFlow) openBrowser(url string) {
	if g.Hooks.OpenURL == nil {
		return
	}
	g.Hooks.report(GrantStep{Stage: StageBrowser, URL: url, Err: g.Hooks.OpenURL(url)})
}

// GrantFor is the grant path p takes when want is asked for (empty: the
// one its settings imply). A path its client type cannot take is a usage
// error that names the ones it can: the client type is registered in the
// API Console, and changing it is an edit, not a consent.
func GrantFor(p model.Profile, want model.GrantMethod) (model.GrantMethod, error) {
	own := p.GrantMethod()
	if want == "" || want == own {
		return own, nil
	}
	ok := false
	var can string
	switch p.ClientType {
	case model.ServerClient:
		_, _, loop := model.LoopbackRedirect(p.RedirectURI)
		ok = want == model.GrantPasteURL || want == model.GrantLoopback && loop
		can = "paste"
		if loop {
			can = "loopback or paste"
		}
	case model.SelfClient:
		can = string(own)
	case model.NonBrowserClient:
		can = "device"
	}
	if !ok {
		return "", usageError{fmt.Errorf("%s is a %s client, whose grant is %s, not %s; change the client with an edit first",
			p.Name, p.ClientType.Label(), can, want)}
	}
	return want, nil
}
