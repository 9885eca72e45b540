package cli

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// genhashBodies are the pages the test server serves.
var genhashBodies = map[string]string{
	"/small": "hello world\n",
	"/big":   strings.Repeat("0123456789abcdef", 20000),
	"/nolen": "written after a flush, so without Content-Length",
	"/404":   "not here",
}

func genhashServer(t *testing.T, tlsServer bool) (*httptest.Server, netip.AddrPort) {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := genhashBodies[r.URL.Path]
		switch {
		case !ok:
			http.NotFound(w, r)
			return
		case r.URL.Path == "/404":
			w.WriteHeader(http.StatusNotFound)
		case r.URL.Path == "/nolen":
			w.(http.Flusher).Flush()
		}
		w.Write([]byte(body))
	})
	srv := httptest.NewUnstartedServer(h)
	if tlsServer {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return srv, netip.MustParseAddrPort(u.Host)
}

func runGenhashTest(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = RunGenhash(context.Background(), "genhash", args, &out, &errb)
	return out.String(), errb.String(), code
}

// TestGenhashDigest fetches each page over HTTP and HTTPS and compares
// the digest with Go's MD5 of the body.
func TestGenhashDigest(t *testing.T) {
	for _, tlsServer := range []bool{false, true} {
		_, ap := genhashServer(t, tlsServer)
		for path, body := range genhashBodies {
			for _, proto := range []string{"1.0", "1.0c", "1.1"} {
				if proto == "1.1" && (path == "/nolen" || path == "/big") {
					// Go answers HTTP/1.1 without a length with chunked
					// encoding, which keepalived digests raw (chunk sizes
					// and all): TestGenhashMatchesDebian covers those.
					continue
				}
				t.Run(fmt.Sprintf("tls=%v%s-%s", tlsServer, path, proto), func(t *testing.T) {
					args := []string{"-s", ap.Addr().String(), "-p", fmt.Sprint(ap.Port()), "-u", path, "-P", proto, "-t", "5"}
					if tlsServer {
						args = append([]string{"-S"}, args...)
					}
					stdout, stderr, code := runGenhashTest(t, args...)
					want := fmt.Sprintf("%x\n", md5.Sum([]byte(body)))
					if code != 0 || stdout != want || stderr != "" {
						t.Errorf("genhash %v: exit %d, stdout %q, stderr %q; want %q", args, code, stdout, stderr, want)
					}
				})
			}
		}
	}
}

func TestGenhashConnectionFailed(t *testing.T) {
	srv, ap := genhashServer(t, false)
	srv.Close()
	stdout, _, code := runGenhashTest(t, "-s", ap.Addr().String(), "-p", fmt.Sprint(ap.Port()), "-u", "/")
	if code != 0 || stdout != "Connection failed\n" {
		t.Errorf("exit %d, stdout %q; want 0 and Connection failed", code, stdout)
	}
}

func TestGenhashVerbose(t *testing.T) {
	_, ap := genhashServer(t, false)
	stdout, _, code := runGenhashTest(t, "-v", "-s", ap.Addr().String(), "-p", fmt.Sprint(ap.Port()), "-u", "/small")
	for _, want := range []string{
		bannerHeaderHex, bannerHeaderASCII, "HTTP/1.0 200 OK\r\n", bannerHash, bannerHashFinal,
		fmt.Sprintf("%x\n", md5.Sum([]byte(genhashBodies["/small"]))),
		"0000  68 65 6c 6c 6f 20 77 6f - 72 6c 64 0a               hello world.    \n",
		"\nGlobal response time for [/small] = ",
	} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("exit %d; output lacks %q:\n%s", code, want, stdout)
		}
	}
}

func TestDumpBuffer(t *testing.T) {
	var b bytes.Buffer
	dumpBuffer(&b, []byte("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n"))
	want := "0000  48 54 54 50 2f 31 2e 30 - 20 32 30 30 20 4f 4b 0d   HTTP/1.0 200 OK.\n" +
		"0016  0a 43 6f 6e 74 65 6e 74 - 2d 4c 65 6e 67 74 68 3a   .Content-Length:\n" +
		"0032  20 35 0d 0a 0d 0a       -                            5....          \n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}

// TestGenhashMatchesDebian runs Debian's genhash against the same server
// and compares its output with ours byte for byte. Without genhash on the
// PATH the test is skipped, unless $CI is set.
func TestGenhashMatchesDebian(t *testing.T) {
	real, err := exec.LookPath("genhash")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("genhash (Debian's keepalived) is not installed")
		}
		t.Skip("genhash is not installed")
	}
	_, ap := genhashServer(t, false)
	for path := range genhashBodies {
		for _, extra := range [][]string{nil, {"-P", "1.1"}, {"-V", "www.example.com"}} {
			args := append([]string{"-s", ap.Addr().String(), "-p", fmt.Sprint(ap.Port()), "-u", path}, extra...)
			cmd := exec.Command(real, args...)
			var wantOut, wantErr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &wantOut, &wantErr
			wantCode := 0
			if err := cmd.Run(); err != nil {
				ee, ok := err.(*exec.ExitError)
				if !ok {
					t.Fatal(err)
				}
				wantCode = ee.ExitCode()
			}
			stdout, stderr, code := runGenhashTest(t, args...)
			if stdout != wantOut.String() || stderr != wantErr.String() || code != wantCode {
				t.Errorf("genhash %v:\nours   exit %d stdout %q stderr %q\nDebian exit %d stdout %q stderr %q",
					args, code, stdout, stderr, wantCode, wantOut.String(), wantErr.String())
			}
		}
	}
}
