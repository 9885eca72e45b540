package vrrpsock

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net"
	"net/netip"
	"strings"
	"testing"
)

var testMAC = net.HardwareAddr{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGARPFrame checks the frame byte for byte against keepalived's
// layout (vrrp_arp.c): request, broadcast target hardware address,
// sender = target = the VIP.
func TestGARPFrame(t *testing.T) {
	got, err := garpFrame(testMAC, netip.MustParseAddr("192.0.2.100"))
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, `
		ffffffffffff 02005e102030 0806
		0001 0800 06 04 0001
		02005e102030 c0000264
		ffffffffffff c0000264`)
	if !bytes.Equal(got, want) {
		t.Errorf("garp frame\n got % x\nwant % x", got, want)
	}
	if _, err := garpFrame(testMAC, netip.MustParseAddr("2001:db8::1")); err == nil {
		t.Error("garpFrame accepted an IPv6 address")
	}
}

// icmp6Checksum is RFC 4443 §2.3's checksum, written out independently
// of the ndp package: it returns 0 over a message whose checksum is right.
func icmp6Checksum(src, dst netip.Addr, msg []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	add(src.AsSlice())
	add(dst.AsSlice())
	sum += uint32(len(msg)) + 58
	add(msg)
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

func TestNAFrame(t *testing.T) {
	vip := netip.MustParseAddr("2001:db8::100")
	for _, router := range []bool{false, true} {
		got, err := naFrame(testMAC, vip, router)
		if err != nil {
			t.Fatal(err)
		}
		flags := "20"
		if router {
			flags = "a0"
		}
		want := unhex(t, `
			333300000001 02005e102030 86dd
			60000000 0020 3a ff
			20010db8000000000000000000000100
			ff020000000000000000000000000001
			8800 0000 `+flags+`000000
			20010db8000000000000000000000100
			02 01 02005e102030`)
		if len(got) != len(want) {
			t.Fatalf("router=%v: frame of %d bytes, want %d", router, len(got), len(want))
		}
		// Bytes 56-57 are the ICMPv6 checksum: compared by verifying it.
		copy(want[56:58], got[56:58])
		if !bytes.Equal(got, want) {
			t.Errorf("router=%v: na frame\n got % x\nwant % x", router, got, want)
		}
		if c := icmp6Checksum(vip, allNodes, got[54:]); c != 0 {
			t.Errorf("router=%v: ICMPv6 checksum does not verify (residue %#04x)", router, c)
		}
	}
}
