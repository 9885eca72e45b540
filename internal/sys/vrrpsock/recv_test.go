package vrrpsock

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/vrrp"
)

// cmsg encodes one control message as the kernel delivers it.
func cmsg(level, typ int32, data []byte) []byte {
	b := make([]byte, unix.CmsgSpace(len(data)))
	h := (*unix.Cmsghdr)(unsafePtr(b))
	h.Level, h.Type = level, typ
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[unix.CmsgLen(0):], data)
	return b
}

func pktinfo4(ifindex int32, dst [4]byte) []byte {
	d := make([]byte, unix.SizeofInet4Pktinfo)
	binary.NativeEndian.PutUint32(d, uint32(ifindex))
	copy(d[8:], dst[:])
	return cmsg(unix.IPPROTO_IP, unix.IP_PKTINFO, d)
}

func pktinfo6Recv(ifindex int32, dst netip.Addr) []byte {
	d := make([]byte, unix.SizeofInet6Pktinfo)
	a := dst.As16()
	copy(d, a[:])
	binary.NativeEndian.PutUint32(d[16:], uint32(ifindex))
	return cmsg(unix.IPPROTO_IPV6, unix.IPV6_PKTINFO, d)
}

func hoplimit(h int32) []byte {
	d := make([]byte, 4)
	binary.NativeEndian.PutUint32(d, uint32(h))
	return cmsg(unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT, d)
}

// ip4 is a 20-byte IPv4 header (TTL 255, protocol 112, 192.0.2.1 to
// 224.0.0.18) followed by an 8-byte payload.
func ip4() []byte {
	return []byte{
		0x45, 0xc0, 0, 28, 0, 0, 0, 0, 255, 112, 0, 0,
		192, 0, 2, 1, 224, 0, 0, 18,
		0x21, 51, 100, 0, 0, 1, 0, 0,
	}
}

func TestParse4(t *testing.T) {
	withOptions := append([]byte{0x46}, ip4()[1:20]...)
	withOptions = append(withOptions, 1, 1, 1, 0) // four NOP/EOL option bytes
	withOptions = append(withOptions, ip4()[20:]...)
	tests := []struct {
		name    string
		b, oob  []byte
		ok      bool
		meta    vrrp.RecvMeta
		payload int
		proto   int // of the socket; 0 means 112
	}{
		{"plain", ip4(), pktinfo4(3, [4]byte{224, 0, 0, 18}), true,
			vrrp.RecvMeta{IfIndex: 3, Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("224.0.0.18"), TTL: 255, IPLen: 28, Protocol: 112}, 8, 0},
		{"no pktinfo", ip4(), nil, true,
			vrrp.RecvMeta{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("224.0.0.18"), TTL: 255, IPLen: 28, Protocol: 112}, 8, 0},
		{"options skipped", withOptions, pktinfo4(2, [4]byte{}), true,
			vrrp.RecvMeta{IfIndex: 2, Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("224.0.0.18"), TTL: 255, IPLen: 28, Protocol: 112}, 8, 0},
		{"short", ip4()[:19], nil, false, vrrp.RecvMeta{}, 0, 0},
		{"version 6", append([]byte{0x65}, ip4()[1:]...), nil, false, vrrp.RecvMeta{}, 0, 0},
		{"IHL 4", append([]byte{0x44}, ip4()[1:]...), nil, false, vrrp.RecvMeta{}, 0, 0},
		{"IHL past end", append([]byte{0x4f}, ip4()[1:]...), nil, false, vrrp.RecvMeta{}, 0, 0},
		{"protocol 51", append(append(ip4()[:9:9], 51), ip4()[10:]...), nil, false, vrrp.RecvMeta{}, 0, 0},
		{"protocol 51 on an AH socket", append(append(ip4()[:9:9], 51), ip4()[10:]...), pktinfo4(3, [4]byte{}), true,
			vrrp.RecvMeta{IfIndex: 3, Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("224.0.0.18"), TTL: 255, IPLen: 28,
				Protocol: 51, Header: append(append(ip4()[:9:9], 51), ip4()[10:20]...)}, 8, 51},
		{"protocol 112 on an AH socket", ip4(), nil, false, vrrp.RecvMeta{}, 0, 51},
		{"control message longer than the buffer", ip4(), pktinfo4(3, [4]byte{})[:unix.CmsgLen(0)+4], false, vrrp.RecvMeta{}, 0, 0},
	}
	for _, tt := range tests {
		proto := tt.proto
		if proto == 0 {
			proto = 112
		}
		r, ok := parse4(tt.b, tt.oob, proto)
		if ok != tt.ok || !reflect.DeepEqual(r.meta, tt.meta) || len(r.payload) != tt.payload {
			t.Errorf("%s: parse4 = %+v, %d bytes, %v; want %+v, %d bytes, %v", tt.name, r.meta, len(r.payload), ok, tt.meta, tt.payload, tt.ok)
		}
	}
}

