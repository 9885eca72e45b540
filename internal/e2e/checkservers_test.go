package e2e

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// The real servers of the checker tests. Each serves in a namespace (its
// sockets are opened there with netnstest's Do) and can be switched into
// a failure mode and back; each counts the checks it answered, so a test
// can tell the checkers have been round once.

// listenIn opens a TCP listener in ns.
func listenIn(t *testing.T, ns *netnstest.NS, addr string) net.Listener {
	t.Helper()
	var ln net.Listener
	if err := ns.Do(func() (err error) { ln, err = net.Listen("tcp", addr); return err }); err != nil {
		t.Fatal(err)
	}
	return ln
}

// listenPacketIn opens a UDP socket in ns.
func listenPacketIn(t *testing.T, ns *netnstest.NS, addr string) net.PacketConn {
	t.Helper()
	var pc net.PacketConn
	if err := ns.Do(func() (err error) { pc, err = net.ListenPacket("udp", addr); return err }); err != nil {
		t.Fatal(err)
	}
	return pc
}

// tcpServer accepts and closes connections; stop closes the listener
// (connections are then refused), start listens again.
type tcpServer struct {
	ns   *netnstest.NS
	addr string
	hits atomic.Int64
	mu   sync.Mutex
	ln   net.Listener
}

func (s *tcpServer) start(t *testing.T) {
	t.Helper()
	ln := listenIn(t, s.ns, s.addr)
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.hits.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
}

func (s *tcpServer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ln.Close()
}

// webPage is what a switchable web server answers.
type webPage struct {
	status int
	body   string
	hang   bool // accept and read the request, never answer
}

// switchWeb is a Go HTTP server whose answer can be changed.
type switchWeb struct {
	page atomic.Pointer[webPage]
	hits atomic.Int64
}

func newSwitchWeb(t *testing.T, ns *netnstest.NS, addr string, p webPage) *switchWeb {
	t.Helper()
	w := &switchWeb{}
	w.page.Store(&p)
	ln := listenIn(t, ns, addr)
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.hits.Add(1)
		p := w.page.Load()
		if p.hang {
			<-r.Context().Done()
			return
		}
		rw.WriteHeader(p.status)
		io.WriteString(rw, p.body)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return w
}

func (w *switchWeb) set(p webPage) { w.page.Store(&p) }

// tlsWeb answers HTTP/1.0 over TLS (a self-signed certificate for its
// address), or, when broken, answers in clear text so that the client's
// handshake fails.
type tlsWeb struct {
	broken atomic.Bool
	hits   atomic.Int64
}

func newTLSWeb(t *testing.T, ns *netnstest.NS, addr string) *tlsWeb {
	t.Helper()
	ap := netip.MustParseAddrPort(addr)
	cfg := &tls.Config{Certificates: []tls.Certificate{selfSigned(t, ap.Addr())}}
	w := &tlsWeb{}
	ln := listenIn(t, ns, addr)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go w.serve(c, cfg)
		}
	}()
	return w
}

func (w *tlsWeb) serve(c net.Conn, cfg *tls.Config) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if w.broken.Load() {
		io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\nthis is not TLS\n")
		return
	}
	tc := tls.Server(c, cfg)
	r := bufio.NewReader(tc)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if line == "\r\n" {
			break
		}
	}
	w.hits.Add(1)
	io.WriteString(tc, "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
	tc.Close()
}

// selfSigned is a certificate for ip.
func selfSigned(t *testing.T, ip netip.Addr) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: ip.String()},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{ip.AsSlice()},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// smtpServer greets with 220, or with 554 when bad, and answers HELO and
// QUIT.
type smtpServer struct {
	bad  atomic.Bool
	hits atomic.Int64
}

