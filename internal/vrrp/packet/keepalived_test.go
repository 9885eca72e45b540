package packet

import (
	"bytes"
	"net/netip"
	"os"
	"reflect"
	"testing"
)

// readHex reads a testdata hex file (see unhex for the format).
func readHex(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return unhex(t, string(b))
}

// TestKeepalivedIPv4Captures decodes adverts sent by Debian's keepalived
// 2.2.7 (see the comments in the testdata files), checks every field and
// checksum, and re-encodes them byte for byte: header and message.
func TestKeepalivedIPv4Captures(t *testing.T) {
	vip := addrs("192.0.2.100")
	tests := []struct {
		file   string
		adv    Advertisement
		pseudo PseudoHeader
	}{{
		file: "keepalived-v2.hex",
		adv: Advertisement{Version: 2, Type: 1, VRID: 66, Priority: 100, AuthType: AuthPass,
			AuthData: PassAuthData("secret12"), Interval: 1, Checksum: 0x49d8, Addrs: vip},
	}, {
		file:   "keepalived-v3.hex",
		adv:    Advertisement{Version: 3, Type: 1, VRID: 66, Priority: 100, Interval: 100, Checksum: 0x0563, Addrs: vip},
		pseudo: PseudoHeader{Src: src4, Dst: Group4},
	}}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			pkt := readHex(t, tc.file)
			h, payload, err := ParseIPv4(pkt)
			if err != nil {
				t.Fatal(err)
			}
			wantH := IPv4Header{TOS: 0xc0, TotalLen: uint16(len(pkt)), ID: 1, TTL: 255, Protocol: 112,
				Checksum: h.Checksum, Src: src4, Dst: Group4}
			if h != wantH {
				t.Errorf("ParseIPv4 header:\n got %+v\nwant %+v", h, wantH)
			}
			if Checksum(pkt[:IPv4HeaderLen]) != 0 {
				t.Errorf("IPv4 header checksum %#04x does not verify", h.Checksum)
			}
			var a Advertisement
			if err := a.Unmarshal(payload, IPv4); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, tc.adv) {
				t.Errorf("Unmarshal:\n got %+v\nwant %+v", a, tc.adv)
			}
			if !VerifyChecksum(payload, tc.pseudo) {
				t.Errorf("checksum %#04x does not verify", a.Checksum)
			}
			checkReencode(t, pkt, tc.adv, tc.pseudo)
		})
	}
}

// checkReencode builds the packet as keepalived does (header from
// NewIPv4Header, message with SetChecksum) and compares it with pkt.
func checkReencode(t *testing.T, pkt []byte, adv Advertisement, pseudo PseudoHeader) {
	t.Helper()
	adv.Checksum = 0
	if err := adv.SetChecksum(pseudo); err != nil {
		t.Fatal(err)
	}
	h := NewIPv4Header(src4, Group4, 1, adv.Len())
	b, err := h.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, err = adv.AppendBinary(b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, pkt) {
		t.Errorf("re-encoded:\n got %x\nwant %x", b, pkt)
	}
}

// TestKeepalivedIPv6Capture checks the IPv6 pseudo-header checksum
// against the one the kernel computed for keepalived (IPV6_CHECKSUM).
func TestKeepalivedIPv6Capture(t *testing.T) {
	pkt := readHex(t, "keepalived-v3-ipv6.hex")
	const ipv6HeaderLen = 40
	src := netip.AddrFrom16([16]byte(pkt[8:24]))
	dst := netip.AddrFrom16([16]byte(pkt[24:40]))
	if src != netip.MustParseAddr("fe80::1408:a3ff:fe4e:3474") || dst != Group6 || pkt[7] != TTL {
		t.Fatalf("IPv6 header: %s > %s hop limit %d", src, dst, pkt[7])
	}
	msg := pkt[ipv6HeaderLen:]
	want := Advertisement{Version: 3, Type: 1, VRID: 66, Priority: 100, Interval: 100,
		Checksum: 0x52b6, Addrs: addrs("2001:db8::100")}
	var a Advertisement
	if err := a.UnmarshalBinary(msg); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("UnmarshalBinary:\n got %+v\nwant %+v", a, want)
	}
	p := PseudoHeader{Src: src, Dst: dst}
	if !VerifyChecksum(msg, p) {
		t.Errorf("checksum %#04x does not verify with the IPv6 pseudo-header", a.Checksum)
	}
	want.Checksum = 0
	if err := want.SetChecksum(p); err != nil {
		t.Fatal(err)
	}
	b, _ := want.MarshalBinary()
	if !bytes.Equal(b, msg) {
		t.Errorf("re-encoded:\n got %x\nwant %x", b, msg)
	}
}
