package packet

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

var key12 = PassAuthData("secret12")

// TestKeepalivedAHCaptures decodes the AH adverts Debian's keepalived
// 2.2.7 sent (testdata/capture-ah.sh), verifies their ICV and sequence
// number as keepalived does, and rebuilds them byte for byte.
func TestKeepalivedAHCaptures(t *testing.T) {
	tests := []struct {
		file    string
		dst     netip.Addr
		unicast bool
		icv     string
	}{
		{"keepalived-v2-ah-mcast.hex", Group4, false, "5f6f3136ce01c01b69841faa"},
		{"keepalived-v2-ah-ucast.hex", netip.MustParseAddr("192.0.2.2"), true, "1391b4d81aa2f552d03b49ef"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			pkt := readHex(t, tc.file)
			h, payload, err := ParseIPv4(pkt)
			if err != nil {
				t.Fatal(err)
			}
			wantH := IPv4Header{TOS: 0xc0, TotalLen: 64, ID: 1, TTL: 255, Protocol: ProtocolAH,
				Checksum: h.Checksum, Src: src4, Dst: tc.dst}
			if h != wantH {
				t.Errorf("ParseIPv4 header:\n got %+v\nwant %+v", h, wantH)
			}
			ah, msg, err := ParseAH(payload)
			if err != nil {
				t.Fatal(err)
			}
			wantAH := AH{NextHeader: 112, PayloadLen: 4, SPI: 0xc0000201, Seq: 1, ICV: [ICVLen]byte(unhex(t, tc.icv))}
			if ah != wantAH {
				t.Errorf("ParseAH:\n got %+v\nwant %+v", ah, wantAH)
			}
			var a Advertisement
			if err := a.Unmarshal(msg, IPv4); err != nil {
				t.Fatal(err)
			}
			wantAdv := Advertisement{Version: 2, Type: 1, VRID: 66, Priority: 100, AuthType: AuthAH,
				Interval: 1, Checksum: 0xb656, Addrs: addrs("192.0.2.100")}
			if !reflect.DeepEqual(a, wantAdv) {
				t.Errorf("Unmarshal:\n got %+v\nwant %+v", a, wantAdv)
			}
			if !VerifyChecksum(msg, PseudoHeader{}) {
				t.Errorf("VRRP checksum %#04x does not verify", a.Checksum)
			}
			hdr := pkt[:IPv4HeaderLen]
			if !VerifyICV(key12, hdr, payload, tc.unicast) {
				t.Errorf("ICV does not verify")
			}
			if VerifyICV(key12, hdr, payload, !tc.unicast) {
				t.Errorf("ICV verifies with unicast=%v too: the TTL is not covered", !tc.unicast)
			}
			if VerifyICV(PassAuthData("secret13"), hdr, payload, tc.unicast) {
				t.Errorf("ICV verifies with another key")
			}
			var seq AHSequence
			if _, err := CheckAH(hdr, payload, src4, key12, tc.unicast, &seq); err != nil || seq.Seq != 1 {
				t.Errorf("CheckAH: %v, sequence now %d (want nil, 1)", err, seq.Seq)
			}
			if _, err := CheckAH(hdr, payload, src4, key12, tc.unicast, &seq); dropReason(err) != DropAHReplay {
				t.Errorf("CheckAH of the same packet again: %v, want a replay", err)
			}
			b, err := BuildAH(NewIPv4Header(src4, tc.dst, 1, 0), 1, msg, key12, tc.unicast)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, pkt) {
				t.Errorf("BuildAH:\n got %x\nwant %x", b, pkt)
			}
		})
	}
}

// dropReason returns the reason of a packet error, DropNone for nil.
func dropReason(err error) DropReason {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Reason
	}
	if err != nil {
		return DropReason(255)
	}
	return DropNone
}

