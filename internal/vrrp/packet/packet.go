// Package packet is the VRRP wire format: VRRPv2 (RFC 3768) and VRRPv3
// (RFC 5798) advertisements, their checksums, simple-password and IPsec
// AH authentication (ah.go: header, HMAC-MD5-96 ICV, sequence numbers),
// and the IPv4 header keepalived builds itself (IP_HDRINCL). It is pure
// logic: no sockets, no system calls.
//
// Byte layout of an advertisement (keepalived/include/vrrp.h vrrphdr_t):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	v2: |   Auth Type   |   Adver Int   |          Checksum             |
//	v3: |(rsvd) |     Max Adver Int     |          Checksum             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|        Count × IPv4 (4 bytes) or IPv6 (16 bytes, v3) address  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	v2 only: |              Authentication Data (8 bytes)            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// v2 Adver Int is in seconds (RFC 3768 §5.3.7); v3 Max Adver Int is a
// 12-bit count of centiseconds (RFC 5798 §5.2.7) whose 4 reserved bits
// are sent as zero and ignored on receipt.
package packet

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Protocol numbers and sizes of the VRRP wire format.
const (
	// Protocol is the IP protocol number of VRRP (RFC 5798 §5.1.1.4).
	Protocol = 112
	// HeaderLen is the length in bytes of the fixed part of an
	// advertisement, before the addresses.
	HeaderLen = 8
	// AuthDataLen is the length in bytes of the VRRPv2 authentication
	// data that follows the addresses (RFC 3768 §5.3.10).
	AuthDataLen = 8
	// MaxAddrs is the most addresses one advertisement can carry (the
	// count field is one byte).
	MaxAddrs = 255
	// MaxIntervalV2 is the largest v2 advertisement interval, in seconds.
	MaxIntervalV2 = 0xff
	// MaxIntervalV3 is the largest v3 advertisement interval, in
	// centiseconds (12 bits, RFC 5798 §5.2.7).
	MaxIntervalV3 = 0x0fff
)

// Version and type values of byte 0.
const (
	// Version2 is VRRP version 2 (RFC 3768), IPv4 only.
	Version2 = 2
	// Version3 is VRRP version 3 (RFC 5798), IPv4 or IPv6.
	Version3 = 3
	// TypeAdvertisement is the only packet type VRRP defines.
	TypeAdvertisement = 1
)

// Well-known destinations of multicast advertisements.
var (
	// Group4 is the IPv4 VRRP multicast group, 224.0.0.18
	// (keepalived's default vrrp_mcast_group4).
	Group4 = netip.AddrFrom4([4]byte{224, 0, 0, 18})
	// Group6 is the IPv6 VRRP multicast group, ff02::12
	// (keepalived's default vrrp_mcast_group6).
	Group6 = netip.AddrFrom16([16]byte{0: 0xff, 1: 0x02, 15: 0x12})
)

// AuthType is the v2 authentication type (RFC 3768 §5.3.6; RFC 2338 for
// AH, which keepalived still speaks).
type AuthType uint8

// Authentication types.
const (
	// AuthNone is no authentication; the auth data is zero.
	AuthNone AuthType = 0
	// AuthPass is a clear-text password of up to 8 bytes in the auth data.
	AuthPass AuthType = 1
	// AuthAH is IPsec AH (HMAC-MD5-96) between the IPv4 header and VRRP.
	AuthAH AuthType = 2
)

// String returns keepalived's keyword for the type (auth_type PASS|AH).
func (t AuthType) String() string {
	switch t {
	case AuthNone:
		return "none"
	case AuthPass:
		return "PASS"
	case AuthAH:
		return "AH"
	}
	return fmt.Sprintf("AuthType(%d)", uint8(t))
}

