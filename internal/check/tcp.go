package check

import (
	"context"
	"errors"
	"net"
	"net/netip"

	"github.com/keepalived-go/keepalived/internal/config"
)

// StdDialer dials with the standard library only: it binds bindto and
// bind_port but refuses bind_if and fwmark, which need system calls (the
// daemon gives sys/netdial's Dialer instead).
type StdDialer struct{}

var _ Dialer = StdDialer{}

// Dial connects to dst.
func (StdDialer) Dial(ctx context.Context, network string, src, dst netip.AddrPort, iface string, fwmark uint32) (net.Conn, error) {
	if iface != "" || fwmark != 0 {
		return nil, errors.New("bind_if and fwmark need the system dialer")
	}
	d := net.Dialer{KeepAlive: -1}
	if src.Addr().IsValid() || src.Port() != 0 {
		a := src.Addr()
		if !a.IsValid() {
			a = netip.IPv6Unspecified()
			if dst.Addr().Is4() {
				a = netip.IPv4Unspecified()
			}
		}
		if network == "udp" {
			d.LocalAddr = net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, src.Port()))
		} else {
			d.LocalAddr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(a, src.Port()))
		}
	}
	return d.DialContext(ctx, network, dst.String())
}

// endpoints are a checker's addresses.
type endpoints struct {
	src, dst netip.AddrPort
	iface    string
	fwmark   uint32
}

func endpointsOf(c config.CheckConn) endpoints {
	return endpoints{
		src:    netip.AddrPortFrom(c.BindTo, c.BindPort),
		dst:    netip.AddrPortFrom(c.ConnectIP, c.ConnectPort),
		iface:  c.BindIf,
		fwmark: c.Fwmark,
	}
}

func (e endpoints) dial(ctx context.Context, d Dialer, network string) (net.Conn, error) {
	return d.Dial(ctx, network, e.src, e.dst, e.iface, e.fwmark)
}

// Reason names an error in a few words: "timeout", or the innermost
// cause ("connection refused").
func Reason(err error) string {
	if err == nil {
		return ""
	}
	if isTimeout(err) {
		return "timeout"
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// tcpProber is TCP_CHECK: the server is up while a connection succeeds.
func (m *Manager) tcpProber(vs *config.VirtualServer, c config.CheckConn) Prober {
	ep := endpointsOf(c)
	name := Trio(c.ConnectIP, vs.Protocol, c.ConnectPort)
	d := m.opts.Dialer
	return ProberFunc(func(ctx context.Context) Result {
		conn, err := ep.dial(ctx, d, "tcp")
		if err == nil {
			abort(conn)
		}
		return tcpResult(name, err)
	})
}

// tcpTarget is a TCP_CHECK's connection for a Connector.
type tcpTarget struct {
	ep endpoints
}

// tcpResult is TCP_CHECK's verdict on a connection attempt.
func tcpResult(name string, err error) Result {
	if err == nil {
		return Result{OK: true}
	}
	log := "TCP connection to " + name + " failed."
	if isTimeout(err) {
		log = "TCP connection to " + name + " timeout."
	}
	return Result{Reason: Reason(err), Log: log}
}

// abort closes a check's TCP connection with a reset (SO_LINGER 0), as
// HAProxy's health checks do, once nothing more is expected from the
// server: no TIME_WAIT on the director, and four packets for a
// TCP_CHECK instead of seven. A conntrack entry of the connection (the
// nftables dataplane loads conntrack in the director's namespace) then
// lives 10 s (CLOSE) instead of 120 s (TIME_WAIT): at thousands of checks
// a second TIME_WAIT entries fill nf_conntrack_max and new checks' SYNs
// are dropped.
func abort(conn net.Conn) {
	resetOnClose(conn)
	conn.Close()
}

// resetOnClose makes conn's close a reset (see abort).
func resetOnClose(conn net.Conn) {
	if tc, ok := conn.(interface{ SetLinger(int) error }); ok {
		tc.SetLinger(0)
	}
}
