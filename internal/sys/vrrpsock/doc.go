// Package vrrpsock is the operating-system side of VRRP: the IP protocol
// 112 (or 51, AH) raw sockets that carry advertisements (vrrp.Conn,
// vrrp.PacketWriter) and the gratuitous ARPs and unsolicited Neighbour
// Advertisements that move a virtual address (vrrp.Announcer). It holds
// no VRRP logic: it sends what it is given and returns what arrives for
// its interface.
//
// The sockets are set up as keepalived sets up its own (vrrp.c
// open_vrrp_send_socket / open_vrrp_read_socket, vrrp_if.c), one socket to
// send and one to receive:
//
//   - send, IPv4: IP_HDRINCL with keepalived's header (TOS 0xc0, TTL 255
//     or unicast_ttl, ID 0 so the kernel picks one, DF clear), a filter that
//     receives nothing, bound to the interface, multicast interface set and
//     multicast loopback off.
//   - send, IPv6: IPV6_CHECKSUM at offset 6 (the kernel writes the VRRPv3
//     checksum over the IPv6 pseudo-header, the same value the caller
//     computed), traffic class 0xc0, multicast hop limit 255, and the source
//     address, interface and hop limit in IPV6_PKTINFO / IPV6_HOPLIMIT.
//   - receive: IP(V6)_MULTICAST_ALL off, bound to the interface
//     (SO_BINDTODEVICE) and to the multicast group (multicast mode, after
//     joining it on the interface) or to the local unicast address
//     (unicast mode, with IP_FREEBIND so the address may come later).
//
// With Options.AH (IPv4 auth_type AH instances) both sockets are of IP
// protocol 51, as keepalived opens them with IPPROTO_AH: the receive side
// gets AH packets only, with their IPv4 header for the ICV check, and the
// router sends whole packets it built (WritePacket) since the ICV covers
// the header.
//
// Everything is done with golang.org/x/sys/unix on sockets handed to the
// net package's poller, so Close unblocks a pending read with
// net.ErrClosed.
package vrrpsock
