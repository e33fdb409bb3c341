package vault

import "ztm/model"

// Profiles returns every profile as loaded in memory, sorted by name.
func (v *Vault) Profiles() ([]model.Profile, error) {
	var out []model.Profile
	err := v.View(func(tx *Tx) error {
		var err error
		out, err = tx.Profiles()
		return err
	})
	return out, err
}

// Profile returns one profile as loaded in memory.
func (v *Vault) Profile(name string) (model.Profile, error) {
	var p model.Profile
	err := v.View(func(tx *Tx) error {
		var err error
		p, err = tx.Profile(name)
		return err
	})
	return p, err
}

// Info describes the vault as loaded in memory.
func (v *Vault) Info() (Info, error) {
	var in Info
	err := v.View(func(tx *Tx) error {
		var err error
		in, err = tx.Info()
		return err
	})
	return in, err
}
