package vrrpsock

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/vrrp/packet"
)

// sock is a raw socket being set up: each step records the first error
// with the option that failed, as keepalived's if_setsockopt_* log them.
type sock struct {
	fd  int
	err error
}

// newSock opens a raw socket of IP protocol proto (112, or 51 for AH).
func newSock(family, proto int) *sock {
	af := unix.AF_INET
	if family == 6 {
		af = unix.AF_INET6
	}
	fd, err := unix.Socket(af, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return &sock{fd: -1, err: fmt.Errorf("open raw socket: %w", err)}
	}
	return &sock{fd: fd}
}

func (s *sock) int(level, opt int, name string, v int) {
	if s.err == nil {
		if err := unix.SetsockoptInt(s.fd, level, opt, v); err != nil {
			s.err = fmt.Errorf("set %s: %w", name, err)
		}
	}
}

func (s *sock) do(name string, f func(fd int) error) {
	if s.err == nil {
		if err := f(s.fd); err != nil {
			s.err = fmt.Errorf("%s: %w", name, err)
		}
	}
}

// bindToDevice sets SO_BINDTODEVICE: only packets from ifname are
// received, and sends leave through it.
func (s *sock) bindToDevice(ifname string) {
	if ifname != "" {
		s.do("set SO_BINDTODEVICE "+ifname, func(fd int) error {
			return unix.BindToDevice(fd, ifname)
		})
	}
}

// multicastAll turns IP(V6)_MULTICAST_ALL off: only groups this socket
// joined are delivered to it.
func (s *sock) multicastAll(family int) {
	if family == 4 {
		s.int(unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, "IP_MULTICAST_ALL", 0)
	} else {
		s.int(unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_ALL, "IPV6_MULTICAST_ALL", 0)
	}
}

// conn hands the socket to the net package's poller.
func (s *sock) conn(name string) (*net.IPConn, error) {
	if s.err != nil {
		if s.fd >= 0 {
			unix.Close(s.fd)
		}
		return nil, s.err
	}
	f := os.NewFile(uintptr(s.fd), name)
	defer f.Close() // FilePacketConn holds its own copy
	pc, err := net.FilePacketConn(f)
	if err != nil {
		return nil, err
	}
	ipc, ok := pc.(*net.IPConn)
	if !ok {
		pc.Close()
		return nil, fmt.Errorf("raw socket became %T", pc)
	}
	return ipc, nil
}

// openRecv opens the receiving socket (keepalived's open_vrrp_read_socket).
func openRecv(c *Conn, opts Options) (*net.IPConn, error) {
	s := newSock(c.family, c.proto)
	if opts.RecvBuffer > 0 {
		s.int(unix.SOL_SOCKET, unix.SO_RCVBUF, "SO_RCVBUF", opts.RecvBuffer)
	}
	s.multicastAll(c.family)
	if opts.UnicastSrc.IsValid() {
		bindUnicast(s, c, opts.UnicastSrc)
	} else {
		joinAndBind(s, c, group(opts))
	}
	if c.family == 4 {
		s.int(unix.IPPROTO_IP, unix.IP_PKTINFO, "IP_PKTINFO", 1)
	} else {
		s.int(unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT, "IPV6_RECVHOPLIMIT", 1)
		s.int(unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO", 1)
		s.int(unix.IPPROTO_IPV6, unix.IPV6_CHECKSUM, "IPV6_CHECKSUM", 6)
	}
	s.bindToDevice(c.ifname)
	return s.conn("vrrp-rx")
}

// joinAndBind joins the group on the interface and binds to it, so that
// unicast packets are not received.
func joinAndBind(s *sock, c *Conn, g netip.Addr) {
	if c.family == 4 {
		s.do(fmt.Sprintf("join %s on %s", g, c.ifname), func(fd int) error {
			return unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP,
				&unix.IPMreqn{Multiaddr: g.As4(), Ifindex: int32(c.ifindex)})
		})
		s.do("bind "+g.String(), func(fd int) error { return unix.Bind(fd, &unix.SockaddrInet4{Addr: g.As4()}) })
		return
	}
	s.do(fmt.Sprintf("join %s on %s", g, c.ifname), func(fd int) error {
		return unix.SetsockoptIPv6Mreq(fd, unix.IPPROTO_IPV6, unix.IPV6_ADD_MEMBERSHIP,
			&unix.IPv6Mreq{Multiaddr: g.As16(), Interface: uint32(c.ifindex)})
	})
	s.do("bind "+g.String(), func(fd int) error {
		return unix.Bind(fd, &unix.SockaddrInet6{Addr: g.As16(), ZoneId: uint32(c.ifindex)})
	})
}

