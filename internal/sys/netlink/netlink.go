// Package netlink puts virtual addresses, routes and rules on the host,
// looks up interfaces, reports link and address changes, and creates the
// macvlan interfaces of use_vmac, through rtnetlink
// (github.com/vishvananda/netlink). It implements vrrp.Addrs and
// vrrp.Links for the VRRP driver.
//
// A Handle belongs to the network namespace of the thread that called New:
// every later call acts on that namespace, whichever thread it runs on.
// Tests open one inside netnstest.NS.Do and use it from the test
// goroutine.
package netlink

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/vrrp"
)

var (
	_ vrrp.Addrs = (*Handle)(nil)
	_ vrrp.Links = (*Handle)(nil)
)

// Options configure a Handle.
type Options struct {
	// Logger receives what the handle logs (subscription failures,
	// sysctl changes); nil discards it.
	Logger *slog.Logger
	// MonitorRcvBuf is the receive buffer size in bytes of the event
	// sockets (keepalived's vrrp_netlink_monitor_rcv_bufs); 0 keeps the
	// system default.
	MonitorRcvBuf int
}

// Handle is an rtnetlink connection to one network namespace.
type Handle struct {
	nl  *netlink.Handle
	ns  netns.NsHandle
	log *slog.Logger
	rcv int

	mu sync.Mutex
	// parents counts the VMACs of each base interface and remembers
	// the arp_ignore/arp_filter values to restore when the last goes.
	parents map[string]*parentConf
	// vmacs maps a VMAC we created to its base interface.
	vmacs map[string]string
	// rp is set while IPv4 VMACs made us clear all.rp_filter.
	rp *rpFilter
}

// New opens a handle on the calling thread's network namespace.
func New(opts Options) (*Handle, error) {
	ns, err := netns.Get()
	if err != nil {
		return nil, fmt.Errorf("netlink: current network namespace: %w", err)
	}
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		ns.Close()
		return nil, fmt.Errorf("netlink: open rtnetlink socket: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handle{
		nl: h, ns: ns, log: log.With("subsystem", "netlink"), rcv: opts.MonitorRcvBuf,
		parents: map[string]*parentConf{}, vmacs: map[string]string{},
	}, nil
}

// Close releases the handle's sockets. Subscriptions end with their
// context, not with Close.
func (h *Handle) Close() error {
	h.nl.Close()
	return h.ns.Close()
}

// dumpRetries bounds the retries of a dump the kernel interrupted.
const dumpRetries = 10

// dump runs a netlink dump again while the kernel reports it interrupted
// (the list changed during the dump; v1.3.1 returns ErrDumpInterrupted
// with partial results).
func dump[T any](f func() ([]T, error)) ([]T, error) {
	var (
		v   []T
		err error
	)
	for range dumpRetries {
		v, err = f()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			return v, err
		}
	}
	return v, err
}

// link finds an interface by name.
func (h *Handle) link(name string) (netlink.Link, error) {
	if name == "" {
		return nil, errors.New("no interface given")
	}
	l, err := h.nl.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("interface %s: %w", name, errNoSuchInterface)
		}
		return nil, fmt.Errorf("interface %s: %w", name, err)
	}
	return l, nil
}

// errNoSuchInterface is wrapped by the errors of calls naming an
// interface that does not exist.
var errNoSuchInterface = errors.New("no such interface")

// ErrNoSuchInterface reports whether err says an interface does not
// exist.
func ErrNoSuchInterface(err error) bool { return errors.Is(err, errNoSuchInterface) }

// inNamespace runs fn on a thread inside the handle's namespace: /proc/sys
// files belong to the namespace of the thread that opens them. The thread
// is discarded afterwards.
func (h *Handle) inNamespace(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// Not unlocked: the thread may be in another namespace; it
		// dies with the goroutine.
		if err := netns.Set(h.ns); err != nil {
			errc <- fmt.Errorf("enter network namespace: %w", err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// ipNet converts a prefix to the library's form, keeping the address bits
// (an address with its prefix length, not the network).
func ipNet(p netip.Prefix) *net.IPNet {
	a := p.Addr()
	return &net.IPNet{IP: net.IP(a.AsSlice()), Mask: net.CIDRMask(p.Bits(), a.BitLen())}
}

// addrFromIP converts a library address; invalid when ip is nil.
func addrFromIP(ip net.IP) netip.Addr {
	if v4 := ip.To4(); v4 != nil {
		return netip.AddrFrom4([4]byte(v4))
	}
	a, _ := netip.AddrFromSlice(ip)
	return a
}

// prefixFromIPNet converts a library prefix (address bits kept).
func prefixFromIPNet(n *net.IPNet) netip.Prefix {
	if n == nil {
		return netip.Prefix{}
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(addrFromIP(n.IP), ones)
}
