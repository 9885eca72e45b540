package vrrpsock_test

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/keepalived-go/keepalived/internal/sys/vrrpsock"
	"github.com/keepalived-go/keepalived/internal/vrrp/packet"
)

// ahPacket builds an AH advert from src to dst as the router does.
func ahPacket(t *testing.T, src, dst netip.Addr, id uint16, ttl uint8, seq uint32, vrid uint8, unicast bool) []byte {
	t.Helper()
	msg := advert(t, 2, vrid, 100, packet.PseudoHeader{}, "192.0.2.100")
	msg[4] = uint8(packet.AuthAH)
	packet.SetChecksum(msg, packet.PseudoHeader{})
	h := packet.NewIPv4Header(src, dst, id, 0)
	h.TTL = ttl
	pkt, err := packet.BuildAH(h, seq, msg, packet.PassAuthData("secret"), unicast)
	if err != nil {
		t.Fatal(err)
	}
	return pkt
}

// TestIntegrationAHCrossesLAN sends AH adverts built by the caller
// through protocol 51 sockets: they arrive with their IPv4 header intact
// (the identification we chose, TTL, length), so the ICV verifies on the
// receiver, multicast and unicast.
func TestIntegrationAHCrossesLAN(t *testing.T) {
	a, b := lan2(t)
	bIdx := ifIndex(t, b.ns, "eth0")
	tests := []struct {
		name         string
		optsA, optsB vrrpsock.Options
		dst          netip.Addr
		ttl          uint8
		unicast      bool
	}{
		{"multicast", vrrpsock.Options{Family: 4, Interface: "eth0", AH: true}, vrrpsock.Options{Family: 4, Interface: "eth0", AH: true},
			packet.Group4, 255, false},
		{"unicast, unicast_ttl 7", vrrpsock.Options{Family: 4, Interface: "eth0", UnicastSrc: a.v4, AH: true},
			vrrpsock.Options{Family: 4, Interface: "eth0", UnicastSrc: b.v4, AH: true}, b.v4, 7, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := listen(t, a.ns, tt.optsA)
			cb := listen(t, b.ns, tt.optsB)
			pkt := ahPacket(t, a.v4, tt.dst, 4242, tt.ttl, 9, 51, tt.unicast)
			if err := ca.WritePacket(pkt); err != nil {
				t.Fatal(err)
			}
			got, meta := readOne(t, cb)
			if !bytes.Equal(got, pkt[packet.IPv4HeaderLen:]) {
				t.Errorf("received % x, want % x", got, pkt[packet.IPv4HeaderLen:])
			}
			if !bytes.Equal(meta.Header, pkt[:packet.IPv4HeaderLen]) {
				t.Errorf("header % x, want the one sent % x", meta.Header, pkt[:packet.IPv4HeaderLen])
			}
			if meta.Protocol != packet.ProtocolAH || meta.IfIndex != bIdx || meta.Src != a.v4 || meta.Dst != tt.dst ||
				meta.TTL != int(tt.ttl) || meta.IPLen != len(pkt) {
				t.Errorf("meta %+v", meta)
			}
			if !packet.VerifyICV(packet.PassAuthData("secret"), meta.Header, got, tt.unicast) {
				t.Errorf("ICV does not verify on the receiver")
			}
		})
	}
}

// TestIntegrationAHAndVRRPSocketsApart: a protocol 112 socket never sees
// AH packets and a protocol 51 socket never sees plain VRRP, as with
// keepalived's per-protocol sockets. Each socket's first message must be
// the one of its protocol, sent second.
func TestIntegrationAHAndVRRPSocketsApart(t *testing.T) {
	a, b := lan2(t)
	plainA := listen(t, a.ns, vrrpsock.Options{Family: 4, Interface: "eth0"})
	ahA := listen(t, a.ns, vrrpsock.Options{Family: 4, Interface: "eth0", AH: true})
	plainB := listen(t, b.ns, vrrpsock.Options{Family: 4, Interface: "eth0"})
	ahB := listen(t, b.ns, vrrpsock.Options{Family: 4, Interface: "eth0", AH: true})

	if err := ahA.WritePacket(ahPacket(t, a.v4, packet.Group4, 1, 255, 1, 61, false)); err != nil {
		t.Fatal(err)
	}
	write(t, plainA, advert(t, 2, 62, 100, packet.PseudoHeader{}, "192.0.2.100"), a.v4, packet.Group4, 255)
	if msg, meta := readOne(t, plainB); msg[1] != 62 || meta.Protocol != packet.Protocol || meta.Header != nil {
		t.Errorf("protocol 112 socket's first message: VRID %d, meta %+v; want VRID 62 (the AH one, 61, is not for it)", msg[1], meta)
	}
	if err := ahA.WritePacket(ahPacket(t, a.v4, packet.Group4, 2, 255, 2, 63, false)); err != nil {
		t.Fatal(err)
	}
	// ahB got the AH packet 61, not the plain 62, then 63.
	for _, want := range []uint8{61, 63} {
		msg, meta := readOne(t, ahB)
		if meta.Protocol != packet.ProtocolAH || len(msg) < packet.AHLen+2 || msg[packet.AHLen+1] != want {
			t.Fatalf("AH socket: % x (meta %+v), want the AH advert of VRID %d", msg, meta, want)
		}
	}
}

func TestListenRejectsAHOverIPv6(t *testing.T) {
	if _, err := vrrpsock.Listen(vrrpsock.Options{Family: 6, Interface: "lo", AH: true}); err == nil {
		t.Fatal("Listen accepted AH over IPv6")
	}
}
