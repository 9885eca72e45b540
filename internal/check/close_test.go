package check

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"
)

// acceptOne listens on loopback and returns the address and a channel
// that receives what the server's first connection saw after serve.
func acceptOne(t *testing.T, serve func(c *net.TCPConn)) (netip.AddrPort, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	seen := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			seen <- err
			return
		}
		defer c.Close()
		tc := c.(*net.TCPConn)
		serve(tc)
		tc.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = tc.Read(make([]byte, 1))
		seen <- err
	}()
	return netip.MustParseAddrPort(ln.Addr().String()), seen
}

// TestTCPCheckClosesWithReset: a successful TCP_CHECK ends its
// connection with a reset, so the director keeps no TIME_WAIT socket (and
// no 120 s conntrack entry) per check; the server reads ECONNRESET, not
// EOF.
func TestTCPCheckClosesWithReset(t *testing.T) {
	ap, seen := acceptOne(t, func(*net.TCPConn) {})
	cfg := parseConf(t, fmt.Sprintf(`
virtual_server 192.0.2.100 80 {
    protocol TCP
    lvs_sched rr
    lvs_method NAT
    real_server %s %d {
        TCP_CHECK {
            connect_timeout 3
        }
    }
}`, ap.Addr(), ap.Port()))
	m := New(cfg, Options{})
	vs := cfg.VirtualServers[0]
	res := m.tcpProber(vs, vs.RealServers[0].TCPCheck[0].CheckConn).Probe(context.Background())
	if !res.OK {
		t.Fatalf("check failed: %+v", res)
	}
	if err := <-seen; !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("server read %v after the check, want a reset", err)
	}
}

// TestGetClosesWithResetAfterResponse: once the server has sent its
// response and closed, HTTP_GET's close is a reset too; a failed read
// before the end is reported as before.
func TestGetClosesWithResetAfterResponse(t *testing.T) {
	ap, seen := acceptOne(t, func(c *net.TCPConn) {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		c.Read(make([]byte, 512))
		c.Write([]byte("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"))
		c.CloseWrite()
	})
	conn, err := net.Dial("tcp", ap.String())
	if err != nil {
		t.Fatal(err)
	}
	res, err := Get(context.Background(), conn, &HTTPRequest{Path: "/", Server: ap, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		t.Errorf("status %d, want 200", res.StatusCode)
	}
	if err := <-seen; !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("server read %v after the check, want a reset", err)
	}
}