// Advertisement is one VRRP advertisement. The address count on the
// wire is len(Addrs).
type Advertisement struct {
	// Version is Version2 or Version3.
	Version uint8
	// Type is TypeAdvertisement.
	Type uint8
	// VRID is the virtual router id, 1-255.
	VRID uint8
	// Priority is 0 (master resigning) to 255 (address owner).
	Priority uint8
	// AuthType is the v2 authentication type; zero for v3.
	AuthType AuthType
	// AuthData is the v2 authentication data (the PASS password, NUL
	// padded; zero otherwise); zero for v3.
	AuthData [AuthDataLen]byte
	// Interval is the advertisement interval: seconds for v2 (8 bits),
	// centiseconds for v3 (12 bits).
	Interval uint16
	// Checksum is the checksum field as received, or as written by
	// MarshalBinary. SetChecksum computes it.
	Checksum uint16
	// Addrs are the virtual addresses, in configuration order: all IPv4,
	// or (v3 only) all IPv6.
	Addrs []netip.Addr
}

// Len returns the length in bytes of the marshalled advertisement.
func (a *Advertisement) Len() int {
	n := HeaderLen + len(a.Addrs)*addrLen(a.is6())
	if a.Version == Version2 {
		n += AuthDataLen
	}
	return n
}

// is6 says whether the advertisement carries IPv6 addresses.
func (a *Advertisement) is6() bool {
	return len(a.Addrs) > 0 && a.Addrs[0].Is6()
}

// addrLen returns the size of one address of the family.
func addrLen(is6 bool) int {
	if is6 {
		return 16
	}
	return 4
}

// MarshalBinary encodes the advertisement. The checksum field is written
// as a.Checksum: call the SetChecksum method first, or patch the encoded
// bytes with the SetChecksum function.
func (a *Advertisement) MarshalBinary() ([]byte, error) {
	return a.AppendBinary(make([]byte, 0, a.Len()))
}

// AppendBinary appends the encoded advertisement to b (see MarshalBinary).
func (a *Advertisement) AppendBinary(b []byte) ([]byte, error) {
	if err := a.validate(); err != nil {
		return b, err
	}
	b = append(b, a.Version<<4|a.Type, a.VRID, a.Priority, uint8(len(a.Addrs)))
	if a.Version == Version2 {
		b = append(b, uint8(a.AuthType), uint8(a.Interval))
	} else {
		b = binary.BigEndian.AppendUint16(b, a.Interval)
	}
	b = binary.BigEndian.AppendUint16(b, a.Checksum)
	for _, ip := range a.Addrs {
		b = append(b, ip.AsSlice()...)
	}
	if a.Version == Version2 {
		b = append(b, a.AuthData[:]...)
	}
	return b, nil
}

// validate reports why the advertisement cannot be encoded.
func (a *Advertisement) validate() error {
	switch {
	case a.Version != Version2 && a.Version != Version3:
		return fmt.Errorf("vrrp advertisement: version %d: want 2 or 3", a.Version)
	case a.Type != TypeAdvertisement:
		return fmt.Errorf("vrrp advertisement: type %d: only 1 (advertisement) is defined", a.Type)
	case len(a.Addrs) > MaxAddrs:
		return fmt.Errorf("vrrp advertisement: %d addresses: at most %d fit", len(a.Addrs), MaxAddrs)
	}
	if err := a.validateAddrs(); err != nil {
		return err
	}
	if a.Version == Version3 {
		if a.Interval > MaxIntervalV3 {
			return fmt.Errorf("vrrp advertisement: v3 interval %d centiseconds: at most %d", a.Interval, MaxIntervalV3)
		}
		if a.AuthType != AuthNone || a.AuthData != [AuthDataLen]byte{} {
			return fmt.Errorf("vrrp advertisement: v3 has no authentication")
		}
		return nil
	}
	if a.Interval > MaxIntervalV2 {
		return fmt.Errorf("vrrp advertisement: v2 interval %d seconds: at most %d", a.Interval, MaxIntervalV2)
	}
	if a.AuthType > AuthAH {
		return fmt.Errorf("vrrp advertisement: invalid auth type %d", a.AuthType)
	}
	return nil
}

