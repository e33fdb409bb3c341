package fakezoho_test

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"

	"ztm/oauth/fakezoho"
)

// patternChecker fails on the first byte that is not DownloadByte.
type patternChecker struct {
	off int64
	bad error
}

func (p *patternChecker) Write(b []byte) (int, error) {
	for i, c := range b {
		if c != fakezoho.DownloadByte(p.off+int64(i)) {
			p.bad = errors.New("byte " + strconv.FormatInt(p.off+int64(i), 10) + " differs")
			return i, p.bad
		}
	}
	p.off += int64(len(b))
	return len(b), nil
}

func TestDownloadStreamsExactBytes(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	tok, _ := liveToken(t, z, "EU", "ZohoCRM.files.READ")
	const size = 3<<20 + 17 // not a multiple of any buffer
	req, _ := http.NewRequest(http.MethodGet, z.APIURL("EU")+"/crm/v8/files?size="+strconv.Itoa(size), nil)
	req.Header.Set("Authorization", "Zoho-oauthtoken "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p patternChecker
	n, err := io.Copy(&p, resp.Body)
	if err != nil || n != size || resp.ContentLength != size {
		t.Errorf("read %d of %d bytes (Content-Length %d): %v", n, size, resp.ContentLength, err)
	}
}

// TestHugeDownloadIsStreamed asks for 64 GiB and reads 1 MiB: a fake that
// built the body in memory would never answer.
func TestHugeDownloadIsStreamed(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	tok, _ := liveToken(t, z, "EU", "ZohoCRM.files.READ")
	req, _ := http.NewRequest(http.MethodGet, z.APIURL("EU")+"/crm/v8/files?size="+strconv.Itoa(64<<30), nil)
	req.Header.Set("Authorization", "Zoho-oauthtoken "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p patternChecker
	if n, err := io.Copy(&p, io.LimitReader(resp.Body, 1<<20)); n != 1<<20 || err != nil {
		t.Errorf("read %d bytes: %v", n, err)
	}
	if resp.ContentLength != 64<<30 {
		t.Errorf("Content-Length %d", resp.ContentLength)
	}
}

func TestUploadCountsStreamedBytes(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	tok, _ := liveToken(t, z, "EU", "ZohoCRM.files.CREATE")
	const size = 5<<20 + 3
	// A pipe has no length: the body goes up chunked, as a stream does.
	pr, pw := io.Pipe()
	go func() {
		buf := make([]byte, 64<<10)
		left := size
		for left > 0 {
			n := min(left, len(buf))
			if _, err := pw.Write(buf[:n]); err != nil {
				return
			}
			left -= n
		}
		pw.Close()
	}()
	resp, raw := call(t, http.MethodPost, z.APIURL("EU")+"/crm/v8/files", tok, pr)
	data, _ := decode(t, raw)["data"].([]any)
	if resp.StatusCode != 200 || len(data) != 1 || data[0].(map[string]any)["details"].(map[string]any)["size"] != float64(size) {
		t.Errorf("upload: %d %s", resp.StatusCode, raw)
	}
	if got := z.UploadedBytes(); got != size {
		t.Errorf("UploadedBytes = %d, want %d", got, size)
	}
	z.ExpireAccessToken(tok)
	if resp, _ := call(t, http.MethodPost, z.APIURL("EU")+"/crm/v8/files", tok, io.LimitReader(zeros{}, 1000)); resp.StatusCode != 401 {
		t.Errorf("upload with a dead token: %d", resp.StatusCode)
	}
	if got := z.UploadedBytes(); got != size {
		t.Errorf("a refused upload was counted: %d", got)
	}
	if z.Requests(fakezoho.EndpointCRMUpload) != 2 {
		t.Errorf("Requests(crm.files.upload) = %d", z.Requests(fakezoho.EndpointCRMUpload))
	}
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}
