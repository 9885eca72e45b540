package packet

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzAdvertisement checks that every message UnmarshalBinary accepts
// encodes back to the same bytes (except the v3 reserved bits, which are
// ignored on receipt and sent as zero) and decodes to the same value.
func FuzzAdvertisement(f *testing.F) {
	seeds := []string{
		`21 01 64 01 00 01 b8fa c0000201 0000000000000000`,                                        // v2, no auth, one address
		`21 42 64 01 01 01 49d8 c0000264 7365637265743132`,                                        // keepalived 2.2.7 v2 PASS "secret12"
		`21 33 ff 02 02 03 0000 c000020a c000020b 0000000000000000`,                               // v2 AH, two addresses
		`31 42 64 01 0064 0563 c0000264`,                                                          // keepalived 2.2.7 v3 IPv4
		`31 42 64 01 f064 0563 c0000264`,                                                          // v3 with reserved bits set
		`31 07 00 02 0fff 6553 20010db8000000000000000000000001 20010db8000000000000000000000002`, // v3 IPv6
		`31 09 01 00 0001 2b69`,                                                                   // v3 without addresses
		`21 01 64 01 03 01 0000 c0000201 0000`,                                                    // truncated v2 with a bad auth type
		`22 01 64 00 00 01 0000 0000000000000000`,                                                 // v2 type 2
		`41 01 64 00 0064 0000`,                                                                   // version 4
	}
	for _, s := range seeds {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a Advertisement
		if a.UnmarshalBinary(data) != nil {
			return
		}
		out, err := a.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary of a decoded %x: %v", data, err)
		}
		want := bytes.Clone(data)
		if a.Version == Version3 {
			want[4] &= 0x0f
		}
		if !bytes.Equal(out, want) {
			t.Fatalf("round trip:\n got %x\nwant %x", out, want)
		}
		var b Advertisement
		if err := b.UnmarshalBinary(out); err != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("decode of re-encoded: %v\n got %+v\nwant %+v", err, b, a)
		}
		if VerifyChecksum(out, PseudoHeader{}) != (ComputeChecksum(out, PseudoHeader{}) == a.Checksum) {
			t.Fatalf("VerifyChecksum and ComputeChecksum disagree on %x", out)
		}
	})
}

// FuzzParseIPv4 checks that ParseIPv4 never panics and returns a payload
// inside the packet, no longer than the total length says.
func FuzzParseIPv4(f *testing.F) {
	f.Add(unhex(f, `45c0 0020 0001 0000 ff70 1899 c000 0201 e000 0012 3142 6401 0064 0563 c000 0264`)) // keepalived v3
	f.Add(unhex(f, `46c0 0018 0001 0000 ff70 0000 c000 0201 e000 0012 0101 0100`))                     // IHL 6, no payload
	f.Add(unhex(f, `45c0 0014 0001 0000 ff70 0000 c000 0201 e000 0012 0000`))                          // padded
	f.Fuzz(func(t *testing.T, data []byte) {
		h, payload, err := ParseIPv4(data)
		if err != nil {
			return
		}
		if len(payload) > len(data)-IPv4HeaderLen || len(payload) > int(h.TotalLen) {
			t.Fatalf("payload of %d bytes from %d (total length %d)", len(payload), len(data), h.TotalLen)
		}
	})
}
