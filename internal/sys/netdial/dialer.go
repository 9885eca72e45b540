package netdial

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// Dialer opens the health checkers' TCP and UDP sockets with keepalived's
// connection options: a source address and port (bindto, bind_port), an
// interface (bind_if, SO_BINDTODEVICE) and a mark (fwmark, SO_MARK). It
// implements check.Dialer.
type Dialer struct {
	// Mark is the SO_MARK of a connection without its own fwmark
	// (checker_notrack's; 0: none).
	Mark uint32
}

// Dial connects to dst over network ("tcp" or "udp"); ctx bounds the
// attempt.
func (d Dialer) Dial(ctx context.Context, network string, src, dst netip.AddrPort, iface string, fwmark uint32) (net.Conn, error) {
	if fwmark == 0 {
		fwmark = d.Mark
	}
	// No TCP keepalive: a check's connection lives for one exchange, and
	// the four setsockopt calls it costs are a quarter of a TCP_CHECK's
	// system calls.
	nd := net.Dialer{Control: control(iface, fwmark), KeepAlive: -1}
	if src.Addr().IsValid() || src.Port() != 0 {
		a := src.Addr()
		if !a.IsValid() {
			a = netip.IPv4Unspecified()
			if dst.Addr().Is6() {
				a = netip.IPv6Unspecified()
			}
		}
		local := netip.AddrPortFrom(a, src.Port())
		if network == "udp" {
			nd.LocalAddr = net.UDPAddrFromAddrPort(local)
		} else {
			nd.LocalAddr = net.TCPAddrFromAddrPort(local)
		}
	}
	addr := dst
	if iface != "" && dst.Addr().Is6() && dst.Addr().IsLinkLocalUnicast() && dst.Addr().Zone() == "" {
		addr = netip.AddrPortFrom(dst.Addr().WithZone(iface), dst.Port())
	}
	return nd.DialContext(ctx, network, addr.String())
}

var errBindIf = errors.New("set SO_BINDTODEVICE")

// control sets SO_BINDTODEVICE and SO_MARK before the socket connects.
func control(iface string, fwmark uint32) func(network, address string, c syscall.RawConn) error {
	if iface == "" && fwmark == 0 {
		return nil
	}
	return func(network, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if iface != "" {
				if e := unix.SetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE, iface); e != nil {
					serr = errors.Join(errBindIf, e)
					return
				}
			}
			if fwmark != 0 {
				if e := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, int(fwmark)); e != nil {
					serr = errors.Join(errFwmark, e)
				}
			}
		})
		if err == nil && serr != nil {
			err = &net.OpError{Op: "setsockopt", Net: network, Err: serr}
		}
		return err
	}
}
