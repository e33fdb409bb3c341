package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"ztm/model"
	"ztm/ui/app"
	"ztm/vault"
)

// Fingerprint names an access token without showing it: what a client
// sends to say which token Zoho refused ([Service.Renew]).
func Fingerprint(accessToken string) string {
	h := sha256.Sum256([]byte(accessToken))
	return hex.EncodeToString(h[:])
}

// Renew answers a caller whose access token (refused: its [Fingerprint])
// Zoho refused as dead: if the profile's stored token is already another
// one (someone renewed it meanwhile) that one is returned; otherwise the
// token is refreshed, once for every caller that asks meanwhile, even
// though it has not expired by the clock. A refusal is remembered and
// shared like any other, so a revoked grant costs Zoho one attempt.
func (s *Service) Renew(ctx context.Context, c Caller, profile, refused string) (Token, error) {
	tok, err := s.renew(ctx, c, profile, refused)
	result := resultOf(err)
	s.metrics.request(metricProfile(profile, result), result)
	attrs := []any{"reader", c.name(), "profile", profile, "result", result, "renew", true}
	if err != nil {
		attrs = append(attrs, "err", err.Error())
	}
	s.o.Log.Log(ctx, levelOf(err), "token", attrs...)
	return tok, err
}

func (s *Service) renew(ctx context.Context, c Caller, profile, refused string) (Token, error) {
	if !c.May(profile) {
		return Token{}, fmt.Errorf("%w: %s matches none of %q; ask for a credential that covers it (ztm serve grant)", ErrNotAllowed, profile, c.Globs)
	}
	sess, release, err := s.session()
	if err != nil {
		return Token{}, err
	}
	// Another process may have renewed it: one stat tells.
	_, err = sess.Vault.ReloadIfChanged()
	p, perr := sess.Vault.Profile(profile)
	release()
	if err != nil {
		return Token{}, err
	}
	if perr == nil && p.Token != nil && Fingerprint(p.Token.AccessToken) != refused && p.Token.ValidFor(s.now(), 0) {
		return tokenOf(p), nil
	}
	// Its own flight: a forced refresh must not be answered by a plain
	// one that found the (dead) token valid by the clock.
	f, err := s.flights.do(ctx, "renew\x00"+profile, func(ctx context.Context) (vault.Fresh, error) {
		return s.forced(ctx, sess, profile)
	})
	if err != nil {
		return Token{}, err
	}
	return tokenOf(f.Profile), nil
}

// forced refreshes profile whatever its expiry says, counting the cost as
// fresh does.
func (s *Service) forced(ctx context.Context, sess *app.Session, profile string) (vault.Fresh, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sess != sess {
		return vault.Fresh{}, ErrLocked
	}
	out, err := sess.Refresh(ctx, []string{profile}, app.RefreshOptions{Force: true})
	if err != nil {
		return vault.Fresh{}, err
	}
	f := out[0]
	s.metrics.budget(profile, f.Budget)
	if f.Refreshed || isRefusal(f.Err) {
		s.metrics.refresh(profile, f.Err)
	}
	return f, f.Err
}

type renewRequest struct {
	Refused string `json:"refused"`
}

// serveRenew is POST /v1/token/{profile}/renew {"refused": fingerprint}.
func (s *Service) serveRenew(w http.ResponseWriter, r *http.Request, c Caller) {
	var req renewRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil || len(req.Refused) != 64 {
		writeError(w, http.StatusBadRequest, "bad_request", `send {"refused": "<hex SHA-256 of the refused access token>"}`)
		return
	}
	tok, err := s.Renew(r.Context(), c, r.PathValue("profile"), req.Refused)
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, tok)
}

// Renew asks the service for a new token because Zoho refused
// accessToken as dead (only its [Fingerprint] is sent).
func (c *Client) Renew(ctx context.Context, profile, accessToken string) (Token, error) {
	var t Token
	err := c.do(ctx, http.MethodPost, "/v1/token/"+url.PathEscape(profile)+"/renew", renewRequest{Refused: Fingerprint(accessToken)}, &t)
	return t, err
}

// APITokens is c as the token source of `ztm api`: the agent or a token
// server hands out the tokens and does the one renewal, so the command
// never needs the vault's key.
func (c *Client) APITokens() app.TokenSource { return clientTokens{c} }

type clientTokens struct{ c *Client }

// Target reads the profile's host from the list the credential may read,
// which carries no token.
func (t clientTokens) Target(ctx context.Context, name string) (model.Profile, error) {
	ps, err := t.c.Profiles(ctx)
	if err != nil {
		return model.Profile{}, err
	}
	for _, p := range ps {
		if p.Name == name {
			return model.Profile{Name: p.Name, DC: p.DC, APIDomain: p.APIDomain}, nil
		}
	}
	return model.Profile{}, &Error{Status: http.StatusNotFound, Code: CodeNoProfile,
		Message: fmt.Sprintf("no profile %s that %s may read: ztm list shows the names", model.Echo(name), t.c.where)}
}

func (t clientTokens) Token(ctx context.Context, name string, minValid time.Duration) (string, error) {
	tok, err := t.c.Token(ctx, name, minValid)
	return tok.AccessToken, err
}

func (t clientTokens) Renew(ctx context.Context, name, refused string) (string, error) {
	tok, err := t.c.Renew(ctx, name, refused)
	return tok.AccessToken, err
}
