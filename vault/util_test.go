package vault

import (
	"errors"
	"strings"
	"ztm/model"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func contains(err error, s string) bool { return err != nil && strings.Contains(err.Error(), s) }

func eventsOf(v *Vault, profile string) ([]model.Event, error) {
	var out []model.Event
	err := v.View(func(tx *Tx) error {
		var err error
		out, err = tx.Events(profile, 1<<20)
		return err
	})
	return out, err
}
