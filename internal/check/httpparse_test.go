package check

import (
	"bytes"
	"crypto/md5"
	"testing"
)

// FuzzHTTPResponse feeds a response to the reader in two reads and
// checks what keepalived's parser guarantees: a status of three digits
// or 0, a digest of the body after the header limited to Content-Length.
func FuzzHTTPResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello, world"), 10) // body cut to 5
	f.Add([]byte("HTTP/1.1 503 \r\n\r\n"), 3)                                     // no body
	f.Add([]byte("garbage without a terminator"), 0)                              // no header
	f.Add([]byte("HTTP/1.0 20 OK\r\nContent-Length:\r\n\r\nx"), 1)                // bad status, empty length
	f.Fuzz(func(t *testing.T, resp []byte, cut int) {
		if cut < 0 || cut > len(resp) {
			cut = len(resp) / 2
		}
		h := newHTTPReader(nil)
		for _, part := range [][]byte{resp[:cut], resp[cut:]} {
			for len(part) > 0 && h.Room() > 0 {
				chunk := make([]byte, h.Room())
				n := copy(chunk, part)
				h.Feed(chunk[:n])
				part = part[n:]
			}
		}
		res, err := h.result()
		end := bytes.Index(resp, []byte("\r\n\r\n"))
		if err != nil {
			if end >= 0 && end+4 <= maxHeader {
				t.Fatalf("header of %d bytes not found", end+4)
			}
			return
		}
		if res.StatusCode < 0 || res.StatusCode > 999 {
			t.Fatalf("status %d", res.StatusCode)
		}
		body := resp[end+4:]
		if res.ContentLength >= 0 && int64(len(body)) > res.ContentLength {
			body = body[:res.ContentLength]
		}
		if res.Digest != md5.Sum(body) {
			t.Fatalf("digest of %q differs", body)
		}
	})
}

func TestStatusCode(t *testing.T) {
	for hdr, want := range map[string]int{
		"HTTP/1.0 200 OK\r\n": 200, "HTTP/1.1 503 \r\n": 503, "HTTP/1.0 20 OK\r\n": 0,
		"HTTP/1.0 2000 OK\r\n": 0, "HTTP/1.0\r\n200 OK \r\n": 0, "X 404 \r\n": 404,
	} {
		if got := statusCode([]byte(hdr)); got != want {
			t.Errorf("statusCode(%q) = %d, want %d", hdr, got, want)
		}
	}
}
