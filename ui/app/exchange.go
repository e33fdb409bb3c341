package app

import (
	"context"
	"fmt"

	"filippo.io/age"

	"ztm/model"
	"ztm/vault"
)

// Export seals the named profiles (every profile when names is empty) to
// recipients; with plaintext set and no recipients it returns the JSON
// itself. It returns the bytes and how many profiles they hold.
func (s *Session) Export(names []string, recipients []age.Recipient, arm, plaintext bool) ([]byte, int, error) {
	profiles, err := s.Vault.Profiles()
	if err != nil {
		return nil, 0, err
	}
	b, err := NewBundle(profiles, names, s.Now())
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", vault.ErrNoProfile, err)
	}
	plain, err := b.Marshal()
	if err != nil {
		return nil, 0, err
	}
	if plaintext {
		return plain, len(b.Profiles), nil
	}
	defer clear(plain)
	data, err := Seal(plain, recipients, arm)
	return data, len(b.Profiles), err
}

// Imported says what [Session.Import] did, by profile name.
type Imported struct {
	Added, Replaced, Skipped []string
}

// Import stores a bundle's profiles in one save: new names are added,
// taken names skipped, or replaced when replace is set. Every profile is
// checked first; one bad entry imports nothing.
func (s *Session) Import(ctx context.Context, b Bundle, replace bool) (Imported, error) {
	var ps []model.Profile
	for _, bp := range b.Profiles {
		p, err := bp.Profile(s.DCs)
		if err != nil {
			return Imported{}, fmt.Errorf("%w: %v; nothing was imported", ErrNotBundle, err)
		}
		ps = append(ps, p)
	}
	var out Imported
	detail := "from a bundle exported " + b.ExportedAt.Format("2006-01-02 15:04")
	err := s.Vault.Update(ctx, func(tx *vault.Tx) error {
		out = Imported{}
		for _, p := range ps {
			done, err := importOne(tx, p, replace)
			if err != nil {
				return fmt.Errorf("%s: %w", p.Name, err)
			}
			switch done {
			case "skipped":
				out.Skipped = append(out.Skipped, p.Name)
				continue
			case "replaced":
				out.Replaced = append(out.Replaced, p.Name)
			default:
				out.Added = append(out.Added, p.Name)
			}
			if err := tx.AddEvent(model.Event{Profile: p.Name, Kind: model.EventImport, Detail: detail}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func importOne(tx *vault.Tx, p model.Profile, replace bool) (string, error) {
	old, err := tx.Profile(p.Name)
	if err != nil {
		return "added", tx.CreateProfile(&p)
	}
	if !replace {
		return "skipped", nil
	}
	p.ID = old.ID
	if err := tx.UpdateProfile(&p); err != nil {
		return "", err
	}
	if p.Token != nil {
		return "replaced", tx.SetToken(p.Name, *p.Token)
	}
	return "replaced", tx.ClearToken(p.Name)
}