// validateAddrs checks that the addresses are valid and of one family,
// IPv4 for v2.
func (a *Advertisement) validateAddrs() error {
	is6 := a.is6()
	for _, ip := range a.Addrs {
		switch {
		case !ip.IsValid():
			return fmt.Errorf("vrrp advertisement: invalid address")
		case ip.Is6() != is6:
			return fmt.Errorf("vrrp advertisement: %s: addresses of both families", ip)
		case is6 && a.Version == Version2:
			return fmt.Errorf("vrrp advertisement: %s: VRRPv2 carries IPv4 addresses only", ip)
		}
	}
	return nil
}

// Family is an address family of advertisements.
type Family uint8

// Address families.
const (
	// FamilyUnknown lets UnmarshalBinary infer the family from the length.
	FamilyUnknown Family = iota
	// IPv4 advertisements carry 4-byte addresses.
	IPv4
	// IPv6 advertisements (v3 only) carry 16-byte addresses.
	IPv6
)

// ExpectedLen returns the length of the advertisement b's fixed header
// announces for family f (keepalived's expected_vrrp_pkt_len: the auth
// data counts for version 2 only). b must hold at least HeaderLen bytes.
func ExpectedLen(b []byte, f Family) int {
	n := HeaderLen + int(b[3])*addrLen(f == IPv6)
	if f != IPv6 && b[0]>>4 == Version2 {
		n += AuthDataLen
	}
	return n
}

// UnmarshalBinary decodes an advertisement of exactly len(b) bytes,
// inferring the address family from the length (4·count or 16·count
// bytes of addresses are never the same unless count is 0). Errors are
// *Error values giving a DropReason.
func (a *Advertisement) UnmarshalBinary(b []byte) error {
	f := IPv4
	if len(b) >= HeaderLen && b[0]>>4 == Version3 && len(b) == ExpectedLen(b, IPv6) {
		f = IPv6
	}
	return a.Unmarshal(b, f)
}

// Unmarshal decodes an advertisement of family f of exactly len(b)
// bytes. The checks run in keepalived's order (vrrp_check_packet):
// length, version, v2 auth type, packet type. The checksum is not
// verified: see VerifyChecksum. Errors are *Error values.
func (a *Advertisement) Unmarshal(b []byte, f Family) error {
	if len(b) < HeaderLen {
		return dropf(DropTooShort, "vrrp packet too short, length %d and expect at least %d", len(b), HeaderLen)
	}
	if want := ExpectedLen(b, f); len(b) != want {
		return lengthError(len(b), want)
	}
	*a = Advertisement{Version: b[0] >> 4, Type: b[0] & 0x0f, VRID: b[1], Priority: b[2]}
	if a.Version != Version2 && a.Version != Version3 || a.Version == Version2 && f == IPv6 {
		return dropf(DropWrongVersion, "wrong VRRP version %d", a.Version)
	}
	if a.Version == Version2 {
		a.AuthType, a.Interval = AuthType(b[4]), uint16(b[5])
		if a.AuthType > AuthAH {
			return dropf(DropBadAuthType, "invalid auth type %d", a.AuthType)
		}
		copy(a.AuthData[:], b[len(b)-AuthDataLen:])
	} else {
		a.Interval = binary.BigEndian.Uint16(b[4:]) & MaxIntervalV3
	}
	if a.Type != TypeAdvertisement {
		return dropf(DropBadType, "invalid packet type %d and expect %d", a.Type, TypeAdvertisement)
	}
	a.Checksum = binary.BigEndian.Uint16(b[6:])
	a.Addrs = decodeAddrs(b[HeaderLen:], int(b[3]), f == IPv6)
	return nil
}

// decodeAddrs reads n addresses from b.
func decodeAddrs(b []byte, n int, is6 bool) []netip.Addr {
	if n == 0 {
		return nil
	}
	addrs := make([]netip.Addr, n)
	size := addrLen(is6)
	for i := range addrs {
		addrs[i], _ = netip.AddrFromSlice(b[i*size : (i+1)*size])
	}
	return addrs
}

// lengthError words a length mismatch as keepalived does.
func lengthError(got, want int) error {
	if got > want {
		return dropf(DropTooLong, "vrrp packet too long, length %d and expect %d", got, want)
	}
	return dropf(DropTooShort, "vrrp packet too short, length %d and expect %d", got, want)
}
