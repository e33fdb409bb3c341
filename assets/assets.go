// Package assets holds the data ztm embeds in its binary: the table of
// Zoho data centers, the scope catalogue, and the pages the loopback
// receiver serves. Keeping them as files lets them change without code.
package assets

import _ "embed"

// DataCentersJSON is the built-in table of Zoho data centers; see
// [model.ParseDataCenters].
//
//go:embed datacenters.json
var DataCentersJSON []byte
