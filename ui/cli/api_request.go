package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"ztm/model"
	"ztm/ui/app"
)

// request builds the call from the options: headers, fields (a query for
// GET and DELETE, else a JSON body) or --input.
func (o *APIOptions) request() (app.APIRequest, error) {
	req := app.APIRequest{Profile: o.Profile, Target: o.Target, Method: strings.ToUpper(o.Method), Header: http.Header{}}
	for _, h := range o.Headers {
		name, value, ok := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") || strings.ContainsAny(value, "\r\n") {
			return req, usagef("-H %q: give a header as 'Name: value'", cut(h))
		}
		if strings.EqualFold(name, "Authorization") {
			return req, usagef("-H Authorization: ztm sends the profile's own token; leave the header out")
		}
		req.Header.Add(name, strings.TrimSpace(value))
	}
	fields, err := o.fields()
	if err != nil {
		return req, err
	}
	if len(fields) > 0 && o.Input != "" {
		return req, usagef("give fields (-f, -F) or --input, not both")
	}
	if req.Method == "" {
		req.Method = http.MethodGet
		if (len(fields) > 0 || o.Input != "") && !o.Paginate {
			req.Method = http.MethodPost
		}
	}
	if o.Paginate && req.Method != http.MethodGet {
		return req, usagef("--paginate follows GET requests only")
	}
	switch {
	case o.Input != "":
		if req.Body, err = o.openInput(); err != nil {
			return req, err
		}
	case len(fields) == 0:
	case req.Method == http.MethodGet || req.Method == http.MethodDelete:
		req.Target, err = withQuery(req.Target, fields)
		if err != nil {
			return req, err
		}
	default:
		obj := map[string]any{}
		for _, f := range fields {
			obj[f.key] = f.value
		}
		data, err := json.Marshal(obj)
		if err != nil {
			return req, usagef("the fields do not make JSON: %v", err)
		}
		req.Body = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		if req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	return req, nil
}

type field struct {
	key   string
	value any
}

// fields parses -f (strings) and -F (typed) in the order given.
func (o *APIOptions) fields() ([]field, error) {
	var out []field
	for _, kv := range o.RawFields {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usagef("-f %q: give key=value", cut(kv))
		}
		out = append(out, field{k, v})
	}
	for _, kv := range o.TypedFields {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usagef("-F %q: give key=value", cut(kv))
		}
		val, err := typedValue(v)
		if err != nil {
			return nil, err
		}
		out = append(out, field{k, val})
	}
	return out, nil
}

// typedValue reads -F's value as gh does: true, false, null, integers,
// and @FILE for a file's contents (JSON when it parses as JSON).
func typedValue(v string) (any, error) {
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	if name, ok := strings.CutPrefix(v, "@"); ok {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, usagef("-F @%s: %v", cut(name), err)
		}
		if json.Valid(data) {
			return json.RawMessage(data), nil
		}
		return string(data), nil
	}
	return v, nil
}

// withQuery adds fields to a path's or URL's query.
func withQuery(target string, fields []field) (string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", usagef("%s is not a path or URL: %v", model.Echo(target), err)
	}
	q := u.Query()
	for _, f := range fields {
		s, ok := f.value.(string)
		if !ok {
			b, _ := json.Marshal(f.value)
			s = string(b)
		}
		q.Add(f.key, s)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
