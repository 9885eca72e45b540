package packet

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// unhex decodes hex with spaces, newlines and # comments.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	var clean strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		line, _, _ = strings.Cut(line, "#")
		clean.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(clean.String())
	if err != nil {
		t.Fatalf("bad hex: %v", err)
	}
	return b
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

var (
	src4  = netip.MustParseAddr("192.0.2.1")
	peer4 = netip.MustParseAddr("192.0.2.2")
	src6  = netip.MustParseAddr("fe80::1")
)

// goldens are advertisements with their bytes written by hand from the
// RFC 3768 §5.1 / RFC 5798 §5.1 layouts; the checksums were computed
// independently (RFC 1071 in a few lines of Python).
var goldens = []struct {
	name   string
	adv    Advertisement
	pseudo PseudoHeader
	hex    string
}{{
	name: "v2 no auth one address",
	adv: Advertisement{Version: 2, Type: 1, VRID: 1, Priority: 100, Interval: 1,
		Checksum: 0xb8fa, Addrs: addrs("192.0.2.1")},
	hex: `21 01 64 01  00 01 b8fa  c0000201  0000000000000000`,
}, {
	name: "v2 PASS two addresses",
	adv: Advertisement{Version: 2, Type: 1, VRID: 51, Priority: 255, AuthType: AuthPass,
		AuthData: PassAuthData("pw"), Interval: 3, Checksum: 0xea38, Addrs: addrs("192.0.2.10", "192.0.2.11")},
	hex: `21 33 ff 02  01 03 ea38  c000020a c000020b  7077000000000000`,
}, {
	name: "v3 IPv4 multicast (same as keepalived's capture)",
	adv: Advertisement{Version: 3, Type: 1, VRID: 66, Priority: 100, Interval: 100,
		Checksum: 0x0563, Addrs: addrs("192.0.2.100")},
	pseudo: PseudoHeader{Src: src4, Dst: Group4},
	hex:    `31 42 64 01  0064 0563  c0000264`,
}, {
	name: "v3 IPv4 unicast peer in the pseudo-header",
	adv: Advertisement{Version: 3, Type: 1, VRID: 66, Priority: 100, Interval: 100,
		Checksum: 0x2373, Addrs: addrs("192.0.2.100")},
	pseudo: PseudoHeader{Src: src4, Dst: peer4},
	hex:    `31 42 64 01  0064 2373  c0000264`,
}, {
	name: "v3 IPv4 v3_checksum_as_v2 (no pseudo-header)",
	adv: Advertisement{Version: 3, Type: 1, VRID: 66, Priority: 100, Interval: 100,
		Checksum: 0xa7f3, Addrs: addrs("192.0.2.100")},
	hex: `31 42 64 01  0064 a7f3  c0000264`,
}, {
	name: "v3 IPv6 priority 0 longest interval",
	adv: Advertisement{Version: 3, Type: 1, VRID: 7, Priority: 0, Interval: 4095,
		Checksum: 0x6553, Addrs: addrs("2001:db8::1", "2001:db8::2")},
	pseudo: PseudoHeader{Src: src6, Dst: Group6},
	hex: `31 07 00 02  0fff 6553
	      20010db8000000000000000000000001
	      20010db8000000000000000000000002`,
}, {
	name:   "v3 no addresses",
	adv:    Advertisement{Version: 3, Type: 1, VRID: 9, Priority: 1, Interval: 1, Checksum: 0x2b69},
	pseudo: PseudoHeader{Src: src4, Dst: Group4},
	hex:    `31 09 01 00  0001 2b69`,
}}

func TestGoldenMarshal(t *testing.T) {
	for _, tc := range goldens {
		t.Run(tc.name, func(t *testing.T) {
			want := unhex(t, tc.hex)
			got, err := tc.adv.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("MarshalBinary:\n got %x\nwant %x", got, want)
			}
			if n := tc.adv.Len(); n != len(want) {
				t.Errorf("Len() = %d, want %d", n, len(want))
			}
		})
	}
}

func TestGoldenUnmarshal(t *testing.T) {
	for _, tc := range goldens {
		t.Run(tc.name, func(t *testing.T) {
			var got Advertisement
			if err := got.UnmarshalBinary(unhex(t, tc.hex)); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.adv) {
				t.Errorf("UnmarshalBinary:\n got %+v\nwant %+v", got, tc.adv)
			}
		})
	}
}

