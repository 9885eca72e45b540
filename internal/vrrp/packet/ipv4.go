package packet

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// IPv4 header values keepalived uses when it builds the header itself
// (vrrp_build_ip4, IP_HDRINCL).
const (
	// IPv4HeaderLen is the length of an IPv4 header without options.
	IPv4HeaderLen = 20
	// TOSNetworkControl is the TOS keepalived sends: precedence 6,
	// internetwork control.
	TOSNetworkControl = 0xc0
	// TTL is the TTL (hop limit) of multicast advertisements, and the
	// only one a multicast receiver accepts (RFC 5798 §5.1.1.3).
	TTL = 255
	// ethPayloadMin is the smallest Ethernet payload (ETH_ZLEN 60 minus
	// ETH_HLEN 14); shorter frames are padded to it.
	ethPayloadMin = 46
	// vlanTagLen is the size of one VLAN tag, removed before delivery.
	vlanTagLen = 4
)

// IPv4Header is the IPv4 header of an advertisement. The version (4),
// IHL (5 on send), fragment field (0) and protocol are implied.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version|  IHL  |      TOS      |          Total Length         |
//	|         Identification        |Flags|     Fragment Offset     |
//	|      TTL      |   Protocol    |        Header Checksum        |
//	|                        Source Address                         |
//	|                     Destination Address                       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type IPv4Header struct {
	// TOS is the type of service byte; keepalived sends 0xc0.
	TOS uint8
	// TotalLen is the length in bytes of header and payload.
	TotalLen uint16
	// ID is the identification; keepalived increments it per advert and
	// skips 0, which would let the kernel choose one.
	ID uint16
	// TTL is the time to live (255, or unicast_ttl for unicast).
	TTL uint8
	// Protocol is 112 (VRRP), or 51 (AH) with auth_type AH.
	Protocol uint8
	// Checksum is the header checksum as received; AppendBinary
	// computes the one it writes.
	Checksum uint16
	// Src and Dst are the source and destination addresses.
	Src, Dst netip.Addr
}

// NewIPv4Header returns the header keepalived sends in front of a VRRP
// message of payloadLen bytes: TOS 0xc0, TTL 255, protocol 112.
func NewIPv4Header(src, dst netip.Addr, id uint16, payloadLen int) IPv4Header {
	return IPv4Header{
		TOS: TOSNetworkControl, TotalLen: uint16(IPv4HeaderLen + payloadLen),
		ID: id, TTL: TTL, Protocol: Protocol, Src: src, Dst: dst,
	}
}

// MarshalBinary encodes the header (20 bytes) with its checksum.
func (h *IPv4Header) MarshalBinary() ([]byte, error) {
	return h.AppendBinary(make([]byte, 0, IPv4HeaderLen))
}

// AppendBinary appends the encoded header to b, computing the header
// checksum (the kernel would also fill it in for IP_HDRINCL).
func (h *IPv4Header) AppendBinary(b []byte) ([]byte, error) {
	if !h.Src.Is4() || !h.Dst.Is4() {
		return b, fmt.Errorf("ipv4 header: source %s and destination %s must be IPv4", h.Src, h.Dst)
	}
	start := len(b)
	b = append(b, 4<<4|IPv4HeaderLen/4, h.TOS)
	b = binary.BigEndian.AppendUint16(b, h.TotalLen)
	b = binary.BigEndian.AppendUint16(b, h.ID)
	b = append(b, 0, 0, h.TTL, h.Protocol, 0, 0)
	b = append(b, h.Src.AsSlice()...)
	b = append(b, h.Dst.AsSlice()...)
	binary.BigEndian.PutUint16(b[start+10:], Checksum(b[start:]))
	return b, nil
}

// ParseIPv4 decodes the IPv4 header of a received packet b (as a raw
// socket delivers it) and returns it with the payload after the header
// (options skipped). The payload is cut to the total length when b holds
// Ethernet padding beyond it, tolerated as keepalived does; any other
// length mismatch is a DropBadIPLength error. The header checksum is not
// verified: the kernel has done it.
func ParseIPv4(b []byte) (IPv4Header, []byte, error) {
	if len(b) < IPv4HeaderLen {
		return IPv4Header{}, nil, dropf(DropTooShort, "ipv4 packet too short, length %d", len(b))
	}
	ihl := int(b[0]&0x0f) * 4
	if b[0]>>4 != 4 || ihl < IPv4HeaderLen || ihl > len(b) {
		return IPv4Header{}, nil, dropf(DropTooShort, "not an ipv4 header (version %d, header length %d of %d)", b[0]>>4, ihl, len(b))
	}
	h := IPv4Header{
		TOS:      b[1],
		TotalLen: binary.BigEndian.Uint16(b[2:]),
		ID:       binary.BigEndian.Uint16(b[4:]),
		TTL:      b[8],
		Protocol: b[9],
		Checksum: binary.BigEndian.Uint16(b[10:]),
		Src:      netip.AddrFrom4([4]byte(b[12:16])),
		Dst:      netip.AddrFrom4([4]byte(b[16:20])),
	}
	n := int(h.TotalLen)
	if n != len(b) && !totLenPadded(n, len(b)) || n < ihl {
		return h, nil, dropf(DropBadIPLength, "ip_tot_len mismatch against received length. %d and received %d", n, len(b))
	}
	return h, b[ihl:n], nil
}

// IsPadding says whether a buffer of got bytes holding a packet that
// should be want bytes long is that packet plus Ethernet padding, as
// keepalived's length check accepts it: the packet is shorter than the
// minimum Ethernet payload and the excess is, modulo a VLAN tag, what
// padding to 46 bytes adds (VLAN tags are stripped before delivery, so
// only the remainder modulo 4 can be checked).
func IsPadding(want, got int) bool {
	return want < ethPayloadMin && want < got && paddingRemainder(got-want)
}

// totLenPadded is keepalived's variant of IsPadding for the IPv4 total
// length check, which bounds the received length instead.
func totLenPadded(totLen, got int) bool {
	return got <= ethPayloadMin && totLen < got && paddingRemainder(got-totLen)
}

// paddingRemainder says whether extra bytes can be padding to 46 bytes
// with VLAN tags stripped, checked modulo the tag size as keepalived
// does: extra ≡ -46 (mod 4).
func paddingRemainder(extra int) bool {
	return extra%vlanTagLen == (vlanTagLen-ethPayloadMin%vlanTagLen)%vlanTagLen
}
