package netdial

import (
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/check"
	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

var _ check.Exchanger = (*Engine)(nil)

func newEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// connect runs one Connect and waits for its result.
func connect(t *testing.T, e *Engine, src, dst netip.AddrPort, iface string, timeout time.Duration) error {
	t.Helper()
	res := make(chan error, 1)
	e.Connect(src, dst, iface, 0, timeout, func(err error) { res <- err })
	select {
	case err := <-res:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("no result")
		return nil
	}
}

// TestEngineConnects: an established connection is reported and closed
// with a reset (the server reads ECONNRESET), from the source address
// asked for; a closed port is ECONNREFUSED; IPv6 works.
func TestEngineConnects(t *testing.T) {
	e := newEngine(t)
	for _, tc := range []struct{ network, laddr, src string }{
		{"tcp4", "127.0.0.1:0", "127.0.0.2:0"},
		{"tcp6", "[::1]:0", ""},
	} {
		ln, err := net.Listen(tc.network, tc.laddr)
		if err != nil {
			t.Skipf("%s: %v", tc.network, err)
		}
		dst := netip.MustParseAddrPort(ln.Addr().String())
		var src netip.AddrPort
		if tc.src != "" {
			src = netip.MustParseAddrPort(tc.src)
		}
		if err := connect(t, e, src, dst, "", time.Second); err != nil {
			t.Fatalf("%s: %v", dst, err)
		}
		c, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		if src.IsValid() && netip.MustParseAddrPort(c.RemoteAddr().String()).Addr() != src.Addr() {
			t.Errorf("connected from %s, want %s", c.RemoteAddr(), src.Addr())
		}
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("%s: server read %v, want ECONNRESET (closed with a reset)", dst, err)
		}
		c.Close()
		ln.Close()
		if err := connect(t, e, netip.AddrPort{}, dst, "", time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%s closed: %v, want ECONNREFUSED", dst, err)
		}
	}
}

// TestEngineTimeoutAndClose: a connection whose SYN goes unanswered ends
// with ErrTimeout (a timeout for the checker's wording) after about its
// timeout, whatever longer ones are pending; Close ends those with
// net.ErrClosed at once.
func TestEngineTimeoutAndClose(t *testing.T) {
	netnstest.Require(t)
	ns := netnstest.New(t, "eng")
	peer := netnstest.New(t, "engp") // holds no address: ARP for .2 goes unanswered
	netnstest.Veth(t, ns, "d0", peer, "p0")
	ns.IP("addr", "add", "192.0.2.1/24", "dev", "d0")
	var e *Engine
	long := make(chan error, 1)
	short := make(chan error, 1)
	var start time.Time
	err := ns.Do(func() (err error) {
		if e, err = NewEngine(); err != nil {
			return err
		}
		// Nobody answers ARP for .2: the SYN never leaves.
		dst := netip.MustParseAddrPort("192.0.2.2:80")
		e.Connect(netip.AddrPort{}, dst, "", 0, time.Minute, func(err error) { long <- err })
		start = time.Now()
		e.Connect(netip.AddrPort{}, dst, "d0", 7, 300*time.Millisecond, func(err error) { short <- err })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-short:
		var ne net.Error
		if !errors.Is(err, ErrTimeout) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("short: %v, want a timeout", err)
		}
		if d := time.Since(start); d < 250*time.Millisecond || d > 5*time.Second {
			t.Errorf("short timed out after %v, want about 300ms", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("short connection never timed out")
	}
	e.Close()
	select {
	case err := <-long:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("long after Close: %v, want net.ErrClosed", err)
		}
	default:
		t.Fatal("Close returned with a connection still pending")
	}
	res := make(chan error, 1)
	e.Connect(netip.AddrPort{}, netip.MustParseAddrPort("127.0.0.1:9"), "", 0, time.Second, func(err error) { res <- err })
	if err := <-res; err == nil {
		t.Error("Connect after Close succeeded")
	}
}

// TestEngineMany: a thousand connections at once to one listener all
// complete.
func TestEngineMany(t *testing.T) {
	e := newEngine(t)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	dst := netip.MustParseAddrPort(ln.Addr().String())
	const n = 1000
	res := make(chan error, n)
	for range n {
		e.Connect(netip.AddrPort{}, dst, "", 0, 5*time.Second, func(err error) { res <- err })
	}
	for i := range n {
		select {
		case err := <-res:
			if err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%d of %d connections completed", i, n)
		}
	}
}
