package fakezoho

import (
	"io"
	"net/http"
	"strconv"
)

// maxDownload caps GET /crm/v8/files?size=N, far above any test's need.
const maxDownload = 1 << 40

// DownloadByte is the byte at offset of every download from
// GET /crm/v8/files: a pattern that repeats every 251 bytes (a prime, so
// it does not line up with buffer sizes), letting a test check what it
// streamed without keeping a copy.
func DownloadByte(offset int64) byte {
	return byte(offset % 251)
}

// crmDownload is GET /crm/v8/files?size=N: N bytes of [DownloadByte],
// written in small chunks so that no size is ever held in memory.
func (c *Cluster) crmDownload(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointCRMDownload) {
			return
		}
		if _, ok := c.crmAuth(w, r, dc); !ok {
			return
		}
		size, err := strconv.ParseInt(r.URL.Query().Get("size"), 10, 64)
		if err != nil || size < 0 || size > maxDownload {
			crmError(w, http.StatusBadRequest, "INVALID_DATA", "invalid data", map[string]any{"param": "size"})
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.FormatInt(size, 10))
		h.Set("Content-Disposition", `attachment; filename="fake-`+strconv.FormatInt(size, 10)+`.bin"`)
		w.WriteHeader(http.StatusOK)
		var chunk [251 * 64]byte
		for i := range chunk {
			chunk[i] = DownloadByte(int64(i))
		}
		// The chunk is a whole number of periods, so every write starts
		// the pattern again at the right place.
		for left := size; left > 0; {
			n := min(left, int64(len(chunk)))
			if _, err := w.Write(chunk[:n]); err != nil {
				return // the client went away
			}
			left -= n
		}
	}
}

// crmUpload is POST /crm/v8/files: it reads the body as it streams in,
// counting its bytes (see [Cluster.UploadedBytes]), and answers with the
// size it read.
func (c *Cluster) crmUpload(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointCRMUpload) {
			return
		}
		who, ok := c.crmAuth(w, r, dc)
		if !ok {
			return
		}
		n, err := io.Copy(io.Discard, r.Body)
		c.mu.Lock()
		c.st.uploaded += n
		c.st.created++
		id := recordID(CRM, "files", 1_000_000+c.st.created)
		c.mu.Unlock()
		if err != nil {
			crmError(w, http.StatusBadRequest, "INVALID_DATA", "the upload was cut short", nil)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": []map[string]any{{
			"code": "SUCCESS", "message": "success", "status": "success",
			"details": map[string]any{"id": id, "size": n, "uploaded_by": who.email},
		}}})
	}
}

// UploadedBytes is how many bytes POST /crm/v8/files has read, over all
// uploads.
func (c *Cluster) UploadedBytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.uploaded
}
