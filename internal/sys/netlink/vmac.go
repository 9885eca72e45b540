package netlink

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/vrrp"
)

// VMACAddr is the virtual router MAC of RFC 5798 §7.3:
// 00-00-5E-00-01-{VRID} for IPv4 (family 4), 00-00-5E-00-02-{VRID} for
// IPv6 (family 6).
func VMACAddr(vrid, family int) net.HardwareAddr {
	kind := byte(1)
	if family == 6 {
		kind = 2
	}
	return net.HardwareAddr{0x00, 0x00, 0x5e, 0x00, kind, byte(vrid)}
}

// AddVMAC creates (or reuses) the macvlan name on parent that use_vmac
// needs, as keepalived's netlink_link_add_vmac(): private mode, MAC
// VMACAddr(vrid, family), the parent's interface group, no automatic
// IPv6 link-local address, IPv6 disabled on an IPv4 VMAC, up. An IPv6
// VMAC gets the parent's link-local address (or one made from the
// parent's MAC) so that adverts leave from a non-VIP address. A VMAC it
// creates gets keepalived's sysctls, and its parent arp_ignore=1 and
// arp_filter=1 until the parent's last VMAC is deleted. A macvlan of that
// name on another parent, with another MAC or in another mode, is
// replaced; any other interface of that name is an error.
func (h *Handle) AddVMAC(parent, name string, vrid, family int) (vrrp.Link, error) {
	base, err := h.link(parent)
	if err != nil {
		return vrrp.Link{}, fmt.Errorf("create VMAC %s: %w", name, err)
	}
	mac := VMACAddr(vrid, family)
	created, err := h.ensureMacvlan(base, name, mac)
	if err != nil {
		return vrrp.Link{}, err
	}
	l, err := h.link(name)
	if err != nil {
		return vrrp.Link{}, fmt.Errorf("create VMAC %s: %w", name, err)
	}
	if created {
		if err := h.setVMACSysctls(name, parent, family); err != nil {
			return vrrp.Link{}, err
		}
	}
	if err := h.nl.LinkSetIP6AddrGenMode(l, int(netlinkAddrGenModeNone)); err != nil {
		h.log.Info(fmt.Sprintf("Error setting ADDR_GEN_MODE to NONE on %s", name), "error", err)
	}
	if err := h.inNamespace(func() error { return setSysctl("ipv6", name, "disable_ipv6", b2i(family != 6)) }); err != nil {
		h.log.Info(fmt.Sprintf("Unable to set disable_ipv6 on %s", name), "error", err)
	}
	if err := h.nl.LinkSetUp(l); err != nil {
		return vrrp.Link{}, fmt.Errorf("set VMAC %s up: %w", name, err)
	}
	if family == 6 {
		if err := h.addLinkLocal(base, l); err != nil {
			return vrrp.Link{}, err
		}
	}
	return h.describe(l)
}

// netlinkAddrGenModeNone is IN6_ADDR_GEN_MODE_NONE.
const netlinkAddrGenModeNone = 1

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ensureMacvlan makes name a private-mode macvlan of base with mac,
// reporting whether it created it.
func (h *Handle) ensureMacvlan(base netlink.Link, name string, mac net.HardwareAddr) (bool, error) {
	old, err := h.link(name)
	switch {
	case ErrNoSuchInterface(err):
	case err != nil:
		return false, fmt.Errorf("create VMAC %s: %w", name, err)
	default:
		mv, ok := old.(*netlink.Macvlan)
		if !ok {
			return false, fmt.Errorf("VMAC %s conflicts with existing interface", name)
		}
		if mv.ParentIndex == base.Attrs().Index && bytes.Equal(mv.HardwareAddr, mac) && mv.Mode == netlink.MACVLAN_MODE_PRIVATE {
			return false, nil
		}
		h.log.Info(fmt.Sprintf("Removing old VMAC interface %s due to conflicting interface", name))
		if err := h.nl.LinkDel(old); err != nil {
			return false, fmt.Errorf("remove old VMAC interface %s: %w", name, err)
		}
	}
	mv := &netlink.Macvlan{
		LinkAttrs: netlink.LinkAttrs{
			Name: name, ParentIndex: base.Attrs().Index, HardwareAddr: mac, Group: base.Attrs().Group,
		},
		Mode: netlink.MACVLAN_MODE_PRIVATE,
	}
	if err := h.nl.LinkAdd(mv); err != nil {
		return false, fmt.Errorf("unable to create VMAC interface %s on %s: %w", name, base.Attrs().Name, err)
	}
	h.mu.Lock()
	h.vmacs[name] = base.Attrs().Name
	h.mu.Unlock()
	return true, nil
}