// TestICVCoverage changes one byte of a built AH packet at a time: the
// mutable IPv4 fields (and the TTL of a unicast packet) leave the ICV
// valid, everything else breaks it.
func TestICVCoverage(t *testing.T) {
	msg := v2AHMessage(t)
	tests := []struct {
		name    string
		off     int
		unicast bool
		covered bool
	}{
		{"tos", 1, false, false},
		{"total length", 3, false, true},
		{"id", 5, false, true},
		{"flags", 6, false, false},
		{"fragment offset", 7, false, false},
		{"multicast ttl", 8, false, true},
		{"unicast ttl", 8, true, false},
		{"protocol", 9, false, true},
		{"header checksum", 10, false, false},
		{"source", 15, false, true},
		{"destination", 19, true, true},
		{"next header", 20, false, true},
		{"spi", 27, false, true},
		{"sequence", 31, false, true},
		{"icv", 32, false, true},
		{"vrrp priority", 46, false, true},
		{"vrrp address", 55, true, true},
		{"vrrp auth data", 63, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pkt, err := BuildAH(NewIPv4Header(src4, Group4, 7, 0), 42, msg, key12, tc.unicast)
			if err != nil {
				t.Fatal(err)
			}
			if !VerifyICV(key12, pkt[:IPv4HeaderLen], pkt[IPv4HeaderLen:], tc.unicast) {
				t.Fatal("built packet does not verify")
			}
			pkt[tc.off] ^= 0x01
			got := VerifyICV(key12, pkt[:IPv4HeaderLen], pkt[IPv4HeaderLen:], tc.unicast)
			if got == tc.covered {
				t.Errorf("byte %d changed: ICV verifies = %v, want %v", tc.off, got, !tc.covered)
			}
		})
	}
}

// v2AHMessage is a final VRRPv2 message with auth type AH.
func v2AHMessage(t *testing.T) []byte {
	t.Helper()
	adv := Advertisement{Version: 2, Type: 1, VRID: 66, Priority: 100, AuthType: AuthAH, Interval: 1, Addrs: addrs("192.0.2.100")}
	if err := adv.SetChecksum(PseudoHeader{}); err != nil {
		t.Fatal(err)
	}
	b, err := adv.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCheckAHOrder checks that CheckAH applies keepalived's checks in its
// order and leaves the counter alone on every failure.
func TestCheckAHOrder(t *testing.T) {
	msg := v2AHMessage(t)
	build := func(t *testing.T, seq uint32, edit func(pkt []byte)) []byte {
		pkt, err := BuildAH(NewIPv4Header(src4, Group4, 1, 0), seq, msg, key12, false)
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(pkt)
			icv := ComputeICV(key12, pkt[:IPv4HeaderLen], pkt[IPv4HeaderLen:], false)
			copy(pkt[IPv4HeaderLen+AHLen-ICVLen:], icv[:])
		}
		return pkt
	}
	tests := []struct {
		name   string
		pkt    func(t *testing.T) []byte
		key    [AuthDataLen]byte
		src    netip.Addr
		want   DropReason
		detail string
	}{{
		name: "accepted", pkt: func(t *testing.T) []byte { return build(t, 11, nil) },
		key: key12, src: src4, want: DropNone,
	}, {
		name: "other protocol before the ICV", pkt: func(t *testing.T) []byte { return build(t, 11, func(p []byte) { p[20] = 6 }) },
		key: PassAuthData("other"), src: src4, want: DropAHNotVRRP,
	}, {
		name: "wrong key", pkt: func(t *testing.T) []byte { return build(t, 11, nil) },
		key: PassAuthData("other"), src: src4, want: DropBadICV,
		detail: "IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !",
	}, {
		name: "spi not the source", pkt: func(t *testing.T) []byte { return build(t, 11, func(p []byte) { p[27] = 9 }) },
		key: key12, src: src4, want: DropBadSPI,
	}, {
		name: "replay", pkt: func(t *testing.T) []byte { return build(t, 10, nil) },
		key: key12, src: src4, want: DropAHReplay,
		detail: "IPSEC-AH : sequence number 10 already processed. Packet dropped. Local(10)",
	}, {
		name: "truncated", pkt: func(t *testing.T) []byte { return build(t, 11, nil)[:IPv4HeaderLen+AHLen-1] },
		key: key12, src: src4, want: DropTooShort,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pkt := tc.pkt(t)
			seq := AHSequence{Seq: 10}
			_, err := CheckAH(pkt[:IPv4HeaderLen], pkt[IPv4HeaderLen:], tc.src, tc.key, false, &seq)
			if got := dropReason(err); got != tc.want {
				t.Fatalf("CheckAH: %v (%v), want %v", got, err, tc.want)
			}
			wantSeq := uint32(10)
			if tc.want == DropNone {
				wantSeq = 11
			}
			if seq.Seq != wantSeq {
				t.Errorf("sequence %d after the check, want %d", seq.Seq, wantSeq)
			}
			if tc.detail != "" && err.Error() != tc.detail {
				t.Errorf("detail %q, want %q", err, tc.detail)
			}
		})
	}
}

