// Package netdial dials TCP connections for the health checkers and
// genhash, with the socket options that need system calls (SO_MARK for
// keepalived's fwmark), and sorts connection errors by errno as keepalived
// does.
package netdial

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Dial connects to dst over TCP. A non-zero fwmark is set on the socket
// (SO_MARK, which needs CAP_NET_ADMIN) before connecting. timeout bounds
// the connection attempt; 0 means only ctx does.
func Dial(ctx context.Context, dst netip.AddrPort, fwmark uint32, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	if fwmark != 0 {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, int(fwmark))
			})
			if err == nil && serr != nil {
				err = &net.OpError{Op: "setsockopt", Net: "tcp", Err: errors.Join(errFwmark, serr)}
			}
			return err
		}
	}
	return d.DialContext(ctx, "tcp", dst.String())
}

var errFwmark = errors.New("set SO_MARK")

// Failed says whether err is one of the errors keepalived counts as a
// failure to connect to the server rather than a failure to run the check
// (ECONNREFUSED, EHOSTUNREACH, ECONNRESET, ...).
func Failed(err error) bool {
	for _, e := range []syscall.Errno{unix.EHOSTUNREACH, unix.ECONNREFUSED, unix.EHOSTDOWN,
		unix.ENETDOWN, unix.ECONNRESET, unix.ECONNABORTED, unix.ETIMEDOUT} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Unreachable says whether err is ENETUNREACH, which keepalived sees at
// once from connect(2) ("network unreachable").
func Unreachable(err error) bool { return errors.Is(err, unix.ENETUNREACH) }
