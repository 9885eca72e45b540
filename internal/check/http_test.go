package check

import (
	"context"
	"crypto/md5"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// probeOf builds conf and returns its first checker's prober, bounded
// by its timeout as Run does.
func probeOf(t *testing.T, conf string, opts Options) Prober {
	t.Helper()
	m := New(parseConf(t, conf), opts)
	if len(m.servers) == 0 || len(m.servers[0].checkers) == 0 {
		t.Fatal("no checker")
	}
	c := m.servers[0].checkers[0]
	return ProberFunc(func(ctx context.Context) Result { return m.probeOnce(ctx, c) })
}

func probe(t *testing.T, p Prober) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	return p.Probe(ctx)
}

// rsConf is a virtual server with one real server at ap and checker as
// its checker block.
func rsConf(ap netip.AddrPort, checker string) string {
	return fmt.Sprintf(`
virtual_server 192.0.2.100 80 {
    protocol TCP
    lvs_sched rr
    lvs_method NAT
    real_server %s %d {
        %s
    }
}
`, ap.Addr(), ap.Port(), checker)
}

func serverAddr(t *testing.T, url string) netip.AddrPort {
	t.Helper()
	_, hostport, _ := strings.Cut(url, "://")
	return netip.MustParseAddrPort(hostport)
}

func TestHTTPGet(t *testing.T) {
	const page = "hello keepalived\n"
	sum := fmt.Sprintf("%x", md5.Sum([]byte(page)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/down":
			w.WriteHeader(503)
		}
		fmt.Fprint(w, page)
	}))
	defer srv.Close()
	ap := serverAddr(t, srv.URL)
	name := Trio(ap.Addr(), "TCP", ap.Port())
	tests := []struct {
		name   string
		urls   string
		ok     bool
		reason string
		log    string
	}{
		{"200", "url {\npath /\n}", true, "", "HTTP status code success to " + name + " url(/)"},
		{"503", "url {\npath /down\n}", false, "status 503", "HTTP status code error to server " + name + "."},
		{"503 in a range", "url {\npath /down\nstatus_code 200 500-503\n}", true, "", "HTTP status code success to " + name + " url(/down)"},
		{"200 not in the codes", "url {\npath /\nstatus_code 300-399\n}", false, "status 200", "HTTP status code error to server " + name + "."},
		{"digest", "url {\npath /\ndigest " + sum + "\n}", true, "", "MD5 digest success to " + name + " url(/)"},
		{"digest mismatch", "url {\npath /\ndigest 00000000000000000000000000000000\n}", false, "digest mismatch", "MD5 digest error to server " + name + "."},
		{"every url must pass", "url {\npath /\n}\nurl {\npath /down\n}", false, "status 503", "HTTP status code error to server " + name + "."},
		{"every url passes", "url {\npath /\n}\nurl {\npath /\ndigest " + sum + "\n}", true, "", "HTTP status code success to " + name + " url(/)|MD5 digest success to " + name + " url(/)"},
		{"regex", "url {\npath /\nregex \"keep.*d\"\n}", true, "", "Regex match success to " + name + " url(/)"},
		{"regex fails", "url {\npath /\nregex \"^nothing\"\n}", false, "regex mismatch", "Regex match failed server " + name + "."},
		{"regex_no_match", "url {\npath /\nregex \"hello\"\nregex_no_match\n}", false, "regex mismatch", "Regex match failed server " + name + "."},
		{"regex caseless", "url {\npath /\nregex \"HELLO\"\nregex_options caseless\n}", true, "", "Regex match success to " + name + " url(/)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for path, p := range httpProbers(t, rsConf(ap, "HTTP_GET {\n"+tt.urls+"\n}")) {
				r := probe(t, p)
				// log is the failure's line, or the success's lines logged
				// when the checker was down.
				log := r.Log
				if r.OK {
					log = strings.Join(r.Recovered, "|")
				}
				if r.OK != tt.ok || r.Reason != tt.reason || log != tt.log {
					t.Errorf("%s: got ok=%v reason=%q log=%q\nwant ok=%v reason=%q log=%q", path, r.OK, r.Reason, log, tt.ok, tt.reason, tt.log)
				}
			}
		})
	}
}

