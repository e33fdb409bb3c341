package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/vault"
)

// Verdict is what a checkup concludes about one profile.
type Verdict string

// The verdicts, from best to worst for the exit code: an unhealthy
// profile is a refusal (Zoho said no, or cannot be asked), an unreachable
// one could not be checked.
const (
	Healthy     Verdict = "healthy"
	Unreachable Verdict = "unreachable"
	Unhealthy   Verdict = "unhealthy"
)

// SkewWarning is how far the local clock may be from Zoho's before a
// checkup says so: expiry is stamped with the local clock, so a clock that
// far off makes tokens look fresher or staler than they are by as much.
const SkewWarning = time.Minute

// GrantWarning is how many of Zoho's 20 refresh tokens per client ztm may
// hold before a checkup warns that the next consents will delete the
// oldest.
const GrantWarning = vault.MaxRefreshTokens - 2

// probeMargin is how long the access token must stay valid for the
// liveness call to be worth making with it: less, and a refresh comes
// first, or the call could race the expiry.
const probeMargin = time.Minute

// Checkup is what [Session.Checkup] found for one profile. It holds no
// secret: a face may print any of it, or all of it as JSON.
type Checkup struct {
	Profile string
	DC      string
	Account string
	Verdict Verdict
	// TokenState is "valid", "expiring" (under 5 minutes left), "expired"
	// or "none" (no access token), after the checkup's refresh if any.
	TokenState string
	ExpiresAt  time.Time
	// RefreshToken is the refresh token's health as stored.
	RefreshToken model.Health
	// Budget is the profile's refresh budget after the checkup.
	Budget model.RefreshBudget
	// Refreshed says the checkup spent one refresh (never more).
	Refreshed bool
	// Refusal is the last refusal known: Zoho's during this checkup, or
	// the one stored from an earlier refresh. Nil when there is none.
	Refusal *Refusal
	// Skew is Zoho's clock minus the local one, when SkewKnown (measured
	// from the Date header of an answer during the checkup).
	Skew      time.Duration
	SkewKnown bool
	// Grants counts the refresh tokens ztm holds for the profile's client.
	Grants vault.GrantCount
	// Probe is the liveness call, nil when none was made.
	Probe *ProbeResult
	// Problems say why the profile is not healthy, each with the way out.
	Problems []string
	// Notes are warnings that do not make it unhealthy.
	Notes []string
	// Err is the error behind the verdict, if any, for a face's exit code.
	Err error `json:"-"`
}

// Refusal is a refresh that Zoho refused (or that could not be made).
type Refusal struct {
	// At is when it happened; zero when unknown.
	At time.Time
	// Error is the sentence ztm stored or got, never a secret.
	Error string
	// WayOut says what to do; empty when Error says it already.
	WayOut string
}

// CheckupOptions tune [Session.Checkup].
type CheckupOptions struct {
	// BeforeRefresh is called just before the checkup spends a refresh,
	// with the budget used so far, so a face can say so first.
	BeforeRefresh func(name string, b model.RefreshBudget)
}

// checkup is one profile's checkup in progress.
type checkup struct {
	s     *Session
	o     CheckupOptions
	c     Checkup
	p     model.Profile
	start time.Time
}

// Checkup examines one profile the way a person would before trusting it:
// its token and expiry, its refresh budget, the last refusal with the way
// out, the clock skew against Zoho, how many of the client's 20 refresh
// tokens ztm knows of, and a liveness call to the product's cheapest
// endpoint when the scopes allow one ([oauth.LivenessProbe]), whose
// refusals are explained ([oauth.ClassifyAPIError]).
//
// It spends at most one refresh: when the access token has expired, or
// when the liveness call says it is dead, and only within Zoho's budget;
// BeforeRefresh hears of it first. A refresh token Zoho already refused
// is not tried again. The error is for failures to read the vault (no
// such profile); what Zoho said is in the Checkup.
func (s *Session) Checkup(ctx context.Context, name string, o CheckupOptions) (Checkup, error) {
	k := &checkup{s: s, o: o, start: s.Now()}
	if err := k.load(name); err != nil {
		return Checkup{}, err
	}
	k.run(ctx)
	k.finish()
	return k.c, nil
}