func newSMTPServer(t *testing.T, ns *netnstest.NS, addr string) *smtpServer {
	t.Helper()
	s := &smtpServer{}
	ln := listenIn(t, ns, addr)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	s.hits.Add(1)
	if s.bad.Load() {
		io.WriteString(c, "554 rs.test no service here\r\n")
	} else {
		io.WriteString(c, "220 rs.test ESMTP test\r\n")
	}
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch {
		case strings.HasPrefix(line, "HELO"):
			io.WriteString(c, "250 rs.test\r\n")
		case strings.HasPrefix(line, "QUIT"):
			io.WriteString(c, "221 bye\r\n")
			return
		default:
			io.WriteString(c, "500 what\r\n")
		}
	}
}

// dnsMode is how a test DNS server answers.
type dnsMode int32

const (
	dnsAnswer   dnsMode = iota // NOERROR with an SOA
	dnsServFail                // SERVFAIL
	dnsSilent                  // no reply at all
)

// dnsServer is a miekg/dns server over UDP.
type dnsServer struct {
	mode atomic.Int32
	hits atomic.Int64
}

func newDNSServer(t *testing.T, ns *netnstest.NS, addr string) *dnsServer {
	t.Helper()
	s := &dnsServer{}
	pc := listenPacketIn(t, ns, addr)
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		s.hits.Add(1)
		m := new(dns.Msg)
		switch dnsMode(s.mode.Load()) {
		case dnsSilent:
			return
		case dnsServFail:
			m.SetRcode(r, dns.RcodeServerFailure)
		default:
			m.SetReply(r)
			soa, _ := dns.NewRR(". 60 IN SOA ns.test. admin.test. 1 60 60 60 60")
			m.Answer = append(m.Answer, soa)
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return s
}

// udpEcho echoes datagrams, or drops them when silent.
type udpEcho struct {
	silent atomic.Bool
	hits   atomic.Int64
}

func newUDPEcho(t *testing.T, ns *netnstest.NS, addr string) *udpEcho {
	t.Helper()
	s := &udpEcho{}
	pc := listenPacketIn(t, ns, addr)
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			s.hits.Add(1)
			if !s.silent.Load() {
				pc.WriteTo(buf[:n], from)
			}
		}
	}()
	return s
}

// nginxServer is Debian's nginx with its own configuration, pid file and
// logs in a temporary directory, serving root (where the test writes
// pages) on addr inside ns.
type nginxServer struct {
	root string
	dir  string
	pid  int
}

func startNginx(t *testing.T, ns *netnstest.NS, addr string) *nginxServer {
	t.Helper()
	bin := "/usr/sbin/nginx"
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nginx is not installed (apt-get install nginx)")
		}
		t.Skip("nginx is not installed")
	}
	dir := t.TempDir()
	n := &nginxServer{dir: dir, root: filepath.Join(dir, "www")}
	if err := os.Mkdir(n.root, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`daemon off;
user root;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 64; }
http {
    access_log %[1]s/access.log;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    server {
        listen %[2]s;
        root %[3]s;
    }
}
`, dir, addr, n.root)
	file := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := ns.Command(bin, "-c", file, "-p", dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.pid = cmd.Process.Pid
	t.Cleanup(func() {
		// SIGQUIT is nginx's graceful stop; its process group goes if it
		// does not stop in time.
		_ = syscall.Kill(-n.pid, syscall.SIGQUIT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("nginx did not stop within 5 s of SIGQUIT")
			_ = syscall.Kill(-n.pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			t.Logf("=== nginx output:\n%s\n=== error.log:\n%s", out.String(), readFile(filepath.Join(dir, "error.log")))
		}
	})
	waitFor(t, 5*time.Second, "nginx to listen", func() bool {
		c, err := dialIn(ns, addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return n
}

// page writes (or, body "", removes) a page under nginx's root.
func (n *nginxServer) page(t *testing.T, name, body string) {
	t.Helper()
	p := filepath.Join(n.root, name)
	if body == "" {
		removeFile(t, p)
		return
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dialIn connects from inside ns.
func dialIn(ns *netnstest.NS, addr string) (net.Conn, error) {
	var c net.Conn
	err := ns.Do(func() (err error) { c, err = net.DialTimeout("tcp", addr, time.Second); return err })
	return c, err
}