// bindUnicast binds to the local unicast address, which need not exist
// yet (IP_FREEBIND).
func bindUnicast(s *sock, c *Conn, src netip.Addr) {
	if c.family == 4 {
		s.int(unix.IPPROTO_IP, unix.IP_FREEBIND, "IP_FREEBIND", 1)
		s.do("bind "+src.String(), func(fd int) error { return unix.Bind(fd, &unix.SockaddrInet4{Addr: src.As4()}) })
		return
	}
	s.int(unix.IPPROTO_IPV6, unix.IPV6_FREEBIND, "IPV6_FREEBIND", 1)
	sa := &unix.SockaddrInet6{Addr: src.As16()}
	if src.IsLinkLocalUnicast() {
		if c.ifindex == 0 {
			s.do("bind "+src.String(), func(int) error { return fmt.Errorf("link-local address needs an interface") })
			return
		}
		sa.ZoneId = uint32(c.ifindex)
	}
	s.do("bind "+src.String(), func(fd int) error { return unix.Bind(fd, sa) })
}

// dropAll is a socket filter that accepts nothing (keepalived's
// if_setsockopt_no_receive): the send socket never queues packets.
var dropAll = []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: 0}}

// openSend opens the sending socket (keepalived's open_vrrp_send_socket).
func openSend(c *Conn, opts Options) (*net.IPConn, error) {
	s := newSock(c.family, c.proto)
	s.int(unix.SOL_SOCKET, unix.SO_RCVBUF, "SO_RCVBUF", 0)
	s.multicastAll(c.family)
	multicast := !opts.UnicastSrc.IsValid()
	if c.family == 4 {
		s.int(unix.IPPROTO_IP, unix.IP_HDRINCL, "IP_HDRINCL", 1)
	} else {
		s.int(unix.IPPROTO_IPV6, unix.IPV6_CHECKSUM, "IPV6_CHECKSUM", 6)
		s.int(unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, "IPV6_MULTICAST_HOPS", packet.TTL)
	}
	if c.ifindex != 0 {
		s.bindToDevice(c.ifname)
		if multicast {
			setMulticastIf(s, c)
		}
	}
	if c.family == 4 {
		s.int(unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, "IP_MULTICAST_LOOP", 0)
		s.int(unix.IPPROTO_IP, unix.IP_TOS, "IP_TOS", packet.TOSNetworkControl)
	} else {
		s.int(unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, "IPV6_MULTICAST_LOOP", 0)
		s.int(unix.IPPROTO_IPV6, unix.IPV6_TCLASS, "IPV6_TCLASS", packet.TOSNetworkControl)
	}
	s.do("set SO_ATTACH_FILTER", func(fd int) error {
		return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER,
			&unix.SockFprog{Len: uint16(len(dropAll)), Filter: &dropAll[0]})
	})
	return s.conn("vrrp-tx")
}

func setMulticastIf(s *sock, c *Conn) {
	if c.family == 4 {
		s.do("set IP_MULTICAST_IF", func(fd int) error {
			return unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, &unix.IPMreqn{Ifindex: int32(c.ifindex)})
		})
		return
	}
	s.int(unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, "IPV6_MULTICAST_IF", c.ifindex)
}

// pktinfo6 builds the IPV6_PKTINFO (source, interface) and IPV6_HOPLIMIT
// control messages of an IPv6 send.
func pktinfo6(src netip.Addr, ifindex, hops int) []byte {
	b := make([]byte, unix.CmsgSpace(unix.SizeofInet6Pktinfo)+unix.CmsgSpace(4))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = unix.IPPROTO_IPV6, unix.IPV6_PKTINFO
	h.SetLen(unix.CmsgLen(unix.SizeofInet6Pktinfo))
	pi := (*unix.Inet6Pktinfo)(unsafe.Pointer(&b[unix.CmsgLen(0)]))
	pi.Addr, pi.Ifindex = src.As16(), uint32(ifindex)
	off := unix.CmsgSpace(unix.SizeofInet6Pktinfo)
	h = (*unix.Cmsghdr)(unsafe.Pointer(&b[off]))
	h.Level, h.Type = unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT
	h.SetLen(unix.CmsgLen(4))
	*(*int32)(unsafe.Pointer(&b[off+unix.CmsgLen(0)])) = int32(hops)
	return b
}

// sendmsg sends one datagram through the poller.
func sendmsg(c *net.IPConn, b, oob []byte, to unix.Sockaddr, flags int) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Write(func(fd uintptr) bool {
		serr = unix.Sendmsg(int(fd), b, oob, to, flags)
		return serr != unix.EAGAIN
	})
	if err != nil {
		return err
	}
	return serr
}

// recvmsg receives one datagram through the poller.
func recvmsg(c *net.IPConn, b, oob []byte) (n, oobn int, from unix.Sockaddr, err error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, 0, nil, err
	}
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		n, oobn, _, from, rerr = unix.Recvmsg(int(fd), b, oob, 0)
		return rerr != unix.EAGAIN
	})
	if err != nil {
		return 0, 0, nil, err
	}
	return n, oobn, from, rerr
}