// load reads the profile, its budget, its client's grants and its last
// stored refusal.
func (k *checkup) load(name string) error {
	return k.s.Vault.View(func(tx *vault.Tx) error {
		p, err := tx.Profile(name)
		if err != nil {
			return err
		}
		k.p = p
		k.c.Profile, k.c.DC, k.c.Account = p.Name, dcName(p, k.s.DCs), p.Account
		if k.c.Budget, err = tx.RefreshBudget(p.Name); err != nil {
			return err
		}
		if k.c.Grants, err = tx.LiveGrants(p.ClientID); err != nil {
			return err
		}
		if p.Token == nil || p.Token.LastError == "" {
			return nil
		}
		k.c.Refusal = &Refusal{Error: p.Token.LastError, WayOut: k.wayOut(p.Token.RefreshHealth())}
		evs, err := tx.Events(p.Name, 20)
		for _, e := range evs {
			if e.Kind == model.EventFailure {
				k.c.Refusal.At = e.At
				break
			}
		}
		return err
	})
}

// run decides on the refresh and makes the liveness call.
func (k *checkup) run(ctx context.Context) {
	p := k.p
	switch {
	case p.Token == nil && !CanRefresh(p):
		k.unhealthy(vault.ErrNoToken, fmt.Sprintf("%s has no tokens yet: %s", p.Name, k.consent("to get them")))
		return
	case p.Token != nil && p.Token.RefreshHealth() == model.HealthRevoked:
		k.unhealthy(model.ErrRefreshRevoked, fmt.Sprintf("Zoho refused %s's refresh token: %s", p.Name, k.consent("to get a new one")))
	}
	if p.Token == nil || !p.Token.ValidFor(k.s.Now(), probeMargin) {
		if !k.refresh(ctx, "the access token has expired") {
			return
		}
	}
	k.probe(ctx)
}

// refresh spends the checkup's one refresh, if it may; it reports whether
// the token is worth a liveness call afterwards.
func (k *checkup) refresh(ctx context.Context, why string) bool {
	p := k.p
	switch {
	case k.c.Refreshed:
		return false
	case k.c.Verdict == Unhealthy && errors.Is(k.c.Err, model.ErrRefreshRevoked):
		return false // Zoho said so already: asking again spends budget on the same answer
	case !CanRefresh(p):
		k.unhealthy(vault.ErrNoToken, fmt.Sprintf("%s and %s has no refresh token: %s", why, p.Name, k.consent("to get new tokens")))
		return false
	case k.c.Budget.Left == 0:
		k.unhealthy(vault.ErrBudget, fmt.Sprintf("%s, but %s used Zoho's 10 refreshes in 10 minutes: try again after %s",
			why, p.Name, k.c.Budget.NextFree.Local().Format(time.TimeOnly)))
		return false
	}
	if k.o.BeforeRefresh != nil {
		k.o.BeforeRefresh(p.Name, k.c.Budget)
	}
	out, err := k.s.Refresh(ctx, []string{p.Name}, RefreshOptions{Force: true})
	if err == nil && len(out) == 1 {
		err = out[0].Err
	}
	k.c.Refreshed = true
	if err != nil {
		k.c.Refusal = &Refusal{At: k.s.Now(), Error: err.Error()}
		if oauth.IsNetwork(err) {
			k.unreachable(err, fmt.Sprintf("could not refresh %s: %v", p.Name, err))
		} else {
			k.unhealthy(err, fmt.Sprintf("could not refresh %s: %v", p.Name, err))
		}
		return false
	}
	k.p, k.c.Budget = out[0].Profile, out[0].Budget
	k.c.Refusal = nil
	return true
}

