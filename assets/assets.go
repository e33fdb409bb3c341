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

// CallbackHTML is the html/template page the loopback receiver serves after
// a consent, for success and failure alike. It takes .OK (bool), .Title and
// .Message, loads nothing from the network, and sends the user back to the
// terminal.
//
//go:embed callback.html
var CallbackHTML string

// ScopesJSON is the catalogue of common scopes per Zoho product that the
// guided set-up offers; see ui's scope picker.
//
//go:embed scopes.json
var ScopesJSON []byte
