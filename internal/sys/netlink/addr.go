package netlink

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/config"
)

// addrDev is the interface an address goes on: its own dev, or dev.
func addrDev(a *config.IPAddress, dev string) string {
	if a.Dev != "" {
		return a.Dev
	}
	return dev
}

// toAddr builds the request keepalived's netlink_ipaddress() sends for a
// (add is false for a deletion, which carries no flags, lifetimes or
// label).
func toAddr(a *config.IPAddress, add bool) *netlink.Addr {
	na := &netlink.Addr{IPNet: ipNet(a.Addr), Scope: int(a.Scope)}
	if a.Peer.IsValid() {
		na.Peer = ipNet(netip.PrefixFrom(a.Peer, a.Addr.Bits()))
	}
	if a.Addr.Addr().Is4() {
		// The library computes a broadcast address when none is given;
		// keepalived sends one only when configured. The zero address
		// means none.
		na.Broadcast = net.IPv4zero
		if a.Broadcast.IsValid() && add {
			na.Broadcast = net.IP(a.Broadcast.AsSlice())
		}
	}
	if !add {
		return na
	}
	na.Label = a.Label
	na.Flags = addrFlags(a)
	if a.Addr.Addr().Is6() && a.PreferredLft != nil && *a.PreferredLft != config.VRRPLifetimeForever {
		// preferred_lft 0 marks the VIP deprecated (RFC 3484) so that
		// it is not chosen as a source address.
		na.PreferedLft = int(*a.PreferredLft)
		na.ValidLft = config.VRRPLifetimeForever
	}
	return na
}

// addrFlags are the IFA_F_* flags of an added address. IPv6 addresses get
// IFA_F_NODAD unless "-nodad" was given (a.NoDAD): VRRP does its own
// duplicate detection, and a VIP stuck in dadfailed after a split brain
// would never serve.
func addrFlags(a *config.IPAddress) int {
	var f int
	if a.Home {
		f |= unix.IFA_F_HOMEADDRESS
	}
	if a.Addr.Addr().Is6() && !a.NoDAD {
		f |= unix.IFA_F_NODAD
	}
	if a.MngTmpAddr {
		f |= unix.IFA_F_MANAGETEMPADDR
	}
	if a.NoPrefixRoute {
		f |= unix.IFA_F_NOPREFIXROUTE
	}
	if a.AutoJoin {
		f |= unix.IFA_F_MCAUTOJOIN
	}
	return f
}

// AddAddress adds a to its interface (dev when a.Dev is empty). An
// address already there is success.
func (h *Handle) AddAddress(a *config.IPAddress, dev string) error {
	name := addrDev(a, dev)
	l, err := h.link(name)
	if err != nil {
		return fmt.Errorf("add address %s: %w", a.Addr, err)
	}
	err = h.nl.AddrAdd(l, toAddr(a, true))
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("add address %s to %s: %w", a.Addr, name, err)
	}
	return nil
}

// DelAddress removes a from its interface (dev when a.Dev is empty). An
// address that is not there, or an interface that no longer exists, is
// success.
func (h *Handle) DelAddress(a *config.IPAddress, dev string) error {
	name := addrDev(a, dev)
	l, err := h.link(name)
	if ErrNoSuchInterface(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete address %s: %w", a.Addr, err)
	}
	err = h.nl.AddrDel(l, toAddr(a, false))
	if err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("delete address %s from %s: %w", a.Addr, name, err)
	}
	return nil
}

// HasAddress reports whether a (address, prefix length and peer) is on
// its interface. A missing interface has no addresses.
func (h *Handle) HasAddress(a *config.IPAddress, dev string) (bool, error) {
	name := addrDev(a, dev)
	l, err := h.link(name)
	if ErrNoSuchInterface(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up address %s: %w", a.Addr, err)
	}
	family := unix.AF_INET
	if a.Addr.Addr().Is6() {
		family = unix.AF_INET6
	}
	list, err := dump(func() ([]netlink.Addr, error) { return h.nl.AddrList(l, family) })
	if err != nil {
		return false, fmt.Errorf("list addresses of %s: %w", name, err)
	}
	for _, x := range list {
		if sameAddr(a, x) {
			return true, nil
		}
	}
	return false, nil
}

// sameAddr says whether the kernel's address x is a.
func sameAddr(a *config.IPAddress, x netlink.Addr) bool {
	p := prefixFromIPNet(x.IPNet)
	if p.Addr() != a.Addr.Addr() || p.Bits() != a.Addr.Bits() {
		return false
	}
	if a.Peer.IsValid() {
		return x.Peer != nil && addrFromIP(x.Peer.IP) == a.Peer
	}
	return true
}

// RemoveStale removes those of addrs still on their interface (dev when
// an address has no dev of its own): VIPs a crashed run left behind, which
// keepalived removes before the first election. It returns the addresses
// it removed; it goes on after an error and returns the errors joined.
func (h *Handle) RemoveStale(addrs []*config.IPAddress, dev string) ([]netip.Prefix, error) {
	var (
		removed []netip.Prefix
		errs    []error
	)
	for _, a := range addrs {
		ok, err := h.HasAddress(a, dev)
		if err == nil && ok {
			if err = h.DelAddress(a, dev); err == nil {
				removed = append(removed, a.Addr)
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}