func TestGoldenChecksum(t *testing.T) {
	for _, tc := range goldens {
		t.Run(tc.name, func(t *testing.T) {
			msg := unhex(t, tc.hex)
			if !VerifyChecksum(msg, tc.pseudo) {
				t.Errorf("VerifyChecksum = false")
			}
			if ck := ComputeChecksum(msg, tc.pseudo); ck != tc.adv.Checksum {
				t.Errorf("ComputeChecksum = %#04x, want %#04x", ck, tc.adv.Checksum)
			}
			a := tc.adv
			a.Checksum = 0
			if err := a.SetChecksum(tc.pseudo); err != nil || a.Checksum != tc.adv.Checksum {
				t.Errorf("SetChecksum = %v, checksum %#04x, want %#04x", err, a.Checksum, tc.adv.Checksum)
			}
			msg[6], msg[7] = 0xde, 0xad
			SetChecksum(msg, tc.pseudo)
			if !bytes.Equal(msg, unhex(t, tc.hex)) {
				t.Errorf("SetChecksum on bytes: got %x", msg)
			}
			msg[2]++
			if VerifyChecksum(msg, tc.pseudo) {
				t.Errorf("VerifyChecksum accepts a changed priority")
			}
		})
	}
}

// TestChecksumVariants checks that each v3/IPv4 variant only verifies
// under its own pseudo-header, and the old unicast helper.
func TestChecksumVariants(t *testing.T) {
	a := Advertisement{Version: 3, Type: 1, VRID: 66, Priority: 100, Interval: 100, Addrs: addrs("192.0.2.100")}
	variants := map[string]PseudoHeader{
		"rfc multicast":     {Src: src4, Dst: Group4},
		"rfc unicast":       {Src: src4, Dst: peer4},
		"checksum as v2":    {},
		"other source addr": {Src: peer4, Dst: Group4},
	}
	for name, p := range variants {
		if err := a.SetChecksum(p); err != nil {
			t.Fatal(err)
		}
		msg, _ := a.MarshalBinary()
		for other, q := range variants {
			if got := VerifyChecksum(msg, q); got != (name == other) {
				t.Errorf("checksum for %s verifies under %s: %v", name, other, got)
			}
		}
		old := name == "rfc multicast"
		if got := VerifyOldUnicastChecksum(msg, src4, Group4); got != old {
			t.Errorf("VerifyOldUnicastChecksum(%s) = %v, want %v", name, got, old)
		}
	}
}

func TestChecksumRFC1071Example(t *testing.T) {
	// RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
	if got := Checksum([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}); got != ^uint16(0xddf2) {
		t.Errorf("Checksum = %#04x, want %#04x", got, ^uint16(0xddf2))
	}
	if got := Checksum([]byte{0xff}); got != 0x00ff {
		t.Errorf("odd length: Checksum = %#04x, want 0x00ff", got)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name   string
		hex    string
		family Family
		reason DropReason
		detail string
	}{
		{"empty", ``, IPv4, DropTooShort, "vrrp packet too short, length 0 and expect at least 8"},
		{"v2 without auth data", `21 01 64 01 00 01 0000 c0000201`, IPv4, DropTooShort, "vrrp packet too short, length 12 and expect 20"},
		{"v2 extra byte", `21 01 64 01 00 01 0000 c0000201 0000000000000000 00`, IPv4, DropTooLong, "vrrp packet too long, length 21 and expect 20"},
		{"v3 count 2 one address", `31 01 64 02 0064 0000 c0000201`, IPv4, DropTooShort, "vrrp packet too short, length 12 and expect 16"},
		{"v3 IPv6 with IPv4 address", `31 01 64 01 0064 0000 c0000201`, IPv6, DropTooShort, "vrrp packet too short, length 12 and expect 24"},
		{"version 1", `11 01 64 01 0064 0000 c0000201`, IPv4, DropWrongVersion, "wrong VRRP version 1"},
		{"version 4", `41 01 64 00 0064 0000`, IPv4, DropWrongVersion, "wrong VRRP version 4"},
		{"v2 over IPv6", `21 01 64 00 0001 0000`, IPv6, DropWrongVersion, "wrong VRRP version 2"},
		{"v2 auth type 3", `21 01 64 00 03 01 0000 0000000000000000`, IPv4, DropBadAuthType, "invalid auth type 3"},
		{"v2 type 2", `22 01 64 00 00 01 0000 0000000000000000`, IPv4, DropBadType, "invalid packet type 2 and expect 1"},
		{"v3 type 0", `30 01 64 00 0064 0000`, IPv4, DropBadType, "invalid packet type 0 and expect 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var a Advertisement
			err := a.Unmarshal(unhex(t, tc.hex), tc.family)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Unmarshal = %v, want an *Error", err)
			}
			if e.Reason != tc.reason || e.Detail != tc.detail {
				t.Errorf("Unmarshal = %v (%q), want %v (%q)", e.Reason, e.Detail, tc.reason, tc.detail)
			}
		})
	}
}

