package vrrpsock

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ndp"
	"golang.org/x/net/ipv6"

	"github.com/keepalived-go/keepalived/internal/vrrp"
)

var _ vrrp.Announcer = (*Announcer)(nil)

// Announcer sends gratuitous ARPs (IPv4) and unsolicited Neighbour
// Advertisements (IPv6) as keepalived does (vrrp_arp.c, vrrp_ndisc.c):
//
//   - GARP: an ARP request to ff:ff:ff:ff:ff:ff, sender and target
//     address the VIP, sender MAC the interface's (the VMAC's own on a
//     VMAC), target MAC broadcast;
//   - NA: to ff02::1 with hop limit 255, Override set, and the target
//     link-layer address option.
//
// Handles are opened per interface on first use and reopened after an
// error (an interface that was deleted and created again).
type Announcer struct {
	mu   sync.Mutex
	arps map[string]*arp.Client
	ndps map[string]*ndp.Conn
}

// NewAnnouncer returns an Announcer with no handle open yet.
func NewAnnouncer() *Announcer {
	return &Announcer{arps: map[string]*arp.Client{}, ndps: map[string]*ndp.Conn{}}
}

var allNodes = netip.MustParseAddr("ff02::1")

// Announce sends one GARP or NA for each address on ifname.
func (a *Announcer) Announce(ifname string, addrs []netip.Addr) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var errs []error
	for _, ip := range addrs {
		var err error
		if ip.Is4() {
			err = a.garp(ifname, ip)
		} else {
			err = a.na(ifname, ip)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (a *Announcer) garp(ifname string, ip netip.Addr) error {
	c, ifi, err := a.arpClient(ifname)
	if err != nil {
		return fmt.Errorf("gratuitous ARP for %s on %s: %w", ip, ifname, err)
	}
	broadcast := net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	p, err := arp.NewPacket(arp.OperationRequest, ifi.HardwareAddr, ip, broadcast, ip)
	if err != nil {
		return fmt.Errorf("gratuitous ARP for %s on %s: %w", ip, ifname, err)
	}
	if err := c.WriteTo(p, broadcast); err != nil {
		c.Close()
		delete(a.arps, ifname)
		return fmt.Errorf("gratuitous ARP for %s on %s: %w", ip, ifname, err)
	}
	return nil
}

func (a *Announcer) arpClient(ifname string) (*arp.Client, *net.Interface, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, nil, err
	}
	if c, ok := a.arps[ifname]; ok {
		return c, ifi, nil
	}
	c, err := arp.Dial(ifi)
	if err != nil {
		return nil, nil, err
	}
	a.arps[ifname] = c
	return c, ifi, nil
}

func (a *Announcer) na(ifname string, ip netip.Addr) error {
	c, ifi, err := a.ndpConn(ifname)
	if err != nil {
		return fmt.Errorf("unsolicited NA for %s on %s: %w", ip, ifname, err)
	}
	m := &ndp.NeighborAdvertisement{
		Override:      true,
		TargetAddress: ip,
		Options:       []ndp.Option{&ndp.LinkLayerAddress{Direction: ndp.Target, Addr: ifi.HardwareAddr}},
	}
	if err := c.WriteTo(m, &ipv6.ControlMessage{HopLimit: 255}, allNodes); err != nil {
		c.Close()
		delete(a.ndps, ifname)
		return fmt.Errorf("unsolicited NA for %s on %s: %w", ip, ifname, err)
	}
	return nil
}

func (a *Announcer) ndpConn(ifname string) (*ndp.Conn, *net.Interface, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, nil, err
	}
	if c, ok := a.ndps[ifname]; ok {
		return c, ifi, nil
	}
	c, _, err := ndp.Listen(ifi, ndp.LinkLocal)
	if err != nil {
		return nil, nil, err
	}
	// Send only: receive nothing.
	var f ipv6.ICMPFilter
	f.SetAll(true)
	_ = c.SetICMPFilter(&f)
	a.ndps[ifname] = c
	return c, ifi, nil
}

// Close releases every handle.
func (a *Announcer) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var errs []error
	for k, c := range a.arps {
		errs = append(errs, c.Close())
		delete(a.arps, k)
	}
	for k, c := range a.ndps {
		errs = append(errs, c.Close())
		delete(a.ndps, k)
	}
	return errors.Join(errs...)
}