// silentListener accepts connections and never answers.
func silentListener(t *testing.T) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return netip.MustParseAddrPort(ln.Addr().String())
}

// closedPort is a local port nothing listens on.
func closedPort(t *testing.T) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	return ap
}

// rawServer answers every connection with serve, after reading the
// request's first bytes.
func rawServer(t *testing.T, serve func(c *net.TCPConn)) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.Read(make([]byte, 4096))
				serve(c.(*net.TCPConn))
			}()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String())
}

func TestHTTPGetFailures(t *testing.T) {
	silent := silentListener(t)
	closed := closedPort(t)
	partial := rawServer(t, func(c *net.TCPConn) {
		c.Write([]byte("HTTP/1.0 200 OK\r\n"))
		time.Sleep(3 * time.Second)
	})
	reset := rawServer(t, func(c *net.TCPConn) {
		c.Write([]byte("HTTP/1.0 200 OK\r\n"))
		time.Sleep(50 * time.Millisecond)
		c.SetLinger(0)
	})
	noHeader := rawServer(t, func(c *net.TCPConn) { c.Write([]byte("garbage without a blank line")) })
	// Each part within connect_timeout, the whole after it: keepalived
	// bounds each read, not the exchange.
	slow := rawServer(t, func(c *net.TCPConn) {
		for _, part := range []string{"HTTP/1.0 200 OK\r\n", "\r\n", "bo", "dy"} {
			c.Write([]byte(part)) // 0.4 s in all, 0.1 s between reads
			time.Sleep(100 * time.Millisecond)
		}
	})
	name := func(ap netip.AddrPort) string { return Trio(ap.Addr(), "TCP", ap.Port()) }
	tests := []struct {
		name   string
		ap     netip.AddrPort
		ok     bool
		reason string
		log    string
	}{
		{"never answers", silent, false, "timeout", "Timeout WEB read server " + name(silent) + "."},
		{"refused", closed, false, "connection refused", "Connection failed server " + name(closed) + "."},
		{"silent after a part", partial, false, "timeout", "Timeout HTTP read server " + name(partial) + "."},
		{"reset after a part", reset, false, "connection reset by peer", "Read error with server " + name(reset) + "."},
		{"no header", noHeader, false, "no data", "Read, no data received from  server " + name(noHeader) + "."},
		{"slow but each read in time", slow, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for path, p := range httpProbers(t, rsConf(tt.ap, "HTTP_GET {\nconnect_timeout 0.3\nurl {\npath /\n}\n}")) {
				r := probe(t, p)
				if r.OK != tt.ok || r.Reason != tt.reason || r.Log != tt.log {
					t.Errorf("%s: got ok=%v reason=%q log=%q\nwant ok=%v reason=%q log=%q", path, r.OK, r.Reason, r.Log, tt.ok, tt.reason, tt.log)
				}
			}
		})
	}
}

func TestSSLGet(t *testing.T) {
	var mu sync.Mutex
	var sni string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secure")
	}))
	srv.TLS = &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		mu.Lock()
		sni = h.ServerName
		mu.Unlock()
		return nil, nil
	}}
	srv.StartTLS()
	defer srv.Close()
	ap := serverAddr(t, srv.URL)

	p := probeOf(t, rsConf(ap, "SSL_GET {\nenable_sni\nvirtualhost www.example.com\nurl {\npath /\n}\n}"), Options{})
	if r := probe(t, p); !r.OK {
		t.Fatalf("SSL_GET: %+v", r)
	}
	mu.Lock()
	if sni != "www.example.com" {
		t.Errorf("SNI %q, want the virtualhost", sni)
	}
	mu.Unlock()

	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plain.Close()
	pap := serverAddr(t, plain.URL)
	r := probe(t, probeOf(t, rsConf(pap, "SSL_GET {\nurl {\npath /\n}\n}"), Options{}))
	wantLog := "SSL handshake/communication error connecting to server " + Trio(pap.Addr(), "TCP", pap.Port()) + "."
	if r.OK || !strings.HasPrefix(r.Reason, "tls: ") || r.Log != wantLog {
		t.Errorf("SSL_GET to a plain server: ok=%v reason=%q log=%q", r.OK, r.Reason, r.Log)
	}
}
