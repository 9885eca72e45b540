package packet

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"net/netip"
)

// IPsec AH as keepalived speaks it for VRRPv2 auth_type AH (RFC 2338
// §5.3.6.3; header from RFC 2402 §2, ICV HMAC-MD5-96 from RFC 2403):
// keepalived builds the whole packet itself (vrrp_build_ipsecah,
// vrrp_update_pkt), IPv4 protocol 51, with this header between the IPv4
// header and the VRRP message:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| Next Header   |  Payload Len  |          RESERVED             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                Security Parameters Index (SPI)                |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Sequence Number Field                      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|          ICV: HMAC-MD5 truncated to 96 bits (12 bytes)        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Next Header is 112 (VRRP); Payload Len is 4 (the header in 32-bit
// words minus 2); the SPI is the sender's IPv4 source address, as
// keepalived has no SA negotiation; the sequence number counts adverts
// (see AHSequence). The ICV is HMAC-MD5 keyed with the 8-byte auth_pass
// (NUL padded) over the IPv4 header with its mutable fields zeroed (TOS,
// fragment field, header checksum, and the TTL for unicast), the AH
// header with a zero ICV, and the VRRP message (whose auth data is zero).
const (
	// ProtocolAH is the IP protocol number of AH (RFC 2402 §2).
	ProtocolAH = 51
	// AHLen is the length of the AH header keepalived sends.
	AHLen = 24
	// ICVLen is the length of the HMAC-MD5-96 integrity check value.
	ICVLen = 12
	// AHPayloadLen is the Payload Len field of that header: its length
	// in 32-bit words minus 2 (RFC 2402 §2.2).
	AHPayloadLen = AHLen/4 - 2
)

// AH is the IPsec Authentication Header of an advertisement.
type AH struct {
	// NextHeader is the protocol that follows: 112.
	NextHeader uint8
	// PayloadLen is AHPayloadLen.
	PayloadLen uint8
	// Reserved is sent as zero.
	Reserved uint16
	// SPI is the Security Parameters Index: the source address, read
	// big-endian (192.0.2.1 is 0xc0000201).
	SPI uint32
	// Seq is the anti-replay sequence number.
	Seq uint32
	// ICV is the integrity check value.
	ICV [ICVLen]byte
}

// NewAH returns the header keepalived sends from src with sequence number
// seq, its ICV not yet computed.
func NewAH(src netip.Addr, seq uint32) AH {
	return AH{NextHeader: Protocol, PayloadLen: AHPayloadLen, SPI: SPI(src), Seq: seq}
}

// SPI returns the SPI keepalived uses for source address src: the
// address itself (0 for an address that is not IPv4).
func SPI(src netip.Addr) uint32 {
	if !src.Is4() {
		return 0
	}
	a := src.As4()
	return binary.BigEndian.Uint32(a[:])
}

// MarshalBinary encodes the header (AHLen bytes).
func (h *AH) MarshalBinary() ([]byte, error) {
	return h.AppendBinary(make([]byte, 0, AHLen))
}

// AppendBinary appends the encoded header to b.
func (h *AH) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, h.NextHeader, h.PayloadLen)
	b = binary.BigEndian.AppendUint16(b, h.Reserved)
	b = binary.BigEndian.AppendUint32(b, h.SPI)
	b = binary.BigEndian.AppendUint32(b, h.Seq)
	return append(b, h.ICV[:]...), nil
}

// ParseAH decodes the AH header at the start of b and returns it with
// what follows it. A header that does not fit is a DropTooShort error;
// one whose Payload Len announces another length than keepalived's
// 24 bytes is decoded all the same (keepalived reads a fixed header).
func ParseAH(b []byte) (AH, []byte, error) {
	if len(b) < AHLen {
		return AH{}, nil, dropf(DropTooShort, "IPv4 VRRP packet with AH too short - %d bytes", len(b))
	}
	h := AH{
		NextHeader: b[0],
		PayloadLen: b[1],
		Reserved:   binary.BigEndian.Uint16(b[2:]),
		SPI:        binary.BigEndian.Uint32(b[4:]),
		Seq:        binary.BigEndian.Uint32(b[8:]),
		ICV:        [ICVLen]byte(b[12:AHLen]),
	}
	return h, b[AHLen:], nil
}

// ComputeICV returns the ICV of an AH packet: hdr is its IPv4 header as
// sent or received (options included), rest the AH header and the VRRP
// message. The mutable header fields and the ICV field are taken as zero,
// whatever they hold; unicast zeroes the TTL too, as keepalived does for
// unicast instances. key is the auth_pass (PassAuthData).
func ComputeICV(key [AuthDataLen]byte, hdr, rest []byte, unicast bool) [ICVLen]byte {
	var icv [ICVLen]byte
	if len(hdr) < IPv4HeaderLen || len(rest) < AHLen {
		return icv
	}
	mac := hmac.New(md5.New, key[:])
	h := make([]byte, len(hdr), len(hdr)+AHLen)
	copy(h, hdr)
	h[1] = 0          // TOS
	h[6], h[7] = 0, 0 // flags and fragment offset
	h[10], h[11] = 0, 0
	if unicast {
		h[8] = 0 // TTL
	}
	h = append(h, rest[:AHLen-ICVLen]...)
	h = append(h, make([]byte, ICVLen)...)
	mac.Write(h)
	mac.Write(rest[AHLen:])
	copy(icv[:], mac.Sum(nil))
	return icv
}

