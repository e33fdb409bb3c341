package oauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"ztm/assets"
	"ztm/model"
)

// DataCentersEnv names the environment variable that points at a JSON file
// of extra or overriding data centers, in the format of
// assets/datacenters.json.
const DataCentersEnv = "ZTM_DATACENTERS"

// LoadDataCenters returns the built-in data centers, then applies the file
// named by ZTM_DATACENTERS, if any: an entry with a known id changes only
// the fields it sets; a new id adds a data center. getenv is os.Getenv in
// production; nil means no environment.
//
// This is how a new Zoho data center, or a fake one for a demo, is used
// without a rebuild.
func LoadDataCenters(getenv func(string) string) (model.DataCenters, error) {
	dcs, err := model.ParseDataCenters(assets.DataCentersJSON)
	if err != nil {
		return model.DataCenters{}, fmt.Errorf("built-in data centers: %w", err)
	}
	if getenv == nil {
		return dcs, nil
	}
	path := getenv(DataCentersEnv)
	if path == "" {
		return dcs, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return model.DataCenters{}, fmt.Errorf("%s: %w", DataCentersEnv, err)
	}
	var list []model.DataCenter
	if err := json.Unmarshal(data, &list); err != nil {
		return model.DataCenters{}, fmt.Errorf("%s names %s, which is not a JSON list of data centers%s: fix the file or unset %s",
			DataCentersEnv, path, jsonWhere(data, err), DataCentersEnv)
	}
	for _, dc := range list {
		if err := dcs.Put(dc); err != nil {
			return model.DataCenters{}, fmt.Errorf("%s (%s): %w", DataCentersEnv, path, err)
		}
	}
	return dcs, nil
}

// jsonWhere says where a JSON error is, as " (line 3: ...)".
func jsonWhere(data []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var off int64
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	default:
		return " (" + err.Error() + ")"
	}
	line := 1
	for _, b := range data[:min(int(off), len(data))] {
		if b == '\n' {
			line++
		}
	}
	return fmt.Sprintf(" (line %d: %v)", line, err)
}
