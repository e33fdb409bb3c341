package tui

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/oauth"
	"ztm/ui/app"
)

// loopbackWait bounds the wait for the browser to come back: a consent
// nobody finishes must not hold the port for ever.
const loopbackWait = 15 * time.Minute

// The grant flow of one attempt runs app.GrantFlow, the one grant flow of
// both faces, in its own goroutine. The wizard sees it as messages: each
// GrantStep, each time the flow asks for a paste, and its end. The flow
// hands over one message at a time (an unbuffered channel), so nothing it
// said is lost or reordered, and it never runs ahead of the screen.

// Messages of a grant flow, wrapped by tagged for the path of the attempt.
type (
	// flowStepMsg is one step the flow reported.
	flowStepMsg struct{ step app.GrantStep }
	// flowAskMsg says the flow waits for a paste; err is why the last one
	// was refused. waiting says the flow waits on the browser too.
	flowAskMsg struct {
		what    string
		err     error
		waiting bool
	}
	// flowDoneMsg is the flow's end: the profile saved, or why not.
	flowDoneMsg struct {
		p   model.Profile
		err error
	}
)

// flowRun is one attempt's flow as the wizard drives it.
type flowRun struct {
	from    grantPath
	cancel  context.CancelFunc
	events  chan tea.Msg
	answers chan string
	done    chan struct{}
	result  flowDoneMsg // set before done closes

	// Read only by the flow's goroutines.
	refused atomic.Pointer[error]
	waiting atomic.Bool

	// The wizard's: reads out, a paste asked for, the end seen, and a
	// paste submitted before the flow asked for it.
	reads       int
	asked, over bool
	early       *string
}

// startFlow runs the grant for the wizard's profile along from's path;
// ctx ends the attempt. The first message is read in the foreground: the
// flow gets it without waiting on a person or a browser.
func (w *wizard) startFlow(ctx context.Context, from grantPath) (*flowRun, tea.Cmd) {
	ctx, cancel := context.WithCancel(ctx)
	r := &flowRun{from: from, cancel: cancel, events: make(chan tea.Msg),
		answers: make(chan string), done: make(chan struct{})}
	p := w.profile
	p.Token = nil
	if w.orig != nil {
		p.Token = w.orig.Token // so the old refresh token is retired
	}
	flow := w.c.App.NewGrantFlow(p, r.hooks(ctx, w.c.Cfg.OpenURL))
	flow.Method = from.about().method
	if w.orig != nil && w.orig.Name != p.Name {
		orig := *w.orig
		flow.Orig = &orig
	}
	go func() {
		defer close(r.done)
		saved, err := flow.Run(ctx)
		r.result = flowDoneMsg{saved, err}
		cancel() // a paste still asked for ends with the flow
	}()
	return r, r.read()
}

// hooks are what the dashboard lends the flow.
func (r *flowRun) hooks(ctx context.Context, open func(string) error) app.GrantHooks {
	return app.GrantHooks{
		Progress: func(st app.GrantStep) {
			switch st.Stage {
			case app.StageWaiting:
				r.waiting.Store(true)
			case app.StageExchanging:
				r.waiting.Store(false)
			}
			r.send(ctx, flowStepMsg{st})
		},
		Paste: func(what string) (string, error) {
			var err error
			if e := r.refused.Swap(nil); e != nil {
				err = *e
			}
			if !r.send(ctx, flowAskMsg{what: what, err: err, waiting: r.waiting.Load()}) {
				return "", ctx.Err()
			}
			select {
			case s := <-r.answers:
				return s, nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		},
		// A mistyped paste is asked again; a declined consent is final.
		Repaste: func(err error) bool {
			if errors.Is(err, oauth.ErrAccessDenied) {
				return false
			}
			r.refused.Store(&err)
			return true
		},
		OpenURL: func(url string) error {
			// A hung opener must not hang the flow: it goes on in the
			// background while the screen shows the URL.
			octx, cancel := context.WithTimeout(ctx, uiTimeout)
			defer cancel()
			err := within(octx, func() error { return open(url) })
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				err = errors.New("no answer in " + uiTimeout.String())
			}
			return err
		},
		Wait:         loopbackWait,
		PasteInstead: true,
	}
}

// send hands msg to the wizard, unless the attempt ended.
func (r *flowRun) send(ctx context.Context, msg tea.Msg) bool {
	select {
	case r.events <- tagged(r.from, msg):
		return true
	case <-ctx.Done():
		return false
	}
}

