package vrrpsock

import (
	"encoding/binary"
	"net/netip"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/vrrp"
	"github.com/keepalived-go/keepalived/internal/vrrp/packet"
)

// received is one datagram as the raw socket delivered it, taken apart.
type received struct {
	payload []byte // the VRRP message (what follows the IPv4 header)
	meta    vrrp.RecvMeta
}

// parse4 takes apart what an IPv4 raw socket delivers: the IPv4 header
// and its payload in b, IP_PKTINFO in oob. It reports false for what is
// not an IPv4 packet of the socket's protocol proto (112, or 51 for AH).
// Lengths are not judged here: IPLen carries the total length field for
// the caller's checks, and the payload is everything after the header
// (options included in the header). An AH packet's header is copied to
// Header, since its ICV covers it.
//
// IPv4 header (RFC 791 §3.1), as far as it is read:
//
//	byte 0      version (4 bits) | IHL in 32-bit words (4 bits)
//	bytes 2-3   total length
//	byte 8      TTL
//	byte 9      protocol (112 VRRP, 51 AH)
//	bytes 12-15 source, 16-19 destination
func parse4(b, oob []byte, proto int) (received, bool) {
	if len(b) < packet.IPv4HeaderLen || b[0]>>4 != 4 {
		return received{}, false
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < packet.IPv4HeaderLen || ihl > len(b) || int(b[9]) != proto {
		return received{}, false
	}
	r := received{payload: b[ihl:], meta: vrrp.RecvMeta{
		Src:      netip.AddrFrom4([4]byte(b[12:16])),
		Dst:      netip.AddrFrom4([4]byte(b[16:20])),
		TTL:      int(b[8]),
		IPLen:    int(binary.BigEndian.Uint16(b[2:4])),
		Protocol: proto,
	}}
	if proto == packet.ProtocolAH {
		r.meta.Header = slices.Clone(b[:ihl])
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return received{}, false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_PKTINFO && len(m.Data) >= unix.SizeofInet4Pktinfo {
			// struct in_pktinfo { int ipi_ifindex; struct in_addr ipi_spec_dst, ipi_addr; }
			r.meta.IfIndex = int(int32(binary.NativeEndian.Uint32(m.Data)))
		}
	}
	return r, true
}

// parse6 takes apart what an IPv6 raw socket delivers: the VRRP message
// in b (the kernel keeps the IPv6 header), the sender in from, and
// IPV6_PKTINFO (destination, interface) and IPV6_HOPLIMIT in oob. Both
// control messages are required: without them the message cannot be
// checked, and it is reported as not for us.
func parse6(b, oob []byte, from unix.Sockaddr) (received, bool) {
	sa, ok := from.(*unix.SockaddrInet6)
	if !ok {
		return received{}, false
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return received{}, false
	}
	r := received{payload: b, meta: vrrp.RecvMeta{Src: netip.AddrFrom16(sa.Addr), TTL: -1}}
	for _, m := range msgs {
		if m.Header.Level != unix.IPPROTO_IPV6 {
			continue
		}
		switch {
		case m.Header.Type == unix.IPV6_PKTINFO && len(m.Data) >= unix.SizeofInet6Pktinfo:
			// struct in6_pktinfo { struct in6_addr ipi6_addr; int ipi6_ifindex; }
			r.meta.Dst = netip.AddrFrom16([16]byte(m.Data[:16]))
			r.meta.IfIndex = int(int32(binary.NativeEndian.Uint32(m.Data[16:])))
		case m.Header.Type == unix.IPV6_HOPLIMIT && len(m.Data) >= 4:
			r.meta.TTL = int(int32(binary.NativeEndian.Uint32(m.Data)))
		}
	}
	if !r.meta.Dst.IsValid() || r.meta.TTL < 0 {
		return received{}, false
	}
	return r, true
}
