package vrrpsock

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ndp"
)

// EtherTypes and addresses of the announcement frames.
const (
	etherTypeARP  = 0x0806
	etherTypeIPv6 = 0x86dd
	ethHeaderLen  = 14
	// icmpv6 is the IPv6 next header value of ICMPv6.
	icmpv6 = 58
	// ndHopLimit is the hop limit every Neighbour Discovery message
	// carries (RFC 4861 §7.1.2).
	ndHopLimit = 255
)

var (
	broadcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	// allNodes is ff02::1 and allNodesMAC its Ethernet mapping
	// 33:33:00:00:00:01 (RFC 2464 §7).
	allNodes    = netip.MustParseAddr("ff02::1")
	allNodesMAC = net.HardwareAddr{0x33, 0x33, 0, 0, 0, 1}
)

// ethHeader returns an Ethernet header.
func ethHeader(dst, src net.HardwareAddr, etherType uint16) []byte {
	b := make([]byte, 0, ethHeaderLen)
	b = append(b, dst...)
	b = append(b, src...)
	return binary.BigEndian.AppendUint16(b, etherType)
}

// etherType returns the EtherType of an Ethernet frame.
func etherType(frame []byte) uint16 { return binary.BigEndian.Uint16(frame[12:14]) }

// garpFrame builds keepalived's gratuitous ARP for vip (vrrp_arp.c
// send_gratuitous_arp_immediate): an ARP request to the Ethernet
// broadcast, sender and target protocol address vip, sender hardware
// address mac, target hardware address broadcast. 42 bytes, unpadded (the
// driver pads it, as keepalived's).
func garpFrame(mac net.HardwareAddr, vip netip.Addr) ([]byte, error) {
	p, err := arp.NewPacket(arp.OperationRequest, mac, vip, broadcast, vip)
	if err != nil {
		return nil, fmt.Errorf("build ARP packet: %w", err)
	}
	body, err := p.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return append(ethHeader(broadcast, mac, etherTypeARP), body...), nil
}

// naFrame builds keepalived's unsolicited Neighbour Advertisement for vip
// (vrrp_ndisc.c ndisc_send_unsolicited_na_immediate): from vip to ff02::1
// (Ethernet 33:33:00:00:00:01) with hop limit 255, traffic class 0, the
// Override flag, the Router flag when router is set, target vip and the
// target link-layer address option mac.
//
//	IPv6 header (RFC 8200 §3): version 6 | traffic class | flow label (4 bytes),
//	payload length (2), next header 58 (1), hop limit 255 (1), source (16), destination (16)
func naFrame(mac net.HardwareAddr, vip netip.Addr, router bool) ([]byte, error) {
	na := &ndp.NeighborAdvertisement{
		Router:        router,
		Override:      true,
		TargetAddress: vip,
		Options:       []ndp.Option{&ndp.LinkLayerAddress{Direction: ndp.Target, Addr: mac}},
	}
	icmp, err := ndp.MarshalMessageChecksum(na, vip, allNodes)
	if err != nil {
		return nil, fmt.Errorf("build neighbour advertisement: %w", err)
	}
	b := ethHeader(allNodesMAC, mac, etherTypeIPv6)
	b = append(b, 6<<4, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(len(icmp)))
	b = append(b, icmpv6, ndHopLimit)
	b = append(b, vip.AsSlice()...)
	b = append(b, allNodes.AsSlice()...)
	return append(b, icmp...), nil
}