func TestUnmarshalIgnoresV3ReservedBits(t *testing.T) {
	var a Advertisement
	if err := a.UnmarshalBinary(unhex(t, `31 01 64 00 f064 0000`)); err != nil {
		t.Fatal(err)
	}
	if a.Interval != 100 {
		t.Errorf("Interval = %d, want 100", a.Interval)
	}
}

func TestMarshalErrors(t *testing.T) {
	v4 := addrs("192.0.2.1")
	tests := []struct {
		name string
		adv  Advertisement
		want string
	}{
		{"version 0", Advertisement{Type: 1}, "version 0: want 2 or 3"},
		{"type 0", Advertisement{Version: 3}, "type 0: only 1 (advertisement) is defined"},
		{"too many addresses", Advertisement{Version: 3, Type: 1, Addrs: make([]netip.Addr, 256)}, "256 addresses: at most 255 fit"},
		{"invalid address", Advertisement{Version: 3, Type: 1, Addrs: []netip.Addr{{}}}, "invalid address"},
		{"mixed families", Advertisement{Version: 3, Type: 1, Addrs: addrs("192.0.2.1", "2001:db8::1")}, "addresses of both families"},
		{"v2 IPv6", Advertisement{Version: 2, Type: 1, Addrs: addrs("2001:db8::1")}, "VRRPv2 carries IPv4 addresses only"},
		{"v2 interval", Advertisement{Version: 2, Type: 1, Interval: 256, Addrs: v4}, "v2 interval 256 seconds: at most 255"},
		{"v2 auth type", Advertisement{Version: 2, Type: 1, AuthType: 3, Addrs: v4}, "invalid auth type 3"},
		{"v3 interval", Advertisement{Version: 3, Type: 1, Interval: 4096, Addrs: v4}, "v3 interval 4096 centiseconds: at most 4095"},
		{"v3 auth", Advertisement{Version: 3, Type: 1, AuthType: AuthPass, Addrs: v4}, "v3 has no authentication"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.adv.MarshalBinary()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("MarshalBinary = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestPassAuthData(t *testing.T) {
	tests := []struct {
		password string
		want     [8]byte
	}{
		{"", [8]byte{}},
		{"pw", [8]byte{'p', 'w'}},
		{"secret12", [8]byte{'s', 'e', 'c', 'r', 'e', 't', '1', '2'}},
		{"secret1234", [8]byte{'s', 'e', 'c', 'r', 'e', 't', '1', '2'}},
	}
	for _, tc := range tests {
		if got := PassAuthData(tc.password); got != tc.want {
			t.Errorf("PassAuthData(%q) = %q, want %q", tc.password, got, tc.want)
		}
	}
	a := Advertisement{AuthData: PassAuthData("secret12")}
	if !a.PasswordMatches(PassAuthData("secret1234")) || a.PasswordMatches(PassAuthData("secret1")) {
		t.Errorf("PasswordMatches compares other than the 8 padded bytes")
	}
}

func TestDropReasonString(t *testing.T) {
	for r := DropNone; r <= DropUnicastMismatch; r++ {
		if s := r.String(); s == "" || strings.HasPrefix(s, "DropReason(") {
			t.Errorf("DropReason %d has no name", r)
		}
	}
	if s := DropReason(200).String(); s != "DropReason(200)" {
		t.Errorf("String() = %q", s)
	}
	if DropIntervalMismatch.Counted() || DropNone.Counted() || !DropBadChecksum.Counted() {
		t.Errorf("Counted() disagrees with keepalived's KO/DROP")
	}
}
