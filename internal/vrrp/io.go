package vrrp

import (
	"net"
	"net/netip"

	"github.com/keepalived-go/keepalived/internal/config"
)

// The interfaces below are what the VRRP driver needs from the operating
// system. internal/sys/vrrpsock and internal/sys/netlink implement them;
// tests use fakes. They take and return plain values so that an adapter
// needs nothing from this package but the declarations.

// Conn sends and receives VRRP messages (the VRRP header and what follows,
// never the IP header) for one address family on one interface, or on a
// unicast source address.
type Conn interface {
	// WriteTo sends msg from src to dst with TTL / hop limit ttl (255
	// for multicast; unicast_ttl for unicast). The checksum in msg is
	// already final: the caller computed it with src and dst.
	WriteTo(msg []byte, src, dst netip.Addr, ttl int) error
	// ReadFrom blocks until a VRRP message arrives, copies it into b and
	// describes it. It returns net.ErrClosed once Close is called.
	ReadFrom(b []byte) (n int, meta RecvMeta, err error)
	// Close stops the socket; a blocked ReadFrom returns.
	Close() error
}

// RecvMeta is what the socket layer knows about a received message.
type RecvMeta struct {
	// IfIndex is the interface the message arrived on.
	IfIndex int
	// Src and Dst are the IP source and destination addresses.
	Src, Dst netip.Addr
	// TTL is the IPv4 TTL or IPv6 hop limit.
	TTL int
	// IPLen is the IPv4 total length field (0 for IPv6), which
	// keepalived checks against the VRRP length.
	IPLen int
	// Protocol is the IPv4 protocol: 112, or 51 (packet.ProtocolAH) when
	// the message starts with an AH header. 0 means 112 (IPv6).
	Protocol int
	// Header is the IPv4 header as received (options included) of an AH
	// packet, which its ICV covers; nil otherwise.
	Header []byte
}

// PacketWriter is an IPv4 Conn that also sends packets whose IPv4 header
// the caller built, as given (IP_HDRINCL): auth_type AH needs it, since
// the AH ICV covers the header (identification and TTL included).
type PacketWriter interface {
	// WritePacket sends pkt, an IPv4 header and its payload, to the
	// header's destination.
	WritePacket(pkt []byte) error
}

// Announcer makes the network learn where the virtual addresses live.
type Announcer interface {
	// Announce sends one gratuitous ARP for each IPv4 address and one
	// unsolicited Neighbour Advertisement (override flag set) for each
	// IPv6 address, from the interface's MAC (a VMAC's own MAC when
	// ifname is a VMAC).
	Announce(ifname string, addrs []netip.Addr) error
}

// Addrs puts virtual addresses, routes and rules on interfaces and takes
// them off. Every method is idempotent: adding what is there or deleting
// what is not is not an error.
type Addrs interface {
	// AddAddress adds a, on dev when a.Dev is empty.
	AddAddress(a *config.IPAddress, dev string) error
	// DelAddress removes a, from dev when a.Dev is empty.
	DelAddress(a *config.IPAddress, dev string) error
	// HasAddress reports whether the address is on its interface.
	HasAddress(a *config.IPAddress, dev string) (bool, error)
	// AddRoute and DelRoute install and remove a virtual or static route.
	AddRoute(r *config.IPRoute, dev string) error
	DelRoute(r *config.IPRoute, dev string) error
	// AddRule and DelRule install and remove a virtual or static rule.
	AddRule(r *config.IPRule) error
	DelRule(r *config.IPRule) error
}

// Link describes one interface as the driver needs it.
type Link struct {
	Index int
	Name  string
	// Up is the interface's running state (IFF_UP and IFF_RUNNING):
	// what makes an instance leave or enter FAULT.
	Up  bool
	MAC net.HardwareAddr
	// Addr4 is the first IPv4 address (the "primary" address keepalived
	// sends from) and LinkLocal6 the IPv6 link-local address; either may
	// be invalid.
	Addr4      netip.Addr
	LinkLocal6 netip.Addr
}

// Links looks up interfaces.
type Links interface {
	LinkByName(name string) (Link, error)
}

// LinkEvent reports a change of an interface's running state, or of an
// address on it (for re-adding a VIP someone deleted while MASTER, and
// for noticing that the primary address changed).
type LinkEvent struct {
	Name string
	Up   bool
	// Addr is set for address events; Deleted tells removal from
	// addition.
	Addr    netip.Prefix
	Deleted bool
}

// VMACs creates and removes the macvlan interfaces of use_vmac, with the
// VRRP virtual MAC 00:00:5e:00:01:VRID (00:00:5e:00:02:VRID for IPv6).
type VMACs interface {
	AddVMAC(parent, name string, vrid, family int) (Link, error)
	DelVMAC(name string) error
}

// Firewall drops packets to the VIPs of a master that may not accept
// them (no_accept, the vrrp_strict default for a non-owner).
type Firewall interface {
	Block(a netip.Addr) error
	Unblock(a netip.Addr) error
}
