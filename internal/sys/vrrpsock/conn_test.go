package vrrpsock_test

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"reflect"
	"testing"

	"github.com/keepalived-go/keepalived/internal/sys/vrrpsock"
	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
	"github.com/keepalived-go/keepalived/internal/vrrp"
	"github.com/keepalived-go/keepalived/internal/vrrp/packet"
)

// lan2 is two nodes, a (.1, ::1) and b (.2, ::2), on one LAN.
func lan2(t *testing.T) (a, b *node) {
	lan := netnstest.NewLAN(t, "sw")
	a = newNode(t, lan, "a", "192.0.2.1", "2001:db8::1")
	b = newNode(t, lan, "b", "192.0.2.2", "2001:db8::2")
	return a, b
}

func TestIntegrationAdvertCrossesLAN(t *testing.T) {
	a, b := lan2(t)
	bIdx := ifIndex(t, b.ns, "eth0")
	tests := []struct {
		name       string
		optsA      vrrpsock.Options
		optsB      vrrpsock.Options
		src, dst   netip.Addr
		ttl        int
		msg        []byte
		wantIPLen  int
		wantCksum6 bool
	}{
		{
			name:  "IPv4 multicast VRRPv2",
			optsA: vrrpsock.Options{Family: 4, Interface: "eth0"},
			optsB: vrrpsock.Options{Family: 4, Interface: "eth0"},
			src:   a.v4, dst: packet.Group4, ttl: 255,
			msg:       advert(t, 2, 51, 100, packet.PseudoHeader{}, "192.0.2.100"),
			wantIPLen: 20 + 8 + 4 + 8,
		},
		{
			name:  "IPv4 multicast VRRPv3",
			optsA: vrrpsock.Options{Family: 4, Interface: "eth0"},
			optsB: vrrpsock.Options{Family: 4, Interface: "eth0"},
			src:   a.v4, dst: packet.Group4, ttl: 255,
			msg:       advert(t, 3, 52, 100, packet.PseudoHeader{Src: a.v4, Dst: packet.Group4}, "192.0.2.100", "192.0.2.101"),
			wantIPLen: 20 + 8 + 8,
		},
		{
			name:  "IPv4 unicast, unicast_ttl 7",
			optsA: vrrpsock.Options{Family: 4, Interface: "eth0", UnicastSrc: a.v4},
			optsB: vrrpsock.Options{Family: 4, Interface: "eth0", UnicastSrc: b.v4},
			src:   a.v4, dst: b.v4, ttl: 7,
			msg:       advert(t, 3, 53, 100, packet.PseudoHeader{Src: a.v4, Dst: b.v4}, "192.0.2.100"),
			wantIPLen: 20 + 8 + 4,
		},
		{
			name:  "IPv6 multicast from the link-local address",
			optsA: vrrpsock.Options{Family: 6, Interface: "eth0"},
			optsB: vrrpsock.Options{Family: 6, Interface: "eth0"},
			src:   a.ll, dst: packet.Group6, ttl: 255,
			msg:        advert(t, 3, 54, 100, packet.PseudoHeader{Src: a.ll, Dst: packet.Group6}, "2001:db8::100"),
			wantCksum6: true,
		},
		{
			name:  "IPv6 unicast",
			optsA: vrrpsock.Options{Family: 6, Interface: "eth0", UnicastSrc: a.v6},
			optsB: vrrpsock.Options{Family: 6, Interface: "eth0", UnicastSrc: b.v6},
			src:   a.v6, dst: b.v6, ttl: 9,
			msg:        advert(t, 3, 55, 100, packet.PseudoHeader{Src: a.v6, Dst: b.v6}, "2001:db8::100"),
			wantCksum6: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := listen(t, a.ns, tt.optsA)
			cb := listen(t, b.ns, tt.optsB)
			write(t, ca, tt.msg, tt.src, tt.dst, tt.ttl)
			got, meta := readOne(t, cb)
			if !bytes.Equal(got, tt.msg) {
				t.Errorf("received % x, want % x", got, tt.msg)
			}
			want := vrrp.RecvMeta{IfIndex: bIdx, Src: tt.src, Dst: tt.dst, TTL: tt.ttl, IPLen: tt.wantIPLen}
			if tt.src.Is4() {
				want.Protocol = packet.Protocol
			}
			if !reflect.DeepEqual(meta, want) {
				t.Errorf("meta %+v, want %+v", meta, want)
			}
			if tt.wantCksum6 && !packet.VerifyChecksum(got, packet.PseudoHeader{Src: meta.Src, Dst: meta.Dst}) {
				t.Errorf("checksum of % x does not verify", got)
			}
		})
	}
}

