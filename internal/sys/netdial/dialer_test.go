package netdial

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/check"
	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

var _ check.Dialer = Dialer{}

// TestIntegrationDialerOptions checks bindto, bind_port, bind_if and
// fwmark on real sockets: the server sees the source address and port,
// and only marked packets have a route (ip rule fwmark) to the server.
func TestIntegrationDialerOptions(t *testing.T) {
	netnstest.Require(t)
	a := netnstest.New(t, "dial")
	b := netnstest.New(t, "dialsrv")
	netnstest.Veth(t, a, "veth-a", b, "veth-b")
	a.IP("addr", "add", "192.0.2.1/24", "dev", "veth-a")
	a.IP("addr", "add", "192.0.2.5/24", "dev", "veth-a")
	b.IP("addr", "add", "192.0.2.2/24", "dev", "veth-b")
	b.IP("addr", "add", "198.51.100.2/32", "dev", "veth-b")
	a.IP("route", "add", "198.51.100.0/24", "dev", "veth-a", "table", "100")
	a.IP("rule", "add", "fwmark", "42", "table", "100")

	var ln net.Listener
	if err := b.Do(func() (err error) { ln, err = net.Listen("tcp", ":8080"); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	seen := make(chan string, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			seen <- c.RemoteAddr().String()
			c.Close()
		}
	}()
	dst := netip.MustParseAddrPort("198.51.100.2:8080")
	src := netip.MustParseAddrPort("192.0.2.5:40001")
	err := a.Do(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c, err := Dialer{}.Dial(ctx, "tcp", src, dst, "veth-a", 42)
		if err != nil {
			return err
		}
		return c.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := <-seen; got != src.String() {
		t.Errorf("server saw %s, want %s", got, src)
	}

	// Without the mark there is no route to dst.
	err = a.Do(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c, err := Dialer{}.Dial(ctx, "tcp", netip.AddrPort{}, dst, "", 0)
		if err == nil {
			c.Close()
		}
		return err
	})
	if err == nil {
		t.Error("an unmarked dial reached 198.51.100.2")
	} else if !Unreachable(err) {
		t.Errorf("unmarked dial: %v, want network unreachable", err)
	}

	// checker_notrack's mark goes on a connection without its own
	// fwmark, and a check's fwmark wins over it: both reach dst.
	for _, tc := range []struct{ mark, fwmark uint32 }{{42, 0}, {7, 42}} {
		err = a.Do(func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			c, err := Dialer{Mark: tc.mark}.Dial(ctx, "tcp", netip.AddrPort{}, dst, "", tc.fwmark)
			if err != nil {
				return err
			}
			return c.Close()
		})
		if err != nil {
			t.Errorf("Dialer{Mark: %d} fwmark %d: %v", tc.mark, tc.fwmark, err)
		} else {
			<-seen
		}
	}

	// The Engine (TCP_CHECK) likewise.
	e := newEngine(t)
	for _, tc := range []struct {
		mark, fwmark uint32
		reach        bool
	}{{0, 0, false}, {42, 0, true}, {7, 42, true}, {42, 7, false}} {
		e.Mark = tc.mark
		res := make(chan error, 1)
		a.Do(func() error {
			e.Connect(netip.AddrPort{}, dst, "", tc.fwmark, 2*time.Second, func(err error) { res <- err })
			return nil
		})
		err := <-res
		switch {
		case tc.reach && err != nil:
			t.Errorf("Engine Mark %d fwmark %d: %v", tc.mark, tc.fwmark, err)
		case tc.reach:
			<-seen
		case err == nil:
			t.Errorf("Engine Mark %d fwmark %d reached 198.51.100.2", tc.mark, tc.fwmark)
		case !Unreachable(err):
			t.Errorf("Engine Mark %d fwmark %d: %v, want network unreachable", tc.mark, tc.fwmark, err)
		}
	}
}
