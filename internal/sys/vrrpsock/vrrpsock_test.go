package vrrpsock

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
	"github.com/keepalived-go/keepalived/internal/vrrp"
	"github.com/keepalived-go/keepalived/internal/vrrp/packet"
)

// pair is two namespaces on a LAN, a with 192.0.2.1 and 2001:db8::1, b
// with .2 / ::2, both with link-local addresses.
// announceEnv makes the test binary announce addresses and exit.
const announceEnv = "VRRPSOCK_TEST_ANNOUNCE"

func TestMain(m *testing.M) {
	if v := os.Getenv(announceEnv); v != "" {
		f := strings.Fields(v)
		var addrs []netip.Addr
		for _, s := range f[1:] {
			addrs = append(addrs, netip.MustParseAddr(s))
		}
		ann := NewAnnouncer()
		if err := ann.Announce(f[0], addrs); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ann.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func pair(t *testing.T) (a, b *netnstest.NS) {
	lan := netnstest.NewLAN(t, "vs")
	a, b = netnstest.New(t, "a"), netnstest.New(t, "b")
	lan.Attach(a, "eth0")
	lan.Attach(b, "eth0")
	for i, ns := range []*netnstest.NS{a, b} {
		n := string(rune('1' + i))
		ns.IP("addr", "add", "192.0.2."+n+"/24", "dev", "eth0")
		ns.IP("addr", "add", "2001:db8::"+n+"/64", "dev", "eth0", "nodad")
	}
	return a, b
}

func listen(t *testing.T, ns *netnstest.NS, o Options) *Conn {
	t.Helper()
	var c *Conn
	if err := ns.Do(func() (err error) { c, err = Listen(o); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func linkLocal(t *testing.T, ns *netnstest.NS) netip.Addr {
	t.Helper()
	var ll netip.Addr
	deadline := time.Now().Add(5 * time.Second)
	for !ll.IsValid() && time.Now().Before(deadline) {
		_ = ns.Do(func() error {
			ifi, err := net.InterfaceByName("eth0")
			if err != nil {
				return err
			}
			addrs, _ := ifi.Addrs()
			for _, a := range addrs {
				if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().IsLinkLocalUnicast() {
					ll = p.Addr()
				}
			}
			return nil
		})
		time.Sleep(50 * time.Millisecond)
	}
	if !ll.IsValid() {
		t.Fatal("no link-local address")
	}
	// A tentative address (duplicate address detection running) cannot
	// be sent from.
	for strings.Contains(ns.IP("-6", "addr", "show", "dev", "eth0", "scope", "link"), "tentative") {
		if time.Now().After(deadline) {
			t.Fatal("link-local address still tentative")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ll
}

func advert(t *testing.T, version uint8, addrs []netip.Addr, src, dst netip.Addr) []byte {
	t.Helper()
	a := packet.Advertisement{Version: version, Type: packet.TypeAdvertisement, VRID: 51, Priority: 100, Interval: 1, Addrs: addrs}
	if version == 3 {
		a.Interval = 100
	}
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	ph := packet.PseudoHeader{}
	if version == 3 {
		ph = packet.PseudoHeader{Src: src, Dst: dst}
	}
	packet.SetChecksum(b, ph)
	return b
}

type got struct {
	msg  []byte
	meta vrrp.RecvMeta
	err  error
}

func readOne(c *Conn) <-chan got {
	ch := make(chan got, 1)
	go func() {
		b := make([]byte, 1500)
		n, m, err := c.ReadFrom(b)
		ch <- got{b[:n], m, err}
	}()
	return ch
}

func TestAdvertCrossesLAN(t *testing.T) {
	a, b := pair(t)
	llA := linkLocal(t, a)
	linkLocal(t, b)
	tests := []struct {
		name     string
		family   int
		version  uint8
		src, dst netip.Addr
		unicast  bool
		vip      netip.Addr
	}{
		{"v2 IPv4 multicast", 4, 2, netip.MustParseAddr("192.0.2.1"), packet.Group4, false, netip.MustParseAddr("192.0.2.100")},
		{"v3 IPv4 unicast", 4, 3, netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), true, netip.MustParseAddr("192.0.2.100")},
		{"v3 IPv6 multicast", 6, 3, llA, packet.Group6, false, netip.MustParseAddr("2001:db8::100")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oa := Options{Family: tt.family, Interface: "eth0"}
			ob := Options{Family: tt.family, Interface: "eth0"}
			if tt.unicast {
				oa.UnicastSrc, ob.UnicastSrc = tt.src, tt.dst
			}
			ca, cb := listen(t, a, oa), listen(t, b, ob)
			ownEcho := readOne(ca)
			rx := readOne(cb)
			msg := advert(t, tt.version, []netip.Addr{tt.vip}, tt.src, tt.dst)
			if err := ca.WriteTo(msg, tt.src, tt.dst, 255); err != nil {
				t.Fatal(err)
			}
			select {
			case g := <-rx:
				if g.err != nil {
					t.Fatal(g.err)
				}
				if string(g.msg) != string(msg) {
					t.Fatalf("received % x\nwant % x", g.msg, msg)
				}
				if g.meta.Src != tt.src || g.meta.Dst != tt.dst || g.meta.TTL != 255 || g.meta.IfIndex == 0 {
					t.Fatalf("meta %+v, want src %s dst %s ttl 255", g.meta, tt.src, tt.dst)
				}
				if tt.family == 4 && g.meta.IPLen != 20+len(msg) {
					t.Fatalf("IPLen %d, want %d", g.meta.IPLen, 20+len(msg))
				}
				var adv packet.Advertisement
				if err := adv.UnmarshalBinary(g.msg); err != nil {
					t.Fatal(err)
				}
				ph := packet.PseudoHeader{}
				if tt.version == 3 {
					ph = packet.PseudoHeader{Src: g.meta.Src, Dst: g.meta.Dst}
				}
				if !packet.VerifyChecksum(g.msg, ph) {
					t.Fatal("checksum does not verify on the receiver")
				}
			case <-time.After(5 * time.Second):
				t.Fatal("advert not received")
			}
			select {
			case g := <-ownEcho:
				if g.err == nil {
					t.Fatalf("the sender received its own advert: %+v", g.meta)
				}
			case <-time.After(300 * time.Millisecond):
			}
		})
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	a, _ := pair(t)
	c := listen(t, a, Options{Family: 4, Interface: "eth0"})
	rx := readOne(c)
	time.Sleep(50 * time.Millisecond)
	c.Close()
	select {
	case g := <-rx:
		if !errors.Is(g.err, net.ErrClosed) {
			t.Fatalf("read after close: %v, want net.ErrClosed", g.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock ReadFrom")
	}
}

func TestAnnounceUpdatesNeighbours(t *testing.T) {
	a, b := pair(t)
	linkLocal(t, a)
	// b knows 192.0.2.100 and 2001:db8::100 at a wrong MAC.
	b.IP("neigh", "add", "192.0.2.100", "lladdr", "02:00:00:00:00:99", "dev", "eth0", "nud", "stale")
	b.IP("neigh", "add", "2001:db8::100", "lladdr", "02:00:00:00:00:99", "dev", "eth0", "nud", "stale")
	a.IP("addr", "add", "192.0.2.100/24", "dev", "eth0")
	a.IP("addr", "add", "2001:db8::100/64", "dev", "eth0", "nodad")
	var macA string
	_ = a.Do(func() error {
		ifi, err := net.InterfaceByName("eth0")
		if err == nil {
			macA = ifi.HardwareAddr.String()
		}
		return err
	})
	// The Announcer runs in a process of its own inside a, as in the
	// daemon: the net package caches interface names per process, which
	// a test juggling namespaces would confuse.
	cmd := a.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), announceEnv+"=eth0 192.0.2.100 2001:db8::100")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("announce: %v: %s", err, out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		v4 := b.IP("neigh", "show", "192.0.2.100", "dev", "eth0")
		v6 := b.IP("neigh", "show", "2001:db8::100", "dev", "eth0")
		if strings.Contains(v4, macA) && strings.Contains(v6, macA) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("b's neighbour entries not updated to %s:\n%s%s", macA, v4, v6)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
