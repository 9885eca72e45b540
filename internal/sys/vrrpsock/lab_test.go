package vrrpsock_test

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/sys/vrrpsock"
	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
	"github.com/keepalived-go/keepalived/internal/vrrp"
	"github.com/keepalived-go/keepalived/internal/vrrp/packet"
)

// node is a namespace with one interface on a LAN.
type node struct {
	ns *netnstest.NS
	v4 netip.Addr // on eth0, /24
	v6 netip.Addr // on eth0, /64, nodad
	ll netip.Addr // eth0's link-local address
}

// newNode creates a namespace attached to lan as eth0, with DAD off so
// that the link-local address is usable at once.
func newNode(t *testing.T, lan *netnstest.LAN, name, v4, v6 string) *node {
	t.Helper()
	n := &node{ns: netnstest.New(t, name), v4: netip.MustParseAddr(v4), v6: netip.MustParseAddr(v6)}
	noDAD(n.ns)
	lan.Attach(n.ns, "eth0")
	n.ns.IP("addr", "add", v4+"/24", "dev", "eth0")
	n.ns.IP("addr", "add", v6+"/64", "dev", "eth0", "nodad")
	n.ll = linkLocal(t, n.ns, "eth0")
	return n
}

func noDAD(ns *netnstest.NS) {
	ns.Exec("sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0")
}

// linkLocal returns the IPv6 link-local address of ifname in ns.
func linkLocal(t *testing.T, ns *netnstest.NS, ifname string) netip.Addr {
	t.Helper()
	out := ns.IP("-6", "-o", "addr", "show", "dev", ifname, "scope", "link")
	f := strings.Fields(out)
	for i, w := range f {
		if w == "inet6" && i+1 < len(f) {
			return netip.MustParsePrefix(f[i+1]).Addr()
		}
	}
	t.Fatalf("no link-local address on %s in %s: %q", ifname, ns.Name, out)
	return netip.Addr{}
}

// ifIndex returns the index of ifname in ns.
func ifIndex(t *testing.T, ns *netnstest.NS, ifname string) int {
	t.Helper()
	var idx int
	if err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(ifname)
		if err == nil {
			idx = ifi.Index
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return idx
}

// listen opens a Conn inside ns, closed when the test ends.
func listen(t testing.TB, ns *netnstest.NS, opts vrrpsock.Options) *vrrpsock.Conn {
	t.Helper()
	var c *vrrpsock.Conn
	if err := ns.Do(func() (err error) {
		c, err = vrrpsock.Listen(opts)
		return err
	}); err != nil {
		t.Fatalf("listen in %s: %v", ns.Name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readTimeout bounds a read that should succeed: a lost packet fails
// the test instead of hanging it. It is not a timing assertion.
const readTimeout = 10 * time.Second

type readResult struct {
	msg  []byte
	meta vrrp.RecvMeta
	err  error
}

// readOne reads one message from c; it fails the test if none arrives.
func readOne(t testing.TB, c *vrrpsock.Conn) ([]byte, vrrp.RecvMeta) {
	t.Helper()
	ch := make(chan readResult, 1)
	go func() {
		b := make([]byte, 65535)
		n, meta, err := c.ReadFrom(b)
		ch <- readResult{b[:n], meta, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("read: %v", r.err)
		}
		return r.msg, r.meta
	case <-time.After(readTimeout):
		c.Close()
		t.Fatalf("no message within %v", readTimeout)
	}
	return nil, vrrp.RecvMeta{}
}

// advert returns an encoded advertisement with its checksum under p.
func advert(t testing.TB, version, vrid, prio uint8, p packet.PseudoHeader, addrs ...string) []byte {
	t.Helper()
	a := &packet.Advertisement{Version: version, Type: packet.TypeAdvertisement, VRID: vrid, Priority: prio}
	if version == packet.Version2 {
		a.Interval = 1
	} else {
		a.Interval = 100
	}
	for _, s := range addrs {
		a.Addrs = append(a.Addrs, netip.MustParseAddr(s))
	}
	if err := a.SetChecksum(p); err != nil {
		t.Fatal(err)
	}
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func write(t testing.TB, c *vrrpsock.Conn, msg []byte, src, dst netip.Addr, ttl int) {
	t.Helper()
	if err := c.WriteTo(msg, src, dst, ttl); err != nil {
		t.Fatal(err)
	}
}