func TestParse6(t *testing.T) {
	ll := netip.MustParseAddr("fe80::1")
	grp := netip.MustParseAddr("ff02::12")
	from := &unix.SockaddrInet6{Addr: ll.As16()}
	both := append(pktinfo6Recv(4, grp), hoplimit(255)...)
	tests := []struct {
		name string
		oob  []byte
		from unix.Sockaddr
		ok   bool
		meta vrrp.RecvMeta
	}{
		{"pktinfo and hop limit", both, from, true, vrrp.RecvMeta{IfIndex: 4, Src: ll, Dst: grp, TTL: 255}},
		{"hop limit 1", append(hoplimit(1), pktinfo6Recv(4, grp)...), from, true, vrrp.RecvMeta{IfIndex: 4, Src: ll, Dst: grp, TTL: 1}},
		{"no hop limit", pktinfo6Recv(4, grp), from, false, vrrp.RecvMeta{}},
		{"no pktinfo", hoplimit(255), from, false, vrrp.RecvMeta{}},
		{"IPv4 sender", both, &unix.SockaddrInet4{}, false, vrrp.RecvMeta{}},
		{"hop limit cut short", both[:len(both)-6], from, false, vrrp.RecvMeta{}},
	}
	for _, tt := range tests {
		r, ok := parse6([]byte{0x31, 1, 2, 3}, tt.oob, tt.from)
		if ok != tt.ok || !reflect.DeepEqual(r.meta, tt.meta) || ok && len(r.payload) != 4 {
			t.Errorf("%s: parse6 = %+v, %v; want %+v, %v", tt.name, r.meta, ok, tt.meta, tt.ok)
		}
	}
}

// FuzzParse feeds arbitrary packets and control messages to both
// parsers: they must not panic, and a payload they return lies inside
// the packet.
func FuzzParse(f *testing.F) {
	f.Add(ip4(), pktinfo4(3, [4]byte{224, 0, 0, 18}))                                                          // a multicast advert
	f.Add(ip4()[:20], []byte{})                                                                                // header only
	f.Add([]byte{0x4f, 0, 0, 0}, []byte{255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0})       // IHL past end, huge cmsg length
	f.Add([]byte{0x31, 1, 100, 0}, append(pktinfo6Recv(2, netip.MustParseAddr("ff02::12")), hoplimit(255)...)) // an IPv6 advert
	f.Add([]byte{}, cmsg(unix.IPPROTO_IPV6, unix.IPV6_PKTINFO, []byte{1, 2}))                                  // short pktinfo
	f.Fuzz(func(t *testing.T, b, oob []byte) {
		for _, proto := range []int{112, 51} {
			if r, ok := parse4(b, oob, proto); ok && (len(r.payload) > len(b)-20 || len(r.meta.Header)+len(r.payload) > len(b)) {
				t.Errorf("parse4 payload %d bytes, header %d of a %d-byte packet", len(r.payload), len(r.meta.Header), len(b))
			}
		}
		from := &unix.SockaddrInet6{}
		if r, ok := parse6(b, oob, from); ok && (len(r.payload) != len(b) || !r.meta.Dst.Is6()) {
			t.Errorf("parse6 = %+v", r.meta)
		}
	})
}

func unsafePtr(b []byte) unsafe.Pointer { return unsafe.Pointer(&b[0]) }
