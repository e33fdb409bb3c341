package oauth

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"ztm/assets"
	"ztm/model"
)

// Receiver catches the consent redirect on the loopback address of a
// registered redirect URI (http://localhost:PORT/path). Start it with
// [Listen] before the browser opens, so a fast consent cannot arrive at a
// closed port; then [Receiver.Wait]; then [Receiver.Close].
type Receiver struct {
	path   string
	state  string
	page   *template.Template
	srv    *http.Server
	result chan outcome
	done   atomic.Bool
	close  sync.Once
}

type outcome struct {
	g   Grant
	err error
}

// portInUseError is the busy-port error; it matches ErrPortInUse.
type portInUseError struct{ port int }

func (e portInUseError) Error() string {
	return fmt.Sprintf("port %d is in use: close what uses it or register another redirect port", e.port)
}

func (e portInUseError) Is(target error) bool { return target == ErrPortInUse }

// Listen binds the redirect URI's port on loopback only: 127.0.0.1 and,
// where the machine has it, ::1 (browsers resolve "localhost" to either).
// state is the consent's state; answers that do not carry it are refused.
// A busy port is an error matching [ErrPortInUse].
func Listen(redirectURI, state string) (*Receiver, error) {
	port, path, ok := model.LoopbackRedirect(redirectURI)
	if !ok {
		return nil, fmt.Errorf("redirect URI %q is not of the form http://localhost:PORT/path, so ztm cannot catch it: paste the URL the browser lands on instead", redirectURI)
	}
	if state == "" {
		return nil, errors.New("loopback receiver: the consent has no state to check answers against")
	}
	page, err := template.New("callback").Parse(assets.CallbackHTML)
	if err != nil {
		return nil, fmt.Errorf("loopback receiver: callback page: %w", err)
	}
	r := &Receiver{path: path, state: state, page: page, result: make(chan outcome, 1)}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}

	u, _ := url.Parse(redirectURI) // LoopbackRedirect parsed it already
	var lns []net.Listener
	for _, host := range bindHosts(u.Hostname()) {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			if errors.Is(err, syscall.EADDRINUSE) {
				closeAll(lns)
				return nil, portInUseError{port}
			}
			if host == "::1" && len(lns) > 0 {
				continue // no IPv6 loopback here: 127.0.0.1 alone will do
			}
			closeAll(lns)
			return nil, fmt.Errorf("cannot listen on %s: %w", net.JoinHostPort(host, strconv.Itoa(port)), err)
		}
		lns = append(lns, ln)
	}
	for _, ln := range lns {
		go r.srv.Serve(ln) // returns http.ErrServerClosed on Close
	}
	return r, nil
}

// bindHosts lists the addresses to listen on for a redirect's host.
func bindHosts(host string) []string {
	switch strings.ToLower(host) {
	case "localhost":
		return []string{"127.0.0.1", "::1"}
	case "::1", "[::1]":
		return []string{"::1"}
	}
	return []string{host}
}

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		ln.Close()
	}
}

// Wait returns the grant of the first answer with the right path and
// state, or an error: a denied consent carrying the right state (matching
// [ErrAccessDenied]), or ctx's end (a timeout matches
// context.DeadlineExceeded). Wrong paths, and codes or errors with a wrong
// or missing state, get a failure page and do not end the wait.
func (r *Receiver) Wait(ctx context.Context) (Grant, error) {
	select {
	case o := <-r.result:
		return o.g, o.err
	case <-ctx.Done():
		return Grant{}, fmt.Errorf("no answer came back from the browser (%w): start the sign-in again, or paste the URL the browser landed on", ctx.Err())
	}
}

// Close stops listening. It gives the browser up to a second to receive
// its page first.
func (r *Receiver) Close() error {
	var err error
	r.close.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err = r.srv.Shutdown(ctx); err != nil {
			err = r.srv.Close()
		}
	})
	return err
}

// serve answers the browser.
func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")

	if req.URL.Path != r.path {
		r.render(w, http.StatusNotFound, false, "Not this address",
			"ztm is waiting for the sign-in on another address; this request was ignored.")
		return
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		r.render(w, http.StatusMethodNotAllowed, false, "Not this kind of request", "ztm only expects the browser to arrive here after a consent.")
		return
	}
	q := req.URL.Query()
	g := Grant{
		Code:             q.Get("code"),
		State:            q.Get("state"),
		Location:         q.Get("location"),
		Error:            q.Get("error"),
		ErrorDescription: q.Get("error_description"),
	}
	stateOK := checkState(g.State, r.state) == nil
	switch {
	case r.done.Load():
		r.render(w, http.StatusOK, true, "Already received", "ztm already has its answer; nothing more is needed here.")
	case g.Error != "" && stateOK:
		// Only a denial with our state ends the wait: any web page can send
		// the browser to this address with error=, and believing it would
		// let that page cancel the sign-in.
		g.Code = ""
		r.deliver(outcome{g, &Error{Op: "consent", Code: scrub(g.Error, nil), Description: scrub(g.ErrorDescription, nil)}})
		r.render(w, http.StatusOK, false, "Access was not granted",
			"Zoho reports that the consent was not given ("+scrub(g.Error, nil)+"). Start again from the terminal if that was a mistake.")
	case !stateOK:
		r.render(w, http.StatusBadRequest, false, "This is not the sign-in ztm started",
			"The answer carries a different state than ztm sent, so it was ignored. If you started a new sign-in, use the newest consent tab.")
	case !looksLikeCode(g.Code):
		r.render(w, http.StatusBadRequest, false, "No grant code",
			"This address was opened without a usable grant code, so it was ignored.")
	default:
		if as := q.Get("accounts-server"); as != "" {
			if err := model.ValidateServerURL(as); err != nil {
				r.deliver(outcome{Grant{}, fmt.Errorf("the redirect names an accounts server ztm will not use: %w", err)})
				r.render(w, http.StatusBadRequest, false, "Unexpected accounts server", "The redirect names an accounts server ztm will not use; see the terminal.")
				return
			}
			g.AccountsServer = model.NormalizeServerURL(as)
		}
		r.deliver(outcome{g, nil})
		r.render(w, http.StatusOK, true, "Signed in: back to the terminal",
			"ztm received the grant code and is finishing the sign-in; the terminal shows the result.")
	}
}

// deliver hands the first outcome to Wait; later ones are dropped.
func (r *Receiver) deliver(o outcome) {
	if r.done.CompareAndSwap(false, true) {
		r.result <- o
	}
}

func (r *Receiver) render(w http.ResponseWriter, status int, ok bool, title, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = r.page.Execute(w, struct {
		OK             bool
		Title, Message string
	}{ok, title, msg})
}
