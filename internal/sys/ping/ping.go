// Package ping sends the ICMP and ICMPv6 echo requests of PING_CHECK,
// with raw sockets (pro-bing's privileged mode: the checker child runs as
// root, as keepalived's does).
package ping

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	probing "github.com/prometheus-community/pro-bing"
)

// Pinger pings with pro-bing. Its zero value is ready.
type Pinger struct{}

// errNoReply is returned when no reply came in time; it is a timeout.
var errNoReply = &timeoutError{}

type timeoutError struct{}

func (*timeoutError) Error() string   { return "no echo reply" }
func (*timeoutError) Timeout() bool   { return true }
func (*timeoutError) Temporary() bool { return true }

var _ net.Error = errNoReply

// Ping sends one echo request to dst from src (zero: any), out of iface
// ("" : any), marked with fwmark (0: none), and waits for the reply until
// ctx ends.
func (Pinger) Ping(ctx context.Context, src, dst netip.Addr, iface string, fwmark uint32) error {
	p := probing.New("")
	p.SetIPAddr(&net.IPAddr{IP: dst.AsSlice(), Zone: dst.Zone()})
	if dst.Is4() {
		p.SetNetwork("ip4")
	} else {
		p.SetNetwork("ip6")
	}
	p.SetPrivileged(true)
	p.Count = 1
	p.Interval = time.Millisecond
	p.Timeout = time.Hour // ctx bounds the wait
	if d, ok := ctx.Deadline(); ok {
		p.Timeout = time.Until(d)
	}
	if src.IsValid() {
		p.Source = src.String()
	}
	p.InterfaceName = iface
	if fwmark != 0 {
		p.SetMark(uint(fwmark))
	}
	if err := p.RunWithContext(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("ping %s: %w", dst, err)
	}
	if p.Statistics().PacketsRecv == 0 {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return ctx.Err()
		}
		return fmt.Errorf("ping %s: %w", dst, errNoReply)
	}
	return nil
}
