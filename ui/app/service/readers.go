package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"ztm/vault"
)

// readersKey is the vault setting that holds every reader credential's
// hash and scope, as one JSON object keyed by name: one setting keeps a
// grant and a listing to one read.
const readersKey = "readers"

// credentialPrefix marks a reader credential, so a leaked one is easy to
// recognise in a scan.
const credentialPrefix = "ztmr_"

// reader is what the vault keeps of a credential: never the credential.
type reader struct {
	Hash    string    `json:"hash"` // hex SHA-256 of the credential
	Globs   []string  `json:"globs"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires,omitzero"`
}

// ReaderInfo describes a reader credential for `ztm serve grants`.
type ReaderInfo struct {
	Name    string
	Globs   []string
	Created time.Time
	// Expires is zero for a credential that does not expire.
	Expires time.Time
}

// Expired reports whether the credential no longer works at now.
func (r ReaderInfo) Expired(now time.Time) bool { return !r.Expires.IsZero() && !now.Before(r.Expires) }

// ErrNoReader means no reader credential has that name.
var ErrNoReader = errors.New("no such reader credential")

// GrantOptions describe a new reader credential.
type GrantOptions struct {
	// Globs are the profiles it may read (path.Match patterns); required.
	Globs []string
	// TTL is how long it works; zero means until revoked.
	TTL time.Duration
	// Rand is the randomness; nil means crypto/rand.
	Rand io.Reader
}

// validReaderName is ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$, written out: that
// regular expression, compiled at start-up, cost every ztm process 0.4 ms
// (its bounded repeat expands to 64 copies), a twentieth of ztm token.
func validReaderName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i, c := range []byte(name) {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}

// Grant creates (or replaces) reader credential name and returns the
// credential, which is shown once: the vault keeps only its hash. A server
// running on the vault sees it at its next request.
func Grant(ctx context.Context, v *vault.Vault, name string, o GrantOptions) (string, error) {
	if !validReaderName(name) {
		return "", fmt.Errorf("%q is not a reader name: use letters, digits, '.', '_' or '-' (up to 64)", name)
	}
	if len(o.Globs) == 0 {
		return "", errors.New("a credential needs --profiles: name the profiles it may read, e.g. --profiles 'crm-*'")
	}
	rnd := o.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	raw := make([]byte, 32)
	if _, err := io.ReadFull(rnd, raw); err != nil {
		return "", fmt.Errorf("cannot make a credential: %w", err)
	}
	cred := credentialPrefix + base64.RawURLEncoding.EncodeToString(raw)
	err := v.Update(ctx, func(tx *vault.Tx) error {
		all, err := loadReaders(tx)
		if err != nil {
			return err
		}
		r := reader{Hash: hashOf(cred), Globs: o.Globs, Created: tx.Now()}
		if o.TTL > 0 {
			r.Expires = tx.Now().Add(o.TTL)
		}
		all[name] = r
		return storeReaders(tx, all)
	})
	if err != nil {
		return "", err
	}
	return cred, nil
}

// Revoke deletes reader credential name; a server stops accepting it at
// its next request.
func Revoke(ctx context.Context, v *vault.Vault, name string) error {
	return v.Update(ctx, func(tx *vault.Tx) error {
		all, err := loadReaders(tx)
		if err != nil {
			return err
		}
		if _, ok := all[name]; !ok {
			return fmt.Errorf("%w %q: ztm serve grants lists them", ErrNoReader, name)
		}
		delete(all, name)
		return storeReaders(tx, all)
	})
}

