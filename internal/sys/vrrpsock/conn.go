package vrrpsock

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/vrrp"
	"github.com/keepalived-go/keepalived/internal/vrrp/packet"
)

var (
	_ vrrp.Conn         = (*Conn)(nil)
	_ vrrp.PacketWriter = (*Conn)(nil)
)

// Options selects what a Conn sends and receives.
type Options struct {
	// Family is 4 (IPv4) or 6 (IPv6).
	Family int
	// Interface names the interface adverts are sent and received on;
	// Index may be given instead. One of them is required in multicast
	// mode; in unicast mode without either the sockets are not bound to
	// a device.
	Interface string
	Index     int
	// Group is the multicast group (vrrp_mcast_group4/6); the zero
	// value means packet.Group4 or packet.Group6. Unused in unicast mode.
	Group netip.Addr
	// UnicastSrc selects unicast mode when valid: the Conn receives
	// only packets addressed to it (unicast_src_ip, or the interface
	// address the instance sends from) and joins no group.
	UnicastSrc netip.Addr
	// RecvBuffer is the receive socket buffer size in bytes
	// (vrrp_rx_bufs_multiplier and friends); 0 keeps the kernel default.
	RecvBuffer int
	// AH opens IPv4 sockets of IP protocol 51 instead of 112, as
	// keepalived does for auth_type AH instances: they receive the AH
	// packets (vrrp.RecvMeta.Header carries their IPv4 header) and send
	// with WritePacket.
	AH bool
}

// Conn is a vrrp.Conn on raw IP protocol 112 sockets (51 with
// Options.AH).
type Conn struct {
	family  int
	proto   int
	ifindex int // 0 when not bound to an interface
	ifname  string
	rx, tx  *net.IPConn

	mu  sync.Mutex // guards buf and oob (one reader at a time)
	buf []byte
	oob []byte
}

// maxPacket is the largest IP packet the receive buffer holds.
const maxPacket = 65535

// Listen opens the sockets opts describes. It must run in the network
// namespace the sockets belong to; once open they may be used from any
// goroutine.
func Listen(opts Options) (*Conn, error) {
	c, err := newConn(opts)
	if err != nil {
		return nil, err
	}
	if c.rx, err = openRecv(c, opts); err != nil {
		return nil, fmt.Errorf("vrrp socket %s: %w", c.describe(opts), err)
	}
	if c.tx, err = openSend(c, opts); err != nil {
		c.rx.Close()
		return nil, fmt.Errorf("vrrp socket %s: %w", c.describe(opts), err)
	}
	return c, nil
}

// newConn checks opts and resolves the interface.
func newConn(opts Options) (*Conn, error) {
	if opts.Family != 4 && opts.Family != 6 {
		return nil, fmt.Errorf("vrrp socket: address family %d is neither 4 nor 6", opts.Family)
	}
	c := &Conn{family: opts.Family, proto: packet.Protocol, buf: make([]byte, maxPacket), oob: make([]byte, 256)}
	if opts.AH {
		if opts.Family != 4 {
			return nil, errors.New("vrrp socket: AH is for IPv4 only")
		}
		c.proto = packet.ProtocolAH
	}
	if err := c.resolveInterface(opts); err != nil {
		return nil, err
	}
	if opts.UnicastSrc.IsValid() {
		if opts.UnicastSrc.Is4() != (opts.Family == 4) || opts.UnicastSrc.Is4In6() {
			return nil, fmt.Errorf("vrrp socket: unicast source %s is not an IPv%d address", opts.UnicastSrc, opts.Family)
		}
		return c, nil
	}
	if c.ifindex == 0 {
		return nil, errors.New("vrrp socket: multicast needs an interface")
	}
	if g := opts.Group; g.IsValid() && (!g.IsMulticast() || g.Is4() != (opts.Family == 4)) {
		return nil, fmt.Errorf("vrrp socket %s: %s is not an IPv%d multicast group", c.ifname, g, opts.Family)
	}
	return c, nil
}

func (c *Conn) resolveInterface(opts Options) error {
	var ifi *net.Interface
	var err error
	switch {
	case opts.Interface != "":
		ifi, err = net.InterfaceByName(opts.Interface)
	case opts.Index != 0:
		ifi, err = net.InterfaceByIndex(opts.Index)
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("vrrp socket: interface %s: %w", ifaceLabel(opts), err)
	}
	c.ifindex, c.ifname = ifi.Index, ifi.Name
	return nil
}

func ifaceLabel(opts Options) string {
	if opts.Interface != "" {
		return opts.Interface
	}
	return fmt.Sprintf("index %d", opts.Index)
}

// group returns the multicast group of opts with its default.
func group(opts Options) netip.Addr {
	switch {
	case opts.Group.IsValid():
		return opts.Group
	case opts.Family == 4:
		return packet.Group4
	}
	return packet.Group6
}

// describe names the socket in errors: "eth0 IPv4 224.0.0.18".
func (c *Conn) describe(opts Options) string {
	name := c.ifname
	if name == "" {
		name = "(no interface)"
	}
	if c.proto == packet.ProtocolAH {
		name += " AH"
	}
	if opts.UnicastSrc.IsValid() {
		return fmt.Sprintf("%s IPv%d unicast %s", name, c.family, opts.UnicastSrc)
	}
	return fmt.Sprintf("%s IPv%d %s", name, c.family, group(opts))
}

