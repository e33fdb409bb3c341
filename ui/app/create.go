package app

import (
	"context"
	"fmt"

	"ztm/model"
	"ztm/vault"
)

// Create stores a new profile without tokens, for a grant obtained later
// (`ztm add` without a code, then a new consent in the dashboard). A name
// already taken is refused, whatever its case.
func (s *Session) Create(ctx context.Context, p model.Profile) (model.Profile, error) {
	p.ID, p.Token = 0, nil
	if err := p.Validate(); err != nil {
		return p, usageError{err}
	}
	err := s.Vault.Update(ctx, func(tx *vault.Tx) error {
		if _, err := tx.Profile(p.Name); err == nil {
			return fmt.Errorf("%w: %q; pick another name, or delete the old profile first", vault.ErrProfileExists, p.Name)
		}
		return tx.CreateProfile(&p)
	})
	return p, err
}
