package check

import (
	"context"
	"crypto/md5"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestBuildRequest(t *testing.T) {
	v4 := netip.MustParseAddrPort("192.0.2.10:8080")
	v6 := netip.MustParseAddrPort("[2001:db8::1%eth0]:443")
	tests := []struct {
		name string
		req  HTTPRequest
		want string
	}{
		{"1.0 ip:port", HTTPRequest{Path: "/", Server: v4},
			"GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 192.0.2.10:8080\r\n\r\n"},
		{"1.0C", HTTPRequest{Path: "/a?b", Protocol: HTTP10C, Server: v4},
			"GET /a?b HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 192.0.2.10:8080\r\n\r\n"},
		{"1.1 sends close too", HTTPRequest{Path: "/", Protocol: HTTP11, Server: v4},
			"GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 192.0.2.10:8080\r\n\r\n"},
		{"virtualhost has no port", HTTPRequest{Path: "/", VirtualHost: "www.example.com", Server: v4},
			"GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: www.example.com\r\n\r\n"},
		{"ipv6 in brackets, no zone", HTTPRequest{Path: "/x", Server: v6},
			"GET /x HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: [2001:db8::1]:443\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(BuildRequest(&tt.req)); got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParseProtocol(t *testing.T) {
	for in, want := range map[string]Protocol{"1.0": HTTP10, "1.0c": HTTP10C, "1.0C": HTTP10C, "1.1": HTTP11} {
		if got, ok := ParseProtocol(in); !ok || got != want {
			t.Errorf("ParseProtocol(%q) = %v, %v", in, got, ok)
		}
	}
	if _, ok := ParseProtocol("2"); ok {
		t.Error("ParseProtocol(2) accepted")
	}
}

// serve answers one request on a pipe with the given writes, then closes.
func serve(t *testing.T, writes ...string) net.Conn {
	t.Helper()
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		if readRequest(server) != nil {
			return
		}
		for _, w := range writes {
			if _, err := server.Write([]byte(w)); err != nil {
				return
			}
		}
	}()
	return client
}

// readRequest reads a request up to its blank line.
func readRequest(r io.Reader) error {
	var got []byte
	buf := make([]byte, 256)
	for !strings.HasSuffix(string(got), "\r\n\r\n") {
		n, err := r.Read(buf)
		if err != nil {
			return err
		}
		got = append(got, buf[:n]...)
	}
	return nil
}

func TestGetResponses(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		body   string // what is digested
		status int
		clen   int64
		rx     int64
	}{
		{"no content-length", []string{"HTTP/1.0 200 OK\r\n\r\nhello world"}, "hello world", 200, -1, 11},
		{"content-length shorter than body", []string{"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello world"}, "hello", 200, 5, 11},
		{"content-length longer than body", []string{"HTTP/1.0 404 Not Found\r\nContent-Length: 50\r\n\r\nhello"}, "hello", 404, 50, 5},
		{"header split across reads", []string{"HTTP/1.1 30", "1 Moved\r\nContent-Le", "ngth: 7\r\n\r", "\nabc", "defghij"}, "abcdefg", 301, 7, 10},
		{"empty body", []string{"HTTP/1.0 204 No Content\r\n\r\n"}, "", 204, -1, 0},
		{"lowercase content-length is not seen", []string{"HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\nabc"}, "abc", 200, -1, 3},
		{"content-length with trailing junk is ignored", []string{"HTTP/1.0 200 OK\r\nContent-Length: 1x\r\n\r\nabc"}, "abc", 200, -1, 3},
		{"content-length zero", []string{"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\nabc"}, "", 200, 0, 3},
		{"bad status line", []string{"HTTP/1.0 20 OK\r\n\r\nabc"}, "abc", 0, -1, 3},
		// Chunked encoding is not decoded: keepalived digests the raw
		// chunks, sizes and all.
		{"chunked is digested raw", []string{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"}, "3\r\nabc\r\n0\r\n\r\n", 200, -1, 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &HTTPRequest{Path: "/", Server: netip.MustParseAddrPort("192.0.2.1:80"), Timeout: 5 * time.Second}
			res, err := Get(context.Background(), serve(t, tt.writes...), req)
			if err != nil {
				t.Fatal(err)
			}
			if want := md5.Sum([]byte(tt.body)); res.Digest != want {
				t.Errorf("digest %x, want md5(%q) = %x", res.Digest, tt.body, want)
			}
			if res.StatusCode != tt.status || res.ContentLength != tt.clen || res.BodyBytes != tt.rx {
				t.Errorf("status %d, content-length %d, body bytes %d; want %d, %d, %d",
					res.StatusCode, res.ContentLength, res.BodyBytes, tt.status, tt.clen, tt.rx)
			}
		})
	}
}

func TestGetNoHeaderTerminator(t *testing.T) {
	for name, writes := range map[string][]string{
		"no terminator": {"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n"},
		"nothing":       nil,
		"header too long for keepalived's buffer": {"HTTP/1.0 200 OK\r\nX: " + strings.Repeat("a", 5000) + "\r\n\r\nbody"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Get(context.Background(), serve(t, writes...), &HTTPRequest{Path: "/"})
			var he *HTTPError
			if !errors.As(err, &he) || he.Step != StepNoData || !errors.Is(err, ErrNoData) {
				t.Fatalf("err = %v, want no data", err)
			}
			if got := he.Message(); got != "no data received from remote webserver" {
				t.Errorf("message %q", got)
			}
		})
	}
}