// IfIndex returns the index of the interface the Conn is bound to, 0 if
// none.
func (c *Conn) IfIndex() int { return c.ifindex }

// WriteTo sends msg (a VRRP message whose checksum is final) from src to
// dst with TTL or hop limit ttl (1-255). A multicast dst leaves through
// the Conn's interface.
func (c *Conn) WriteTo(msg []byte, src, dst netip.Addr, ttl int) error {
	if err := c.checkWrite(src, dst, ttl); err != nil {
		return err
	}
	var err error
	if c.family == 4 {
		err = c.write4(msg, src, dst, ttl)
	} else {
		err = c.write6(msg, src, dst, ttl)
	}
	if err != nil {
		return fmt.Errorf("send vrrp advert from %s to %s on %s: %w", src, dst, c.ifname, err)
	}
	return nil
}

func (c *Conn) checkWrite(src, dst netip.Addr, ttl int) error {
	is4 := c.family == 4
	if !src.IsValid() || !dst.IsValid() || src.Is4() != is4 || dst.Is4() != is4 || src.Is4In6() || dst.Is4In6() {
		return fmt.Errorf("send vrrp advert from %s to %s: not IPv%d addresses", src, dst, c.family)
	}
	if ttl < 1 || ttl > 255 {
		return fmt.Errorf("send vrrp advert from %s to %s: ttl %d out of range 1-255", src, dst, ttl)
	}
	return nil
}

func (c *Conn) write4(msg []byte, src, dst netip.Addr, ttl int) error {
	h := packet.NewIPv4Header(src, dst, 0, len(msg))
	h.TTL = uint8(ttl)
	b := make([]byte, 0, packet.IPv4HeaderLen+len(msg))
	b, err := h.AppendBinary(b)
	if err != nil {
		return err
	}
	b = append(b, msg...)
	flags := 0
	if dst.IsMulticast() {
		flags = unix.MSG_DONTROUTE // as keepalived: multicast is on-link
	}
	return sendmsg(c.tx, b, nil, &unix.SockaddrInet4{Addr: dst.As4()}, flags)
}

// WritePacket sends pkt, an IPv4 header and its payload built by the
// caller (auth_type AH: the ICV covers the header), as it is, to the
// header's destination. The kernel fills in the header checksum.
func (c *Conn) WritePacket(pkt []byte) error {
	if c.family != 4 || len(pkt) < packet.IPv4HeaderLen || pkt[0]>>4 != 4 {
		return fmt.Errorf("send vrrp packet on %s: not an IPv4 packet on an IPv4 socket", c.ifname)
	}
	src, dst := netip.AddrFrom4([4]byte(pkt[12:16])), netip.AddrFrom4([4]byte(pkt[16:20]))
	flags := 0
	if dst.IsMulticast() {
		flags = unix.MSG_DONTROUTE
	}
	if err := sendmsg(c.tx, pkt, nil, &unix.SockaddrInet4{Addr: dst.As4()}, flags); err != nil {
		return fmt.Errorf("send vrrp advert from %s to %s on %s: %w", src, dst, c.ifname, err)
	}
	return nil
}

func (c *Conn) write6(msg []byte, src, dst netip.Addr, ttl int) error {
	oob := pktinfo6(src, c.ifindex, ttl)
	sa := &unix.SockaddrInet6{Addr: dst.As16()}
	if dst.IsLinkLocalUnicast() || dst.IsLinkLocalMulticast() || dst.IsInterfaceLocalMulticast() {
		sa.ZoneId = uint32(c.ifindex)
	}
	flags := 0
	if dst.IsMulticast() {
		flags = unix.MSG_DONTROUTE
	}
	return sendmsg(c.tx, msg, oob, sa, flags)
}

// ReadFrom blocks until a VRRP message for the Conn's interface arrives,
// copies it (without the IP header) into b and describes it. A message
// longer than b is cut to len(b). It returns an error wrapping
// net.ErrClosed once Close is called.
func (c *Conn) ReadFrom(b []byte) (int, vrrp.RecvMeta, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		n, oobn, from, err := recvmsg(c.rx, c.buf, c.oob)
		if err != nil {
			return 0, vrrp.RecvMeta{}, fmt.Errorf("receive vrrp advert on %s: %w", c.ifname, err)
		}
		var r received
		var ok bool
		if c.family == 4 {
			r, ok = parse4(c.buf[:n], c.oob[:oobn], c.proto)
		} else {
			r, ok = parse6(c.buf[:n], c.oob[:oobn], from)
		}
		if !ok || c.ifindex != 0 && r.meta.IfIndex != c.ifindex {
			continue // not VRRP for us: another interface, or garbage
		}
		return copy(b, r.payload), r.meta, nil
	}
}

// Close closes both sockets; a blocked ReadFrom returns.
func (c *Conn) Close() error {
	return errors.Join(c.rx.Close(), c.tx.Close())
}