// TestIntegrationOwnAdvertsNotReceived sends from b first, then from a:
// b's first message must be a's, for multicast loopback is off.
func TestIntegrationOwnAdvertsNotReceived(t *testing.T) {
	a, b := lan2(t)
	for _, fam := range []int{4, 6} {
		ca := listen(t, a.ns, vrrpsock.Options{Family: fam, Interface: "eth0"})
		cb := listen(t, b.ns, vrrpsock.Options{Family: fam, Interface: "eth0"})
		srcA, srcB, dst := a.v4, b.v4, packet.Group4
		if fam == 6 {
			srcA, srcB, dst = a.ll, b.ll, packet.Group6
		}
		own := advert(t, 3, 60, 200, packet.PseudoHeader{Src: srcB, Dst: dst}, "192.0.2.100")
		if fam == 6 {
			own = advert(t, 3, 60, 200, packet.PseudoHeader{Src: srcB, Dst: dst}, "2001:db8::100")
		}
		write(t, cb, own, srcB, dst, 255)
		theirs := advert(t, 3, 61, 100, packet.PseudoHeader{}, "192.0.2.100")
		write(t, ca, theirs, srcA, dst, 255)
		_, meta := readOne(t, cb)
		if meta.Src != srcA {
			t.Errorf("IPv%d: first message from %s, want %s (b received its own advert)", fam, meta.Src, srcA)
		}
	}
}

// TestIntegrationOtherInterfaceFiltered: b has eth1 on a second link to c.
// An advert from c reaches b's eth1 Conn but not b's eth0 Conn, whose
// first message is the one a sends afterwards.
func TestIntegrationOtherInterfaceFiltered(t *testing.T) {
	a, b := lan2(t)
	c := netnstest.New(t, "c")
	noDAD(c)
	netnstest.Veth(t, b.ns, "eth1", c, "eth0")
	b.ns.IP("addr", "add", "198.51.100.2/24", "dev", "eth1")
	c.IP("addr", "add", "198.51.100.3/24", "dev", "eth0")
	cLL := linkLocal(t, c, "eth0")
	for _, fam := range []int{4, 6} {
		ca := listen(t, a.ns, vrrpsock.Options{Family: fam, Interface: "eth0"})
		cc := listen(t, c, vrrpsock.Options{Family: fam, Interface: "eth0"})
		cb0 := listen(t, b.ns, vrrpsock.Options{Family: fam, Interface: "eth0"})
		cb1 := listen(t, b.ns, vrrpsock.Options{Family: fam, Interface: "eth1"})
		srcA, srcC, dst := a.v4, netip.MustParseAddr("198.51.100.3"), packet.Group4
		if fam == 6 {
			srcA, srcC, dst = a.ll, cLL, packet.Group6
		}
		msg := advert(t, 3, 70, 100, packet.PseudoHeader{Src: srcC, Dst: dst})
		write(t, cc, msg, srcC, dst, 255)
		if _, meta := readOne(t, cb1); meta.Src != srcC {
			t.Fatalf("IPv%d: eth1 Conn got a message from %s, want %s", fam, meta.Src, srcC)
		}
		msg = advert(t, 3, 70, 100, packet.PseudoHeader{Src: srcA, Dst: dst})
		write(t, ca, msg, srcA, dst, 255)
		if _, meta := readOne(t, cb0); meta.Src != srcA {
			t.Errorf("IPv%d: eth0 Conn got a message from %s first, want %s", fam, meta.Src, srcA)
		}
	}
}

// TestIntegrationMulticastConnIgnoresUnicast: a Conn bound to the group
// does not receive adverts sent to the node's own address.
func TestIntegrationMulticastConnIgnoresUnicast(t *testing.T) {
	a, b := lan2(t)
	ca := listen(t, a.ns, vrrpsock.Options{Family: 4, Interface: "eth0", UnicastSrc: a.v4})
	cam := listen(t, a.ns, vrrpsock.Options{Family: 4, Interface: "eth0"})
	cb := listen(t, b.ns, vrrpsock.Options{Family: 4, Interface: "eth0"})
	uni := advert(t, 2, 80, 100, packet.PseudoHeader{})
	write(t, ca, uni, a.v4, b.v4, 255)
	write(t, cam, advert(t, 2, 81, 100, packet.PseudoHeader{}), a.v4, packet.Group4, 255)
	if _, meta := readOne(t, cb); meta.Dst != packet.Group4 {
		t.Errorf("multicast Conn received a packet for %s", meta.Dst)
	}
}

func TestIntegrationCloseUnblocksRead(t *testing.T) {
	a, _ := lan2(t)
	c := listen(t, a.ns, vrrpsock.Options{Family: 4, Interface: "eth0"})
	done := make(chan error, 1)
	go func() {
		_, _, err := c.ReadFrom(make([]byte, 100))
		done <- err
	}()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("ReadFrom after Close: %v, want net.ErrClosed", err)
	}
}

func TestListenRejects(t *testing.T) {
	tests := []struct {
		name string
		opts vrrpsock.Options
	}{
		{"family 5", vrrpsock.Options{Family: 5, Interface: "lo"}},
		{"multicast without interface", vrrpsock.Options{Family: 4}},
		{"v6 unicast source on v4", vrrpsock.Options{Family: 4, UnicastSrc: netip.MustParseAddr("2001:db8::1")}},
		{"unknown interface", vrrpsock.Options{Family: 4, Interface: "no-such-if0"}},
	}
	for _, tt := range tests {
		if c, err := vrrpsock.Listen(tt.opts); err == nil {
			c.Close()
			t.Errorf("%s: Listen succeeded", tt.name)
		}
	}
}