// Grants lists the reader credentials by name, without secrets.
func Grants(v *vault.Vault) ([]ReaderInfo, error) {
	var out []ReaderInfo
	err := v.View(func(tx *vault.Tx) error {
		all, err := loadReaders(tx)
		for name, r := range all {
			out = append(out, ReaderInfo{Name: name, Globs: r.Globs, Created: r.Created, Expires: r.Expires})
		}
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// ParseGlobs reads --profiles: comma-separated path.Match patterns.
func ParseGlobs(s string) ([]string, error) {
	var out []string
	for _, g := range strings.Split(s, ",") {
		if g = strings.TrimSpace(g); g == "" {
			continue
		}
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("%q is not a profile pattern (use * and ?, e.g. crm-*): %v", g, err)
		}
		out = append(out, g)
	}
	if len(out) == 0 {
		return nil, errors.New("--profiles is empty: name the profiles the credential may read, e.g. 'crm-*,books-eu'")
	}
	return out, nil
}

// ParseExpiry reads --expires: a Go duration ("12h") or days ("30d");
// empty means never.
func ParseExpiry(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return 0, fmt.Errorf("--expires %q: give days (30d) or hours (12h)", s)
}

func hashOf(cred string) string {
	h := sha256.Sum256([]byte(cred))
	return hex.EncodeToString(h[:])
}

func loadReaders(tx *vault.Tx) (map[string]reader, error) {
	raw, _, err := tx.Setting(readersKey)
	if err != nil {
		return nil, err
	}
	return parseReaders(raw)
}

func parseReaders(raw string) (map[string]reader, error) {
	all := map[string]reader{}
	if raw == "" {
		return all, nil
	}
	if err := json.Unmarshal([]byte(raw), &all); err != nil {
		return nil, fmt.Errorf("the vault's reader credentials are unreadable (%v): revoke and grant them again", err)
	}
	return all, nil
}

func storeReaders(tx *vault.Tx, all map[string]reader) error {
	if len(all) == 0 {
		return tx.SetSetting(readersKey, "")
	}
	b, err := json.Marshal(all)
	if err != nil {
		return err
	}
	return tx.SetSetting(readersKey, string(b))
}

// readerCache keeps the parsed readers of the setting's last value, so a
// request parses JSON only after a grant or a revoke.
type readerCache struct {
	mu  sync.Mutex
	raw string
	all map[string]reader

	recheck recheckGate
}

// A server on a vault in PostgreSQL hears of a grant by a notification,
// a few milliseconds after it is saved: a credential used at once could
// be refused. So an unknown credential makes the server ask the database
// once before refusing; at most once per recheckEvery, so a flood of wrong
// credentials costs the database a few small reads a second, and waits
// at most recheckTimeout on a database that does not answer.
const (
	recheckEvery   = 250 * time.Millisecond
	recheckTimeout = 2 * time.Second
)

// recheckGate runs a recheck at most once per recheckEvery. Callers that
// arrive while one runs wait for it, and its answer serves them too.
type recheckGate struct {
	mu   sync.Mutex
	last time.Time // when the last recheck ended
}

// do runs fn unless a recheck ended less than recheckEvery ago by now.
func (g *recheckGate) do(now func() time.Time, fn func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.last.IsZero() && now().Sub(g.last) < recheckEvery {
		return nil
	}
	err := fn()
	g.last = now()
	return err
}

var errUnauthorized = errors.New("unauthorized")

// authenticate finds the reader whose hash matches cred. Every stored hash
// is compared, in constant time, so timing says nothing of which one
// nearly matched.
func (s *Service) authenticate(cred string) (Caller, error) {
	sess, release, err := s.sessionQuiet()
	if err != nil {
		return Caller{}, err
	}
	defer release()
	// A grant or revoke by another process shows up here: one stat, or
	// the PostgreSQL listener's last word.
	if _, err := sess.Vault.ReloadIfChanged(); err != nil {
		return Caller{}, err
	}
	all, err := s.currentReaders(sess.Vault)
	if err != nil {
		return Caller{}, err
	}
	found := matchReader(all, cred)
	if found == "" {
		// Granted a moment ago, perhaps, with the word still on its way.
		err := s.readers.recheck.do(s.now, func() error {
			_, err := sess.Vault.Recheck(context.Background(), recheckTimeout)
			return err
		})
		if err != nil {
			return Caller{}, err
		}
		if all, err = s.currentReaders(sess.Vault); err != nil {
			return Caller{}, err
		}
		found = matchReader(all, cred)
	}
	if found == "" {
		return Caller{}, fmt.Errorf("%w: the credential is not one this server knows (revoked, or mistyped)", errUnauthorized)
	}
	r := all[found]
	if !r.Expires.IsZero() && !s.now().Before(r.Expires) {
		return Caller{}, fmt.Errorf("%w: credential %s expired at %s; ask for a new one (ztm serve grant)", errUnauthorized, found, r.Expires.Format(time.RFC3339))
	}
	return Caller{Reader: found, Globs: r.Globs}, nil
}

// currentReaders are the readers of the vault as loaded, parsed once per
// value of the setting.
func (s *Service) currentReaders(v *vault.Vault) (map[string]reader, error) {
	var raw string
	if err := v.View(func(tx *vault.Tx) error {
		var err error
		raw, _, err = tx.Setting(readersKey)
		return err
	}); err != nil {
		return nil, err
	}
	c := &s.readers
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.all == nil || raw != c.raw {
		all, err := parseReaders(raw)
		if err != nil {
			return nil, err
		}
		c.raw, c.all = raw, all
	}
	return c.all, nil
}

// matchReader is the name of the reader whose hash is cred's, or "".
func matchReader(all map[string]reader, cred string) string {
	want := sha256.Sum256([]byte(cred))
	var found string
	for name, r := range all {
		h, err := hex.DecodeString(r.Hash)
		if err == nil && subtle.ConstantTimeCompare(h, want[:]) == 1 {
			found = name
		}
	}
	return found
}