// finish fills in what the steps leave: the token's state, the skew and
// the notes, and the verdict of a profile nothing went wrong with.
func (k *checkup) finish() {
	now := k.s.Now()
	k.c.TokenState, k.c.RefreshToken = "none", model.HealthMissing
	if t := k.p.Token; t != nil {
		k.c.RefreshToken, k.c.ExpiresAt = t.RefreshHealth(), t.ExpiresAt
		switch rem := t.Remaining(now); {
		case t.AccessToken == "":
		case rem <= 0:
			k.c.TokenState = "expired"
		case rem < model.CriticalThreshold:
			k.c.TokenState = "expiring"
		default:
			k.c.TokenState = "valid"
		}
	}
	if !k.c.SkewKnown && k.c.Refreshed {
		// The refresh's answer measured it; without one, what the meter
		// holds is another call's.
		if skew, at, ok := k.s.Zoho.Skew.Last(); ok && !at.Before(k.start) {
			k.c.Skew, k.c.SkewKnown = skew, true
		}
	}
	if k.c.SkewKnown && (k.c.Skew >= SkewWarning || k.c.Skew <= -SkewWarning) {
		k.note("the local clock is %s Zoho's: expiry times are off by as much; set the clock (NTP)", skewWords(k.c.Skew))
	}
	if g := k.c.Grants; g.Live >= GrantWarning {
		k.note("ztm holds %d of Zoho's %d refresh tokens for this client: each consent past %d silently deletes the oldest (%s's)",
			g.Live, vault.MaxRefreshTokens, vault.MaxRefreshTokens, g.OldestProfile)
	}
	if k.p.Token != nil && k.p.Token.RefreshToken == "" && !k.p.ClientCredentials && k.c.Verdict == "" {
		k.note("%s has no refresh token (online access): when the access token expires, %s", k.p.Name, k.consent("get new tokens"))
	}
	if k.c.Verdict == "" {
		k.c.Verdict = Healthy
	}
}

// unhealthy records a refusal; it outranks being unreachable.
func (k *checkup) unhealthy(err error, problem string) {
	k.c.Verdict, k.c.Err = Unhealthy, err
	k.c.Problems = append(k.c.Problems, problem)
}

// unreachable records that Zoho could not be asked.
func (k *checkup) unreachable(err error, problem string) {
	if k.c.Verdict != Unhealthy {
		k.c.Verdict, k.c.Err = Unreachable, err
	}
	k.c.Problems = append(k.c.Problems, problem)
}

func (k *checkup) note(format string, a ...any) {
	k.c.Notes = append(k.c.Notes, fmt.Sprintf(format, a...))
}

// consent says how to get a new grant, in the face's words when it gave
// them.
func (k *checkup) consent(what string) string {
	if k.s.ConsentHow != nil {
		return what + ", " + k.s.ConsentHow(k.p.Name)
	}
	return what + ", consent again (a new grant)"
}

// wayOut says what to do after a stored refusal of this kind.
func (k *checkup) wayOut(h model.Health) string {
	switch h {
	case model.HealthRevoked:
		return k.consent("Zoho no longer accepts the refresh token; to get a new one")
	case model.HealthThrottled:
		return "wait: Zoho allows 10 refreshes per 10 minutes per refresh token"
	}
	return ""
}

// dcName names the profile's data center for people.
func dcName(p model.Profile, dcs model.DataCenters) string {
	if p.DC != "" {
		return p.DC
	}
	return dcs.Describe(p.AccountsServer)
}

// skewWords says a skew the way people do: "3m0s behind" (the local clock
// is behind Zoho's) or "2m0s ahead of".
func skewWords(skew time.Duration) string {
	if skew >= 0 {
		return skew.String() + " behind"
	}
	return (-skew).String() + " ahead of"
}