// read answers the flow's next message, or its end.
func (r *flowRun) read() tea.Cmd {
	return func() tea.Msg {
		select {
		case m := <-r.events:
			return m
		case <-r.done:
			return tagged(r.from, r.result)
		}
	}
}

// answer gives the flow what the person pasted and, with read, reads
// what it does with it: it asks again, or goes on to the exchange.
func (r *flowRun) answer(text string, read bool) tea.Cmd {
	return func() tea.Msg {
		select {
		case r.answers <- text:
		case <-r.done:
			if read {
				return tagged(r.from, r.result)
			}
			return nil
		}
		if !read {
			return nil
		}
		return r.read()()
	}
}

// stop cancels the flow and waits for it to end: nothing it holds (a
// listener, a poll) outlives the attempt.
func (r *flowRun) stop() {
	r.cancel()
	<-r.done
}

// flowMsg takes one message of the attempt's flow and reads the next: in
// the background when the flow waits on a browser or on Zoho's device
// poll for as long as it takes, at once otherwise.
func (w *wizard) flowMsg(msg tea.Msg) tea.Cmd {
	r := w.run
	r.reads--
	switch m := msg.(type) {
	case flowDoneMsg:
		if r.over {
			return nil
		}
		r.over = true
		if m.err != nil {
			return w.fail(m.err)
		}
		return w.saved(savedProfileMsg{p: m.p})
	case flowAskMsg:
		if w.step != wsGrant {
			// A paste asked for as the browser came back: the flow has
			// gone on to the exchange, whose end is still to be read.
			return w.readFlow(false)
		}
		r.asked = true
		cmd := w.path.update(m)
		if r.early != nil {
			text := *r.early
			r.early = nil
			cmd = tea.Batch(cmd, w.submitPaste(text))
		}
		if m.waiting {
			return tea.Batch(cmd, w.readFlow(true))
		}
		return cmd
	case flowStepMsg:
		var cmd tea.Cmd
		switch m.step.Stage {
		case app.StageOtherDC:
			w.exchNote = fmt.Sprintf("the code came from %s, not %s: ztm exchanges it there and keeps the profile in %s",
				m.step.DC.ID, dcLabel(w.profile), m.step.DC.ID)
		case app.StageExchanging:
			cmd = w.exchanging()
		default:
			cmd = w.path.update(m)
		}
		switch m.step.Stage {
		case app.StageWaiting, app.StageDeviceCode, app.StageDevicePoll:
			return tea.Batch(cmd, w.readFlow(true))
		}
		return tea.Batch(cmd, w.readFlow(false))
	}
	return nil
}

// readFlow reads the flow's next message, unless a read is out already.
func (w *wizard) readFlow(background bool) tea.Cmd {
	r := w.run
	if r == nil || r.over || r.reads > 0 {
		return nil
	}
	r.reads++
	if background {
		return w.c.background(r.read())
	}
	return r.read()
}

// exchanging shows the exchange: the grant is in hand, the step's keys
// and countdown are over, and the flow saves.
func (w *wizard) exchanging() tea.Cmd {
	w.path.stop()
	w.tickGen++
	w.step, w.note = wsExchange, w.exchNote
	w.doing = "saving " + w.profile.Name
	if w.path.about().code {
		w.doing = "exchanging the code at " + w.exchangeServer()
	}
	return w.spin.start(w.c)
}

// submitPaste hands what the person pasted to the flow, which asked for
// it; what it says next (asks again, or exchanges) is read at once.
func (w *wizard) submitPaste(text string) tea.Cmd {
	r := w.run
	if r == nil {
		return nil
	}
	if !r.asked {
		// The flow is still on its way to asking (making the consent
		// page): it gets the paste as it asks.
		r.early = &text
		return nil
	}
	r.asked, w.note = false, ""
	if r.reads > 0 {
		// A read is out already (the loopback listens): it gets the answer.
		return r.answer(text, false)
	}
	r.reads++
	return r.answer(text, true)
}

// refused shows why the flow refused a paste, which it asks for again
// with the paste kept in its box.
func (w *wizard) refused(m flowAskMsg) {
	if m.err != nil {
		w.note = m.err.Error()
	}
}

// browserStep shows whether the flow could open the consent page; copy
// is the key that copies it.
func (w *wizard) browserStep(st app.GrantStep, copy *key.Binding) {
	w.browserAnswered(browserMsg{url: st.URL, copyKey: keyName(*copy), err: st.Err})
}