// addLinkLocal gives an IPv6 VMAC its parent's link-local address, or
// the EUI-64 one of the parent's MAC (keepalived's
// set_link_local_address()).
func (h *Handle) addLinkLocal(base, vmac netlink.Link) error {
	desc, err := h.describe(base)
	if err != nil {
		return err
	}
	ll := desc.LinkLocal6
	if !ll.IsValid() {
		ll = eui64LinkLocal(base.Attrs().HardwareAddr)
	}
	a := &config.IPAddress{Addr: netip.PrefixFrom(ll, 64)}
	if err := h.nl.AddrAdd(vmac, toAddr(a, true)); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("adding link-local address %s to %s failed: %w", ll, vmac.Attrs().Name, err)
	}
	return nil
}

// eui64LinkLocal is the fe80::/64 address of RFC 4291 appendix A for an
// Ethernet MAC.
func eui64LinkLocal(mac net.HardwareAddr) netip.Addr {
	var b [16]byte
	b[0], b[1] = 0xfe, 0x80
	if len(mac) == 6 {
		b[8], b[9], b[10] = mac[0]^0x02, mac[1], mac[2]
		b[11], b[12] = 0xff, 0xfe
		b[13], b[14], b[15] = mac[3], mac[4], mac[5]
	}
	return netip.AddrFrom16(b)
}

// DelVMAC deletes the macvlan name; one that does not exist is success,
// an interface of that name that is not a macvlan is an error (never
// delete a real interface). When it was the last VMAC this handle created
// on its parent, the parent's arp_ignore and arp_filter are restored.
func (h *Handle) DelVMAC(name string) error {
	l, err := h.link(name)
	if ErrNoSuchInterface(err) {
		h.releaseParent(name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete VMAC %s: %w", name, err)
	}
	if _, ok := l.(*netlink.Macvlan); !ok {
		return fmt.Errorf("delete VMAC %s: interface is a %s, not a macvlan", name, l.Type())
	}
	if err := h.nl.LinkDel(l); err != nil && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("delete VMAC %s: %w", name, err)
	}
	h.releaseParent(name)
	return nil
}

// setVMACSysctls applies keepalived's set_interface_parameters() to a
// new VMAC and its parent.
func (h *Handle) setVMACSysctls(name, parent string, family int) error {
	return h.inNamespace(func() error {
		set := vmacSysctls6
		if family != 6 {
			set = vmacSysctls
			// Before the VMAC's own rp_filter 0, which it would
			// otherwise raise.
			if err := h.holdRPFilter(); err != nil {
				return err
			}
		}
		for _, s := range set {
			if err := setSysctl("ipv4", name, s.key, s.val); err != nil {
				return fmt.Errorf("unable to set parameters for %s: %w", name, err)
			}
		}
		if family == 6 {
			return nil
		}
		return h.holdParent(parent)
	})
}

// holdRPFilter clears all.rp_filter for the first IPv4 VMAC.
func (h *Handle) holdRPFilter() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rp != nil {
		return nil
	}
	rp, err := h.clearRPFilter()
	if err != nil {
		return fmt.Errorf("clear net.ipv4.conf.all.rp_filter: %w", err)
	}
	h.rp = rp
	return nil
}

// holdParent counts one more VMAC on parent, setting arp_ignore and
// arp_filter for the first and remembering the old values.
func (h *Handle) holdParent(parent string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if pc, ok := h.parents[parent]; ok {
		pc.vmacs++
		return nil
	}
	pc := &parentConf{vmacs: 1}
	for _, s := range parentSysctls {
		old, err := getSysctl("ipv4", parent, s.key)
		if err != nil {
			return fmt.Errorf("set base flags on %s: %w", parent, err)
		}
		if old == s.val {
			continue
		}
		if err := setSysctl("ipv4", parent, s.key, s.val); err != nil {
			return fmt.Errorf("set base flags on %s: %w", parent, err)
		}
		pc.saved = append(pc.saved, setting{s.key, old})
	}
	h.parents[parent] = pc
	return nil
}

// releaseParent undoes holdParent for the VMAC name, restoring the
// parent's values after its last VMAC.
func (h *Handle) releaseParent(name string) {
	h.mu.Lock()
	parent, ok := h.vmacs[name]
	delete(h.vmacs, name)
	pc := h.parents[parent]
	if !ok || pc == nil {
		h.mu.Unlock()
		return
	}
	if pc.vmacs--; pc.vmacs > 0 {
		h.mu.Unlock()
		return
	}
	delete(h.parents, parent)
	var rp *rpFilter
	if len(h.parents) == 0 {
		rp, h.rp = h.rp, nil
	}
	h.mu.Unlock()
	err := h.inNamespace(func() error {
		var errs []error
		for _, s := range pc.saved {
			if err := setSysctl("ipv4", parent, s.key, s.val); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
		if rp != nil {
			errs = append(errs, rp.restore(h))
		}
		return errors.Join(errs...)
	})
	if err != nil {
		h.log.Info(fmt.Sprintf("reset interface flags on %s failed", parent), "error", err)
	}
}