// TestAHSequence follows keepalived's counter: increments on send, takes
// higher received numbers, stops at its limit until a restart as master.
func TestAHSequence(t *testing.T) {
	var s AHSequence
	if n := s.Next(); n != 1 || s.Next() != 2 {
		t.Fatalf("first numbers %d, %d: want 1, 2", n, s.Seq)
	}
	if s.Accept(2) || s.Accept(1) {
		t.Errorf("accepted a number not above the last sent")
	}
	if !s.Accept(100) || s.Seq != 100 || s.Next() != 101 {
		t.Errorf("after accepting 100, sequence %d, want next 101", s.Seq)
	}
	s.SyncAbove(500)
	if s.Next() != 502 {
		t.Errorf("after SyncAbove(500), next %d, want 502", s.Seq)
	}
	s = AHSequence{Seq: 0xfffffffd}
	if s.Next() != 0xfffffffe || s.Cycled {
		t.Fatalf("0xfffffffd+1 = %#x cycled %v", s.Seq, s.Cycled)
	}
	if s.Next() != 0xfffffffe || !s.Cycled {
		t.Fatalf("at the limit: %#x cycled %v, want 0xfffffffe and cycled", s.Seq, s.Cycled)
	}
	s.Restart()
	if s != (AHSequence{}) || s.Next() != 1 {
		t.Errorf("after Restart: %+v", s)
	}
	s = AHSequence{Seq: 9}
	s.Restart()
	if s.Seq != 9 {
		t.Errorf("Restart of a counter that has not cycled reset it to %d", s.Seq)
	}
}

// FuzzAH checks that ParseAH re-encodes what it decodes, that CheckAH
// never panics, and that an ICV set by ComputeICV verifies and leaves the
// rest of the packet alone.
func FuzzAH(f *testing.F) {
	f.Add(readHex(f, "keepalived-v2-ah-mcast.hex"), false)                                                                      // keepalived 2.2.7 multicast
	f.Add(readHex(f, "keepalived-v2-ah-ucast.hex"), true)                                                                       // keepalived 2.2.7 unicast
	f.Add(unhex(f, `46c0 0044 0001 0000 ff33 0000 c000 0201 e000 0012 01020304 7004 0000 c000 0201 0000 0001 00000000`), false) // IHL 6
	f.Add(unhex(f, `45c0 0018 0001 0000 ff33 0000 c000 0201 e000 0012 7004 0000`), false)                                       // AH cut short
	f.Fuzz(func(t *testing.T, data []byte, unicast bool) {
		h, payload, err := ParseIPv4(data)
		if err != nil {
			return
		}
		hdr := data[:len(data)-len(payload)]
		if len(payload) > int(h.TotalLen) {
			hdr = data[:IPv4HeaderLen]
		}
		var seq AHSequence
		_, _ = CheckAH(hdr, payload, h.Src, key12, unicast, &seq)
		ah, rest, err := ParseAH(payload)
		if err != nil {
			return
		}
		out, _ := ah.MarshalBinary()
		if !bytes.Equal(out, payload[:AHLen]) || len(rest) != len(payload)-AHLen {
			t.Fatalf("ParseAH round trip: %x from %x", out, payload[:AHLen])
		}
		pkt := bytes.Clone(payload)
		icv := ComputeICV(key12, hdr, pkt, unicast)
		copy(pkt[AHLen-ICVLen:], icv[:])
		if !VerifyICV(key12, hdr, pkt, unicast) {
			t.Fatalf("ComputeICV's value does not verify on %x", pkt)
		}
		if !bytes.Equal(pkt[:AHLen-ICVLen], payload[:AHLen-ICVLen]) || !bytes.Equal(pkt[AHLen:], payload[AHLen:]) {
			t.Fatalf("setting the ICV changed other bytes")
		}
	})
}
