package packet

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseIPv4Padding(t *testing.T) {
	v3 := readHex(t, "keepalived-v3.hex") // 32 bytes
	v2 := readHex(t, "keepalived-v2.hex") // 40 bytes
	pad := func(b []byte, n int) []byte { return append(bytes.Clone(b), make([]byte, n)...) }
	tests := []struct {
		name    string
		pkt     []byte
		payload int // expected payload length, or -1 for DropBadIPLength
	}{
		{"v3 exact", v3, 12},
		{"v3 padded to 46 bytes", pad(v3, 14), 12},
		{"v3 padded, one VLAN tag stripped", pad(v3, 10), 12},
		{"v2 padded to 46 bytes", pad(v2, 6), 20},
		{"v3 one stray byte", pad(v3, 1), -1},
		{"v3 padding beyond 46 bytes", pad(v3, 18), -1},
		{"v2 truncated", v2[:36], -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, payload, err := ParseIPv4(tc.pkt)
			if tc.payload < 0 {
				var e *Error
				if !errors.As(err, &e) || e.Reason != DropBadIPLength {
					t.Fatalf("ParseIPv4 = %v, want DropBadIPLength", err)
				}
				return
			}
			if err != nil || len(payload) != tc.payload {
				t.Fatalf("ParseIPv4 = %d bytes, %v; want %d bytes", len(payload), err, tc.payload)
			}
		})
	}
}

func TestParseIPv4Errors(t *testing.T) {
	v3 := readHex(t, "keepalived-v3.hex")
	mutate := func(f func(b []byte)) []byte { b := bytes.Clone(v3); f(b); return b }
	tests := []struct {
		name   string
		pkt    []byte
		reason DropReason
	}{
		{"short", v3[:19], DropTooShort},
		{"IPv6", mutate(func(b []byte) { b[0] = 0x65 }), DropTooShort},
		{"IHL 4", mutate(func(b []byte) { b[0] = 0x44 }), DropTooShort},
		{"IHL beyond the packet", mutate(func(b []byte) { b[0] = 0x4f }), DropTooShort},
		{"total length below the header", mutate(func(b []byte) { b[0] = 0x46; b[3] = 22 }), DropBadIPLength},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e *Error
			if _, _, err := ParseIPv4(tc.pkt); !errors.As(err, &e) || e.Reason != tc.reason {
				t.Errorf("ParseIPv4 = %v, want %v", err, tc.reason)
			}
		})
	}
}

func TestParseIPv4Options(t *testing.T) {
	// A header with one 4-byte option (IHL 6): the payload starts after it.
	pkt := readHex(t, "keepalived-v3.hex")
	opt := append(append(bytes.Clone(pkt[:20]), 1, 1, 1, 0), pkt[20:]...)
	opt[0], opt[3] = 0x46, byte(len(opt))
	_, payload, err := ParseIPv4(opt)
	if err != nil || !bytes.Equal(payload, pkt[20:]) {
		t.Errorf("ParseIPv4 = %x, %v; want %x", payload, err, pkt[20:])
	}
}

func TestIsPadding(t *testing.T) {
	tests := []struct {
		want, got int
		ok        bool
	}{
		{32, 32, false}, // equal: no padding
		{32, 46, true},  // padded to the minimum Ethernet payload
		{32, 42, true},  // padded with a VLAN tag (stripped) in the frame
		{32, 38, true},  // two VLAN tags
		{32, 33, false}, // not padding
		{40, 46, true},
		{46, 50, false}, // no padding once the minimum is reached
		{32, 30, false}, // short is never padding
	}
	for _, tc := range tests {
		if got := IsPadding(tc.want, tc.got); got != tc.ok {
			t.Errorf("IsPadding(%d, %d) = %v, want %v", tc.want, tc.got, got, tc.ok)
		}
	}
}

func TestIPv4HeaderMarshal(t *testing.T) {
	h := NewIPv4Header(src4, Group4, 3, 12)
	b, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// keepalived's third v3 advert (id 3) from the same capture session.
	want := unhex(t, `45c0 0020 0003 0000 ff70 1897 c000 0201 e000 0012`)
	if !bytes.Equal(b, want) {
		t.Errorf("MarshalBinary:\n got %x\nwant %x", b, want)
	}
	h.Dst = Group6
	if _, err := h.MarshalBinary(); err == nil {
		t.Errorf("MarshalBinary accepts an IPv6 destination")
	}
}
