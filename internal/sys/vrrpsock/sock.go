package vrrpsock

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/vrrp"
	"github.com/keepalived-go/keepalived/internal/vrrp/packet"
)

// Socket options x/sys/unix lacks names for.
const (
	ipMulticastAll   = 49 // IP_MULTICAST_ALL
	ipv6MulticastAll = 29 // IPV6_MULTICAST_ALL
)

// received is one VRRP message read from the wire.
type received struct {
	payload []byte
	meta    vrrp.RecvMeta
}

// rawSocket opens a non-blocking raw IP protocol 112 socket of the
// Conn's family.
func rawSocket(family int) (int, error) {
	af := unix.AF_INET
	if family == 6 {
		af = unix.AF_INET6
	}
	fd, err := unix.Socket(af, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, packet.Protocol)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	return fd, nil
}

// toConn hands fd to the net package's poller.
func toConn(fd int, name string) (*net.IPConn, error) {
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	pc, err := net.FilePacketConn(f)
	if err != nil {
		return nil, err
	}
	c, ok := pc.(*net.IPConn)
	if !ok {
		pc.Close()
		return nil, fmt.Errorf("socket is a %T, not a raw IP socket", pc)
	}
	return c, nil
}

// setup runs the option setters on fd, closing it on the first failure.
func setup(fd int, steps ...func(int) error) error {
	for _, s := range steps {
		if err := s(fd); err != nil {
			unix.Close(fd)
			return err
		}
	}
	return nil
}

func intOpt(level, opt, v int, name string) func(int) error {
	return func(fd int) error {
		if err := unix.SetsockoptInt(fd, level, opt, v); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
}

func bindDevice(ifname string) func(int) error {
	return func(fd int) error {
		if ifname == "" {
			return nil
		}
		if err := unix.BindToDevice(fd, ifname); err != nil {
			return fmt.Errorf("SO_BINDTODEVICE %s: %w", ifname, err)
		}
		return nil
	}
}

// dropAll attaches a filter that accepts nothing: a send-only socket
// must not queue every advert on the wire.
func dropAll(fd int) error {
	prog := unix.SockFprog{Len: 1, Filter: &[]unix.SockFilter{{Code: 0x06, K: 0}}[0]} // BPF_RET|BPF_K 0
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &prog); err != nil {
		return fmt.Errorf("SO_ATTACH_FILTER: %w", err)
	}
	return nil
}

