package vrrpsock

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/vrrp"
)

var _ vrrp.Announcer = (*Announcer)(nil)

// Announcer sends gratuitous ARPs and unsolicited Neighbour
// Advertisements as keepalived does (vrrp_arp.c, vrrp_ndisc.c): whole
// Ethernet frames on one AF_PACKET socket, so that they leave with the
// interface's (or VMAC's) MAC whatever the state of the address in the
// IP stack (an IPv6 VIP may still be tentative).
//
// The socket has protocol 0: it receives nothing. It is opened on first
// use and reopened after a send error. The interface (index, MAC, flags)
// is looked up on every Announce, for a VMAC may be re-created with a new
// index between two calls.
type Announcer struct {
	mu   sync.Mutex
	sock *os.File
}

// NewAnnouncer returns an Announcer; it opens its socket on first use,
// in the network namespace of the calling thread at that time.
func NewAnnouncer() *Announcer { return &Announcer{} }

// Announce sends one gratuitous ARP for each IPv4 address and one
// unsolicited Neighbour Advertisement for each IPv6 address of addrs out
// of ifname. Like keepalived it sends nothing on an interface with
// IFF_NOARP or without a hardware address. Errors name the interface and
// address; every address is tried.
func (a *Announcer) Announce(ifname string, addrs []netip.Addr) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.open(); err != nil {
		return fmt.Errorf("announce on %s: %w", ifname, err)
	}
	ifi, noarp, err := a.lookup(ifname)
	if err != nil {
		return fmt.Errorf("announce on %s: %w", ifname, err)
	}
	if noarp || len(ifi.HardwareAddr) != 6 {
		return nil
	}
	router := ipv6Forwarding(ifname)
	var errs []error
	for _, addr := range addrs {
		if err := a.announce(ifi, addr.Unmap().WithZone(""), router); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		a.sock.Close() // reopen next time: the socket may be what failed
		a.sock = nil
	}
	return errors.Join(errs...)
}

func (a *Announcer) announce(ifi *net.Interface, addr netip.Addr, router bool) error {
	var frame []byte
	var err error
	var what string
	if addr.Is4() {
		what = "gratuitous ARP"
		frame, err = garpFrame(ifi.HardwareAddr, addr)
	} else {
		what = "unsolicited Neighbour Advert"
		frame, err = naFrame(ifi.HardwareAddr, addr, router)
	}
	if err == nil {
		err = a.send(ifi.Index, frame)
	}
	if err != nil {
		return fmt.Errorf("sending %s on %s for %s: %w", what, ifi.Name, addr, err)
	}
	return nil
}

// open opens the AF_PACKET socket if it is not open.
func (a *Announcer) open() error {
	if a.sock != nil {
		return nil
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open packet socket: %w", err)
	}
	a.sock = os.NewFile(uintptr(fd), "garp")
	return nil
}

// lookup finds ifname and whether it has IFF_NOARP (which net.Interface
// does not report), asking through the socket's own namespace.
func (a *Announcer) lookup(ifname string) (*net.Interface, bool, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, false, err
	}
	ifr, err := unix.NewIfreq(ifname)
	if err != nil {
		return nil, false, err
	}
	rc, err := a.sock.SyscallConn()
	if err != nil {
		return nil, false, err
	}
	var ierr error
	if err := rc.Control(func(fd uintptr) { ierr = unix.IoctlIfreq(int(fd), unix.SIOCGIFFLAGS, ifr) }); err != nil {
		return nil, false, err
	}
	if ierr != nil {
		return nil, false, fmt.Errorf("get interface flags: %w", ierr)
	}
	return ifi, ifr.Uint16()&unix.IFF_NOARP != 0, nil
}

// send writes one Ethernet frame out of interface ifindex.
func (a *Announcer) send(ifindex int, frame []byte) error {
	rc, err := a.sock.SyscallConn()
	if err != nil {
		return err
	}
	to := &unix.SockaddrLinklayer{Ifindex: ifindex, Protocol: htons(etherType(frame)), Halen: 6}
	copy(to.Addr[:], frame[:6])
	var serr error
	err = rc.Write(func(fd uintptr) bool {
		serr = unix.Sendto(int(fd), frame, 0, to)
		return serr != unix.EAGAIN
	})
	if err != nil {
		return err
	}
	return serr
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// ipv6Forwarding says whether IPv6 forwarding is on for ifname (then the
// NA carries the Router flag, as keepalived's set_ipv6_forwarding finds).
// An unreadable setting counts as off.
func ipv6Forwarding(ifname string) bool {
	b, err := os.ReadFile("/proc/sys/net/ipv6/conf/" + ifname + "/forwarding")
	return err == nil && strings.TrimSpace(string(b)) != "0"
}

// Close closes the socket.
func (a *Announcer) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sock == nil {
		return nil
	}
	err := a.sock.Close()
	a.sock = nil
	return err
}
