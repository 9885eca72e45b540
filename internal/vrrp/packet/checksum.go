package packet

import (
	"encoding/binary"
	"net/netip"
)

// PseudoHeader is the IP pseudo-header a VRRPv3 checksum covers (RFC 5798
// §5.2.8): for IPv4 {src, dst, 0, 112, VRRP length} (RFC 768 style), for
// IPv6 {src, dst, VRRP length (32 bits), 0 (24 bits), 112} (RFC 8200
// §8.1). The zero value means no pseudo-header: VRRPv2, and VRRPv3 with
// keepalived's v3_checksum_as_v2 (note: keepalived 2.2.7 computes but never
// rejects a bad v3 checksum in that mode; the receive path decides).
type PseudoHeader struct {
	// Src is the IP source address.
	Src netip.Addr
	// Dst is the IP destination: the multicast group or the unicast
	// peer; keepalived ≤ 1.3.6 used the IPv4 group even for unicast
	// (see VerifyOldUnicastChecksum).
	Dst netip.Addr
}

// sum adds the pseudo-header for a VRRP message of n bytes to acc.
func (p PseudoHeader) sum(acc uint32, n int) uint32 {
	if !p.Src.IsValid() {
		return acc
	}
	acc = sumBytes(acc, p.Src.AsSlice())
	acc = sumBytes(acc, p.Dst.AsSlice())
	if p.Src.Is4() {
		return acc + Protocol + uint32(uint16(n)) // {0, 112} and the 16-bit length
	}
	return acc + uint32(n)>>16 + uint32(uint16(n)) + Protocol // 32-bit length, {0,0,0,112}
}

// sumBytes adds b as big-endian 16-bit words to acc (RFC 1071 §4.1); an
// odd last byte is padded with zero.
func sumBytes(acc uint32, b []byte) uint32 {
	for len(b) >= 2 {
		acc += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint32(b[0]) << 8
	}
	return acc
}

// fold folds the carries of acc and returns its one's complement
// (RFC 1071 §4.1).
func fold(acc uint32) uint16 {
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return ^uint16(acc)
}

// Checksum returns the Internet checksum (RFC 1071) of b.
func Checksum(b []byte) uint16 {
	return fold(sumBytes(0, b))
}

// ComputeChecksum returns the checksum of the VRRP message msg (the v2
// auth data included) under pseudo-header p, computed as if the
// checksum field (bytes 6-7) were zero. msg must hold at least
// HeaderLen bytes.
func ComputeChecksum(msg []byte, p PseudoHeader) uint16 {
	acc := p.sum(0, len(msg))
	acc = sumBytes(acc, msg[:6])
	return fold(sumBytes(acc, msg[HeaderLen:]))
}

// VerifyChecksum says whether the checksum in msg verifies under
// pseudo-header p: the sum over everything, the checksum included, is
// all ones.
func VerifyChecksum(msg []byte, p PseudoHeader) bool {
	return len(msg) >= HeaderLen && fold(sumBytes(p.sum(0, len(msg)), msg)) == 0
}

// VerifyOldUnicastChecksum verifies a unicast VRRPv3/IPv4 message from
// src as keepalived ≤ 1.3.6 checksummed it: with the multicast group
// (keepalived's vrrp_mcast_group4, Group4 by default) as pseudo-header
// destination instead of the peer. keepalived retries with it when the
// normal check fails and then switches the instance to the old algorithm
// ("Setting unicast VRRPv3 checksum to old version").
func VerifyOldUnicastChecksum(msg []byte, src, group netip.Addr) bool {
	return VerifyChecksum(msg, PseudoHeader{Src: src, Dst: group})
}

// SetChecksum writes the checksum of msg under p into its bytes 6-7.
// msg must hold at least HeaderLen bytes.
func SetChecksum(msg []byte, p PseudoHeader) {
	binary.BigEndian.PutUint16(msg[6:], ComputeChecksum(msg, p))
}

// SetChecksum sets a.Checksum to the checksum of the encoded
// advertisement under p (the zero PseudoHeader for v2).
func (a *Advertisement) SetChecksum(p PseudoHeader) error {
	b, err := a.MarshalBinary()
	if err != nil {
		return err
	}
	a.Checksum = ComputeChecksum(b, p)
	return nil
}