func TestGetTimeouts(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"no answer", nil, "Timeout WEB read"},
		{"answer never ends", []string{"HTTP/1.0 200 OK\r\n\r\nabc"}, "Timeout HTTP read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, server := net.Pipe()
			defer server.Close()
			go func() {
				readRequest(server)
				for _, w := range tt.writes {
					server.Write([]byte(w))
				}
			}()
			_, err := Get(context.Background(), client, &HTTPRequest{Path: "/", Timeout: 50 * time.Millisecond})
			var he *HTTPError
			if !errors.As(err, &he) || !he.Timeout || he.Message() != tt.want {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestGetContextCancel(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	go io.Copy(io.Discard, server)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := Get(ctx, client, &HTTPRequest{Path: "/"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
}

func TestConnectErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		kind ConnectFailure
		want string
	}{
		{errors.New("refused"), ConnectFailed, "Connection failed"},
		{context.DeadlineExceeded, ConnectFailed, "Timeout connecting"},
		{errors.New("no route"), ConnectUnreachable, "HTTP_CHECK - network unreachable"},
		{errors.New("odd"), ConnectOther, "Error connecting"},
	}
	for _, tt := range tests {
		if got := ConnectError(tt.err, tt.kind).Message(); got != tt.want {
			t.Errorf("ConnectError(%v, %v) = %q, want %q", tt.err, tt.kind, got, tt.want)
		}
	}
}

func TestStatusCodeAndContentLength(t *testing.T) {
	for hdr, want := range map[string]int{
		"HTTP/1.0 200 OK\r\n\r\n": 200, "HTTP/1.0 200\r\n\r\n": 0, "HTTP/1.0\r\n\r\n": 0,
		"HTTP/1.0  200 OK\r\n\r\n": 0, "HTTP/1.0 2x0 OK\r\n\r\n": 0,
	} {
		if got := statusCode([]byte(hdr)); got != want {
			t.Errorf("statusCode(%q) = %d, want %d", hdr, got, want)
		}
	}
	for hdr, want := range map[string]int64{
		"Content-Length: 12\r\n": 12, "Content-Length:12\r\n": 12, "Content-Length: 12 \r\n": -1,
		"Content-Length:\r\n": 0, "Content-Length: \r\n": -1, "X: y\r\n": -1,
	} {
		if got := contentLength([]byte(hdr)); got != want {
			t.Errorf("contentLength(%q) = %d, want %d", hdr, got, want)
		}
	}
}
