package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"

	"ztm/oauth"
)

// maxPage bounds one page's body: CRM and Books send at most 200 records.
const maxPage = 32 << 20

// ErrNoPaging means --paginate was asked of an API whose paging ztm does
// not know.
var ErrNoPaging = errors.New("no known paging")

// page is what one page says about itself: its records and how to ask
// for the next one (nil when it was the last).
type page struct {
	records []json.RawMessage
	next    url.Values
}

// Paginate follows CRM's paging (info.more_records, with page or
// page_token) or Books' (page_context.has_more_page, page) from req on,
// and writes one JSON array of every page's records to w as each page
// arrives: CRM's "data", Books' array named after the resource. It holds
// one page at a time. An error answer stops it: the array written so far
// is closed, and that answer is returned (its body unread) for the caller
// to show; a nil response means every page was written.
func (c *APIClient) Paginate(ctx context.Context, req APIRequest, w io.Writer) (*APIResponse, error) {
	if req.Method != "" && req.Method != http.MethodGet {
		return nil, fmt.Errorf("%w: --paginate follows GET requests only", ErrNoPaging)
	}
	if err := PrecheckTarget(c.DCs, req.Target); err != nil {
		return nil, err
	}
	p, err := c.Tokens.Target(ctx, req.Profile)
	if err != nil {
		return nil, err
	}
	u, err := ResolveTarget(p, c.DCs, req.Target)
	if err != nil {
		return nil, err
	}
	prod, _ := oauth.ProductOf(u)
	if prod != oauth.CRM && prod != oauth.Books {
		return nil, fmt.Errorf("%w for %s: --paginate follows CRM (/crm/...) and Books (/books/...) lists; drop it and page by hand", ErrNoPaging, u.Path)
	}
	aw := &arrayWriter{w: w}
	for {
		resp, err := c.send(ctx, req, u)
		if err != nil {
			return nil, errors.Join(err, aw.close())
		}
		if resp.Status == http.StatusNoContent {
			resp.Body.Close()
			return nil, aw.close()
		}
		if resp.Status/100 != 2 {
			return resp, aw.close()
		}
		pg, err := readPage(prod, u, resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, errors.Join(err, aw.close())
		}
		for _, r := range pg.records {
			if err := aw.write(r); err != nil {
				return nil, err
			}
		}
		if pg.next == nil || len(pg.records) == 0 {
			return nil, aw.close()
		}
		next := *u
		next.RawQuery = pg.next.Encode()
		if next.RawQuery == u.RawQuery {
			return nil, errors.Join(fmt.Errorf("%s named the same page again: stopped to avoid a loop", u.Path), aw.close())
		}
		u = &next
	}
}

// readPage decodes one page of prod's list answer and works out the next
// page's query from u's.
func readPage(prod oauth.Product, u *url.URL, body io.Reader) (page, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxPage+1))
	if err != nil {
		return page{}, &oauth.NetworkError{Op: "read a page", Server: u.Host, Err: err}
	}
	if len(data) > maxPage {
		return page{}, fmt.Errorf("a page of %s is larger than %d MiB: lower per_page", u.Path, maxPage>>20)
	}
	if prod == oauth.CRM {
		return crmPage(u, data)
	}
	return booksPage(u, data)
}

func crmPage(u *url.URL, data []byte) (page, error) {
	var b struct {
		Data []json.RawMessage `json:"data"`
		Info struct {
			MoreRecords   bool   `json:"more_records"`
			NextPageToken string `json:"next_page_token"`
			Page          int    `json:"page"`
		} `json:"info"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return page{}, fmt.Errorf("%s did not answer a CRM list (%v): --paginate needs one", u.Path, err)
	}
	pg := page{records: b.Data}
	if !b.Info.MoreRecords {
		return pg, nil
	}
	q := u.Query()
	if b.Info.NextPageToken != "" {
		// Past CRM's first 2,000 records only page_token reaches.
		q.Del("page")
		q.Set("page_token", b.Info.NextPageToken)
	} else {
		q.Del("page_token")
		q.Set("page", strconv.Itoa(nextPage(q, b.Info.Page)))
	}
	pg.next = q
	return pg, nil
}

func booksPage(u *url.URL, data []byte) (page, error) {
	var b map[string]json.RawMessage
	if err := json.Unmarshal(data, &b); err != nil {
		return page{}, fmt.Errorf("%s did not answer a Books list (%v): --paginate needs one", u.Path, err)
	}
	var ctx struct {
		HasMorePage bool `json:"has_more_page"`
		Page        int  `json:"page"`
	}
	if raw, ok := b["page_context"]; ok {
		if err := json.Unmarshal(raw, &ctx); err != nil {
			return page{}, fmt.Errorf("%s sent a page_context ztm cannot read (%v)", u.Path, err)
		}
	}
	key := booksArray(b, path.Base(u.Path))
	if key == "" {
		return page{}, fmt.Errorf("%s answered no list of records: --paginate follows Books lists such as /books/v3/invoices", u.Path)
	}
	var pg page
	if err := json.Unmarshal(b[key], &pg.records); err != nil {
		return page{}, fmt.Errorf("%s sent %q that is not a list (%v)", u.Path, key, err)
	}
	if ctx.HasMorePage {
		q := u.Query()
		q.Set("page", strconv.Itoa(nextPage(q, ctx.Page)))
		pg.next = q
	}
	return pg, nil
}

// booksArray names the field holding a Books list: the resource's name
// (invoices), else the only array in the answer.
func booksArray(b map[string]json.RawMessage, resource string) string {
	if raw, ok := b[resource]; ok && isArray(raw) {
		return resource
	}
	found := ""
	for k, raw := range b {
		if isArray(raw) {
			if found != "" {
				return ""
			}
			found = k
		}
	}
	return found
}

func isArray(raw json.RawMessage) bool {
	t := bytes.TrimLeft(raw, " \t\r\n")
	return len(t) > 0 && t[0] == '['
}

// nextPage is the page after the one the answer named (or the query
// asked for, when the answer names none).
func nextPage(q url.Values, answered int) int {
	if answered > 0 {
		return answered + 1
	}
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	return n + 1
}

// arrayWriter streams records as one JSON array.
type arrayWriter struct {
	w     io.Writer
	n     int
	ended bool
}

func (a *arrayWriter) write(rec json.RawMessage) error {
	sep := ","
	if a.n == 0 {
		sep = "["
	}
	a.n++
	if _, err := io.WriteString(a.w, sep); err != nil {
		return err
	}
	_, err := a.w.Write(rec)
	return err
}

// close ends the array; with no record at all it is an empty one.
func (a *arrayWriter) close() error {
	if a.ended {
		return nil
	}
	a.ended = true
	end := "]\n"
	if a.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(a.w, end)
	return err
}