// openSend opens the sending socket.
func openSend(c *Conn, opts Options) (*net.IPConn, error) {
	fd, err := rawSocket(c.family)
	if err != nil {
		return nil, err
	}
	var steps []func(int) error
	if c.family == 4 {
		steps = []func(int) error{
			intOpt(unix.IPPROTO_IP, unix.IP_HDRINCL, 1, "IP_HDRINCL"),
			intOpt(unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP"),
			intOpt(unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, packet.TTL, "IP_MULTICAST_TTL"),
			bindDevice(c.ifname),
			dropAll,
		}
		if c.ifindex != 0 {
			steps = append(steps, func(fd int) error {
				mreq := &unix.IPMreqn{Ifindex: int32(c.ifindex)}
				if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, mreq); err != nil {
					return fmt.Errorf("IP_MULTICAST_IF: %w", err)
				}
				return nil
			})
		}
	} else {
		steps = []func(int) error{
			intOpt(unix.IPPROTO_IPV6, unix.IPV6_CHECKSUM, 6, "IPV6_CHECKSUM"),
			intOpt(unix.IPPROTO_IPV6, unix.IPV6_TCLASS, packet.TOSNetworkControl, "IPV6_TCLASS"),
			intOpt(unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP"),
			intOpt(unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, packet.TTL, "IPV6_MULTICAST_HOPS"),
			bindDevice(c.ifname),
			dropAll,
		}
		if c.ifindex != 0 {
			steps = append(steps, intOpt(unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, c.ifindex, "IPV6_MULTICAST_IF"))
		}
	}
	if err := setup(fd, steps...); err != nil {
		return nil, err
	}
	return toConn(fd, "vrrp-send")
}

// openRecv opens the receiving socket: joined to the group on the
// interface (multicast) or not (unicast), with the control messages that
// say where a packet arrived.
func openRecv(c *Conn, opts Options) (*net.IPConn, error) {
	fd, err := rawSocket(c.family)
	if err != nil {
		return nil, err
	}
	c.unicast = opts.UnicastSrc
	c.group = group(opts)
	var steps []func(int) error
	if c.family == 4 {
		steps = []func(int) error{
			intOpt(unix.IPPROTO_IP, ipMulticastAll, 0, "IP_MULTICAST_ALL"),
			intOpt(unix.IPPROTO_IP, unix.IP_PKTINFO, 1, "IP_PKTINFO"),
			bindDevice(c.ifname),
		}
		if !c.unicast.IsValid() {
			steps = append(steps, func(fd int) error {
				mreq := &unix.IPMreqn{Multiaddr: c.group.As4(), Ifindex: int32(c.ifindex)}
				if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq); err != nil {
					return fmt.Errorf("join %s on %s: %w", c.group, c.ifname, err)
				}
				return nil
			})
		}
	} else {
		steps = []func(int) error{
			intOpt(unix.IPPROTO_IPV6, ipv6MulticastAll, 0, "IPV6_MULTICAST_ALL"),
			intOpt(unix.IPPROTO_IPV6, unix.IPV6_CHECKSUM, 6, "IPV6_CHECKSUM"),
			intOpt(unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO"),
			intOpt(unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT"),
			bindDevice(c.ifname),
		}
		if !c.unicast.IsValid() {
			steps = append(steps, func(fd int) error {
				mreq := &unix.IPv6Mreq{Multiaddr: c.group.As16(), Interface: uint32(c.ifindex)}
				if err := unix.SetsockoptIPv6Mreq(fd, unix.IPPROTO_IPV6, unix.IPV6_JOIN_GROUP, mreq); err != nil {
					return fmt.Errorf("join %s on %s: %w", c.group, c.ifname, err)
				}
				return nil
			})
		}
	}
	if opts.RecvBuffer > 0 {
		steps = append(steps, intOpt(unix.SOL_SOCKET, unix.SO_RCVBUF, opts.RecvBuffer, "SO_RCVBUF"))
	}
	if err := setup(fd, steps...); err != nil {
		return nil, err
	}
	return toConn(fd, "vrrp-recv")
}

// sendmsg sends through the poller.
func sendmsg(conn *net.IPConn, b, oob []byte, to unix.Sockaddr, flags int) error {
	raw, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	werr := raw.Write(func(fd uintptr) bool {
		serr = unix.Sendmsg(int(fd), b, oob, to, flags)
		return !errors.Is(serr, unix.EAGAIN)
	})
	if werr != nil {
		return werr
	}
	return serr
}

// recvmsg reads one datagram through the poller.
func recvmsg(conn *net.IPConn, b, oob []byte) (n, oobn int, from unix.Sockaddr, err error) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return 0, 0, nil, err
	}
	var rerr error
	err = raw.Read(func(fd uintptr) bool {
		n, oobn, _, from, rerr = unix.Recvmsg(int(fd), b, oob, 0)
		return !errors.Is(rerr, unix.EAGAIN)
	})
	if err != nil {
		return 0, 0, nil, err
	}
	return n, oobn, from, rerr
}

// pktinfo6 is the control message giving an IPv6 advert its source,
// interface and hop limit.
func pktinfo6(src netip.Addr, ifindex, ttl int) []byte {
	cm := &ipv6.ControlMessage{HopLimit: ttl, Src: src.AsSlice(), IfIndex: ifindex}
	return cm.Marshal()
}

// parse4 reads an IPv4 packet (header included, as raw sockets deliver
// it) and its control messages.
func parse4(b, oob []byte) (received, bool) {
	h, payload, err := packet.ParseIPv4(b)
	if err != nil || h.Protocol != packet.Protocol {
		return received{}, false
	}
	var cm ipv4.ControlMessage
	if err := cm.Parse(oob); err != nil {
		return received{}, false
	}
	return received{payload: payload, meta: vrrp.RecvMeta{
		IfIndex: cm.IfIndex, Src: h.Src, Dst: h.Dst, TTL: int(h.TTL), IPLen: int(h.TotalLen),
	}}, true
}

// parse6 reads an IPv6 VRRP message (the kernel strips the header) and
// its control messages.
func parse6(b, oob []byte, from unix.Sockaddr) (received, bool) {
	sa, ok := from.(*unix.SockaddrInet6)
	if !ok {
		return received{}, false
	}
	var cm ipv6.ControlMessage
	if err := cm.Parse(oob); err != nil {
		return received{}, false
	}
	dst, _ := netip.AddrFromSlice(cm.Dst)
	return received{payload: b, meta: vrrp.RecvMeta{
		IfIndex: cm.IfIndex, Src: netip.AddrFrom16(sa.Addr), Dst: dst, TTL: cm.HopLimit,
	}}, true
}

// forUs says whether a received message is addressed to this Conn: the
// group in multicast mode, the unicast source in unicast mode.
func (c *Conn) forUs(dst netip.Addr) bool {
	if c.unicast.IsValid() {
		return dst == c.unicast
	}
	return dst == c.group
}