// VerifyICV says, in constant time, whether the ICV in rest (the AH
// header and VRRP message after IPv4 header hdr) is the one ComputeICV
// gives.
func VerifyICV(key [AuthDataLen]byte, hdr, rest []byte, unicast bool) bool {
	if len(hdr) < IPv4HeaderLen || len(rest) < AHLen {
		return false
	}
	want := ComputeICV(key, hdr, rest, unicast)
	return subtle.ConstantTimeCompare(rest[AHLen-ICVLen:AHLen], want[:]) == 1
}

// BuildAH returns the IPv4 packet keepalived sends for VRRP message msg
// with auth_type AH: header ip (its Protocol and TotalLen are set here),
// the AH header with sequence number seq and SPI ip.Src, then msg, which
// must be final (v2 checksum set, auth data zero). unicast selects the
// unicast ICV (TTL zeroed).
func BuildAH(ip IPv4Header, seq uint32, msg []byte, key [AuthDataLen]byte, unicast bool) ([]byte, error) {
	if len(msg) < HeaderLen {
		return nil, fmt.Errorf("vrrp advertisement with AH: message of %d bytes", len(msg))
	}
	ip.Protocol = ProtocolAH
	ip.TotalLen = uint16(IPv4HeaderLen + AHLen + len(msg))
	b, err := ip.AppendBinary(make([]byte, 0, int(ip.TotalLen)))
	if err != nil {
		return nil, err
	}
	ah := NewAH(ip.Src, seq)
	b, _ = ah.AppendBinary(b)
	b = append(b, msg...)
	icv := ComputeICV(key, b[:IPv4HeaderLen], b[IPv4HeaderLen:], unicast)
	copy(b[IPv4HeaderLen+AHLen-ICVLen:], icv[:])
	return b, nil
}

// AHSequence is keepalived's per-instance AH sequence counter
// (seq_counter_t): one number for what it sends and what it has
// received, so that a router that becomes master carries on above the
// last master's numbers.
type AHSequence struct {
	// Seq is the last number sent or accepted.
	Seq uint32
	// Cycled is set once Seq reached its limit (0xfffffffe): it stays
	// there, receivers drop the adverts as replays, until the instance
	// next becomes master and restarts from zero (see Restart).
	Cycled bool
}

// ahSeqLimit is the largest number keepalived still increments
// (vrrp_update_pkt: cycled "if 0xFFFFFFFD reached").
const ahSeqLimit = 0xfffffffd

// Next returns the sequence number of the next advert sent.
func (s *AHSequence) Next() uint32 {
	if s.Seq > ahSeqLimit {
		s.Cycled = true
	} else {
		s.Seq++
	}
	return s.Seq
}

// Accept applies keepalived's anti-replay check to a received number: a
// number above Seq becomes Seq and is accepted; any other was "already
// processed".
func (s *AHSequence) Accept(seq uint32) bool {
	if seq <= s.Seq {
		return false
	}
	s.Seq = seq
	return true
}

// Restart is what becoming master does (vrrp_state_goto_master): a
// cycled counter starts again from zero.
func (s *AHSequence) Restart() {
	if s.Cycled {
		*s = AHSequence{}
	}
}

// SyncAbove is what a master does on a lower priority advert with
// sequence number seq (vrrp_state_master_rx, "Syncing seq_num"): it
// continues from seq+1, so that its next advert is above what the other
// router has sent.
func (s *AHSequence) SyncAbove(seq uint32) {
	s.Seq, s.Cycled = seq+1, false
}

// CheckAH applies keepalived's AH receive checks (vrrp_check_packet and
// vrrp_in_chk_ipsecah, in that order) to a packet from src: hdr is the
// IPv4 header, rest the AH header and the VRRP message. The next header
// must be VRRP (else DropAHNotVRRP, ignored without counting), the ICV
// must verify with key (DropBadICV), the SPI must be the source address
// (DropBadSPI), and the sequence number must be above seq's, which then
// takes it (DropAHReplay). Errors are *Error values in keepalived's
// wording, without the instance name.
func CheckAH(hdr, rest []byte, src netip.Addr, key [AuthDataLen]byte, unicast bool, seq *AHSequence) (AH, error) {
	ah, _, err := ParseAH(rest)
	if err != nil {
		return AH{}, err
	}
	if ah.NextHeader != Protocol {
		return ah, dropf(DropAHNotVRRP, "AH header for protocol %d, not VRRP", ah.NextHeader)
	}
	if !VerifyICV(key, hdr, rest, unicast) {
		return ah, dropf(DropBadICV, "IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !")
	}
	if ah.SPI != SPI(src) {
		// keepalived prints both as host-order integers of the network
		// bytes, the address first.
		var a, s [4]byte
		if src.Is4() {
			a = src.As4()
		}
		binary.BigEndian.PutUint32(s[:], ah.SPI)
		return ah, dropf(DropBadSPI, "IPSEC AH : invalid IPSEC SPI value. %d and expect %d",
			binary.NativeEndian.Uint32(a[:]), binary.NativeEndian.Uint32(s[:]))
	}
	if last := seq.Seq; !seq.Accept(ah.Seq) {
		return ah, dropf(DropAHReplay, "IPSEC-AH : sequence number %d already processed. Packet dropped. Local(%d)", ah.Seq, last)
	}
	return ah, nil
}
