package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
)

// maxBody bounds a request body: the largest is an age header's stanzas.
const maxBody = 1 << 20

// Handler is the HTTP API. With agent set it trusts every request as the
// owner (the socket's listener checked the peer's uid) and adds the
// agent-only endpoints under /agent/; without it every token request needs
// a reader's bearer credential.
//
//	GET  /healthz                      {"status":"ok","unlocked":true}
//	GET  /metrics                      Prometheus text format
//	GET  /v1/token/{profile}?min_valid=300
//	GET  /v1/profiles
//	POST /v1/token/{profile}/renew     {"refused":"<Fingerprint>"} (Zoho refused it as dead)
//	GET  /agent/status                 (agent only) [Status]
//	POST /agent/unlock                 (agent only) {"passphrase":"..."}
//	POST /agent/lock                   (agent only)
//	POST /agent/unwrap                 (agent only) {"stanzas":[...]} -> {"file_key":"..."}
func (s *Service) Handler(agent bool) http.Handler {
	mux := http.NewServeMux()
	auth := s.bearer
	if agent {
		auth = func(h callerHandler) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if v := r.Header.Get(vaultHeader); v != "" && v != s.o.Paths.Vault {
					writeError(w, http.StatusConflict, codeOtherVault, "the agent serves "+s.o.Paths.Vault+", not "+v)
					return
				}
				h(w, r, Owner)
			}
		}
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "unlocked": s.Status().Unlocked})
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		s.metrics.write(w)
	})
	mux.HandleFunc("GET /v1/token/{profile}", auth(s.serveToken))
	mux.HandleFunc("GET /v1/profiles", auth(s.serveProfiles))
	mux.HandleFunc("POST /v1/token/{profile}/renew", auth(s.serveRenew)) // see proxy_renew.go
	if agent {
		mux.HandleFunc("GET /agent/status", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, s.Status())
		})
		mux.HandleFunc("POST /agent/unlock", s.serveUnlock)
		mux.HandleFunc("POST /agent/lock", func(w http.ResponseWriter, r *http.Request) {
			s.Lock()
			s.o.Log.Info("forgetting the key", "reason", "ztm lock")
			writeJSON(w, http.StatusOK, s.Status())
		})
		mux.HandleFunc("POST /agent/unwrap", s.serveUnwrap)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, CodeNotFound, "no such endpoint: see GET /v1/token/{profile} and GET /v1/profiles")
	})
	return mux
}

// vaultHeader names the vault an agent's client means; an agent serving
// another vault answers codeOtherVault, and the client opens its vault
// itself.
const (
	vaultHeader    = "Ztm-Vault"
	codeOtherVault = "other_vault"
)

type callerHandler func(w http.ResponseWriter, r *http.Request, c Caller)

// bearer authenticates a reader's credential.
func (s *Service) bearer(h callerHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || cred == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ztm"`)
			s.metrics.request("-", CodeUnauthorized)
			writeError(w, http.StatusUnauthorized, CodeUnauthorized, "send a reader credential: Authorization: Bearer <credential from ztm serve grant>")
			return
		}
		c, err := s.authenticate(strings.TrimSpace(cred))
		if err != nil {
			s.metrics.request(metricProfile("", resultOf(err)), resultOf(err))
			s.o.Log.Warn("token", "reader", "", "profile", r.PathValue("profile"), "result", resultOf(err))
			writeErr(w, err)
			return
		}
		h(w, r, c)
	}
}

func (s *Service) serveToken(w http.ResponseWriter, r *http.Request, c Caller) {
	minValid := time.Duration(0)
	if v := r.URL.Query().Get("min_valid"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "bad_request", "min_valid is a number of seconds, e.g. min_valid=300")
			return
		}
		minValid = time.Duration(n) * time.Second
	}
	tok, err := s.Token(r.Context(), c, r.PathValue("profile"), minValid)
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, tok)
}

func (s *Service) serveProfiles(w http.ResponseWriter, r *http.Request, c Caller) {
	ps, err := s.Profiles(c)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"profiles": ps})
}

type unlockRequest struct {
	Passphrase string `json:"passphrase"`
}

func (s *Service) serveUnlock(w http.ResponseWriter, r *http.Request) {
	var req unlockRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "send {\"passphrase\": \"...\"}")
		return
	}
	pass := req.Passphrase
	req.Passphrase = ""
	err := s.Unlock(func() (string, error) { return pass, nil })
	if err != nil {
		// The vault's sentences say what to do (wrong passphrase: try again).
		writeError(w, http.StatusUnauthorized, CodeUnauthorized, err.Error())
		return
	}
	s.o.Log.Info("unlocked", "vault", s.o.Paths.Vault)
	writeJSON(w, http.StatusOK, s.Status())
}

type unwrapRequest struct {
	Stanzas []*age.Stanza `json:"stanzas"`
}

type unwrapResponse struct {
	FileKey []byte `json:"file_key"`
}

// codeNoMatch says none of the agent's identities opens the stanzas.
const codeNoMatch = "incorrect_identity"

func (s *Service) serveUnwrap(w http.ResponseWriter, r *http.Request) {
	var req unwrapRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "send {\"stanzas\": [...]}, an age header's stanzas")
		return
	}
	key, err := s.Unwrap(req.Stanzas)
	switch {
	case errors.Is(err, age.ErrIncorrectIdentity):
		writeError(w, http.StatusUnprocessableEntity, codeNoMatch, "the agent's key does not open this file")
	case err != nil:
		writeErr(w, err)
	default:
		writeJSON(w, http.StatusOK, unwrapResponse{FileKey: key})
		clear(key)
	}
}

// Unwrap opens an age header's stanzas with the agent's identities and
// returns the file key, as an age identity plugin would: the identities
// themselves never leave the agent.
func (s *Service) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	_, release, err := s.session()
	if err != nil {
		return nil, err
	}
	defer release()
	if s.key == nil {
		return nil, fmt.Errorf("%w: this service was started without a key to unwrap with", ErrLocked)
	}
	for _, id := range s.key.Identities() {
		key, err := id.Unwrap(stanzas)
		if errors.Is(err, age.ErrIncorrectIdentity) {
			continue
		}
		return key, err
	}
	return nil, age.ErrIncorrectIdentity
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

type errorBody struct {
	Code  string `json:"code"`
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorBody{Code: code, Error: msg})
}

func writeErr(w http.ResponseWriter, err error) {
	status, code := classify(err)
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	msg := err.Error()
	switch code {
	case CodeUnavailable:
		msg = "the service cannot read its vault right now: " + msg
	case CodeStoreDown:
		// The detail (the database's host and user) stays in the
		// service's log: a reader on another machine needs none of it.
		msg = "the token server cannot reach its vault's PostgreSQL and this token needs a refresh: " +
			"tokens still valid are served meanwhile; retry in a few seconds, or ask the server's owner to check PostgreSQL"
	}
	writeError(w, status, code, msg)
}
