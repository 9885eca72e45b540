package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// VRRPVMAC is use_vmac: the instance runs on a macvlan interface (private
// mode) with the virtual router MAC address.
type VRRPVMAC struct {
	// Name is the macvlan's name; empty means keepalived's choice,
	// <vmac_prefix>.VRID (vrrp.VRID) or the next free variant.
	Name string `json:"name,omitempty"`
	// MAC is a configured MAC address; empty means 00:00:5e:00:01:VRID
	// (00:00:5e:00:02:VRID for IPv6). MACUsesVRID is set when only five
	// octets were given: the VRID is the sixth.
	MAC         string `json:"mac,omitempty"`
	MACUsesVRID bool   `json:"-"`
	// NetlinkNotify is netlink_notify_msg.
	NetlinkNotify bool `json:"netlink_notify_msg,omitempty"`
	// Group is the interface group (0 = none).
	Group uint32 `json:"group,omitempty"`
}

// String renders the use_vmac arguments.
func (m *VRRPVMAC) String() string {
	var parts []string
	if m.Name != "" {
		parts = append(parts, m.Name)
	}
	if m.MAC != "" {
		parts = append(parts, m.MAC)
	}
	if m.NetlinkNotify {
		parts = append(parts, "netlink_notify_msg")
	}
	if m.Group != 0 {
		parts = append(parts, "group", strconv.FormatUint(uint64(m.Group), 10))
	}
	return strings.Join(parts, " ")
}

// VRRPIPVLAN is use_ipvlan: the instance runs on an L2 ipvlan interface.
type VRRPIPVLAN struct {
	Name string       `json:"name,omitempty"`
	Addr netip.Prefix `json:"address,omitempty,omitzero"`
	// Mode is bridge (default), private or vepa.
	Mode  string `json:"mode"`
	Group uint32 `json:"group,omitempty"`
}

// String renders the use_ipvlan arguments.
func (l *VRRPIPVLAN) String() string {
	parts := []string{}
	if l.Name != "" {
		parts = append(parts, l.Name)
	}
	if l.Addr.IsValid() {
		parts = append(parts, l.Addr.String())
	}
	parts = append(parts, l.Mode)
	if l.Group != 0 {
		parts = append(parts, "group", strconv.FormatUint(uint64(l.Group), 10))
	}
	return strings.Join(parts, " ")
}

// vrrpDevNameValid is the kernel's dev_valid_name().
func vrrpDevNameValid(name string) bool {
	return name != "" && len(name) < 16 && name != "." && name != ".." && !strings.ContainsAny(name, "/: \t\n\r\v\f")
}

// vrrpParseVMACAddr reads a VMAC MAC address: six octets, or five (with
// an optional trailing ':') when the VRID is to be the sixth.
func vrrpParseVMACAddr(s string) (mac [6]byte, useVRID, ok bool) {
	t := strings.TrimSuffix(s, ":")
	parts := strings.Split(t, ":")
	if len(parts) != 5 && len(parts) != 6 || (len(parts) == 6 && t != s) {
		return mac, false, false
	}
	for i, o := range parts {
		b, err := strconv.ParseUint(o, 16, 8)
		if err != nil || o == "" || len(o) > 2 {
			return mac, false, false
		}
		mac[i] = byte(b)
	}
	return mac, len(parts) == 5, true
}

// vrrpUseVMAC reads use_vmac.
//
// Syntax:
//
//	use_vmac [[name] IFNAME] [MAC] [netlink_notify_msg] [group GROUP]
func vrrpUseVMAC(p *parser, n *syntax.Node, v *VRRPInstance) {
	if v.UseVMAC == nil {
		v.UseVMAC = &VRRPVMAC{}
	}
	m := v.UseVMAC
	w := n.Words
	for i := 1; i < len(w); i++ {
		switch {
		case strings.Contains(w[i], ":"):
			p.vrrpVMACAddr(n, v, w[i])
		case w[i] == "netlink_notify_msg":
			m.NetlinkNotify = true
		case w[i] == "group" && i+1 < len(w):
			i++
			if g, ok := vrrpRTGroups.lookup(w[i]); ok {
				m.Group = uint32(g)
			} else {
				p.errorf(n, KindValue, "VMAC group %s not found", w[i])
			}
		default:
			if w[i] == "name" && i+1 < len(w) {
				i++
			}
			p.vrrpVMACName(n, v, w[i])
		}
	}
}

func (p *parser) vrrpVMACAddr(n *syntax.Node, v *VRRPInstance, s string) {
	if v.set.macSpecified {
		p.errorf(n, KindDuplicate, "VMAC interface address already specified")
		return
	}
	if strings.Trim(s, "0123456789ABCDEFabcdef:") != "" {
		p.errorf(n, KindValue, "VMAC invalid MAC address %s", s)
		return
	}
	mac, useVRID, ok := vrrpParseVMACAddr(s)
	switch {
	case !ok:
		p.errorf(n, KindValue, "VMAC invalid MAC address %s - ignored", s)
	case mac[0]&1 != 0:
		p.errorf(n, KindValue, "VMAC MAC address is multicast %s - ignoring", s)
	case mac[0] == 0 && mac[1] == 0 && mac[2] == 0x5e && mac[3] == 0 && (mac[4] == 1 || mac[4] == 2):
		p.errorf(n, KindValue, "VMAC MAC address not allowed to be RFC5798 address (%s) - ignoring", s)
	default:
		v.set.macSpecified = true
		v.UseVMAC.MACUsesVRID = useVRID
		v.UseVMAC.MAC = fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5])
	}
}

func (p *parser) vrrpVMACName(n *syntax.Node, v *VRRPInstance, name string) {
	switch {
	case v.UseVMAC.Name != "":
		p.errorf(n, KindDuplicate, "VMAC interface name already specified")
	case !vrrpDevNameValid(name):
		p.errorf(n, KindValue, "VMAC interface name '%s' too long or invalid characters - ignoring", name)
	default:
		if o := p.vrrpVMACUser(name); o != nil && o != v {
			p.errorf(n, KindDuplicate, "(%s) VRRP instance %s is already using %s - ignoring name", v.Name, o.Name, name)
			return
		}
		v.UseVMAC.Name = name
	}
}

// vrrpVMACUser returns the instance already using name for its VMAC or
// ipvlan interface.
func (p *parser) vrrpVMACUser(name string) *VRRPInstance {
	for _, o := range p.cfg.Instances {
		if (o.UseVMAC != nil && o.UseVMAC.Name == name) || (o.UseIPVLAN != nil && o.UseIPVLAN.Name == name) {
			return o
		}
	}
	return nil
}

// vrrpUseIPVLAN reads use_ipvlan.
//
// Syntax:
//
//	use_ipvlan [[name] IFNAME] [IP[/PREFIX]] [bridge|private|vepa] [group GROUP]
func vrrpUseIPVLAN(p *parser, n *syntax.Node, v *VRRPInstance) {
	if v.UseIPVLAN != nil {
		p.errorf(n, KindDuplicate, "(%s) use_ipvlan already specified", v.Name)
		return
	}
	l := &VRRPIPVLAN{Mode: "bridge"}
	v.UseIPVLAN = l
	w, hadMode := n.Words, false
	for i := 1; i < len(w); i++ {
		switch {
		case w[i] == "bridge" || w[i] == "private" || w[i] == "vepa":
			if hadMode {
				p.errorf(n, KindDuplicate, "(%s) ipvlan type already specified - ignoring '%s'", v.Name, w[i])
				continue
			}
			l.Mode, hadMode = w[i], true
		case w[i] == "group" && i+1 < len(w):
			i++
			if g, ok := vrrpRTGroups.lookup(w[i]); ok {
				l.Group = uint32(g)
			} else {
				p.errorf(n, KindValue, "ipvlan group %s not found", w[i])
			}
		case vrrpLooksLikeIP(w[i]):
			p.vrrpIPVLANAddr(n, v, w[i])
		default:
			if w[i] == "name" && i+1 < len(w) {
				i++
			}
			p.vrrpIPVLANName(n, v, w[i])
		}
	}
}

// vrrpLooksLikeIP is keepalived's check_valid_ipaddress(s, true).
func vrrpLooksLikeIP(s string) bool {
	a, _, _ := strings.Cut(s, "/")
	_, err := netip.ParseAddr(a)
	return err == nil
}

func (p *parser) vrrpIPVLANAddr(n *syntax.Node, v *VRRPInstance, s string) {
	pfx, ok := p.vrrpParseIP(n, s, true)
	switch {
	case !ok:
	case v.UseIPVLAN.Addr.IsValid():
		p.errorf(n, KindDuplicate, "(%s) ipvlan address already specified - ignoring '%s'", v.Name, s)
	case v.Family != 0 && vrrpFamilyOf(pfx.Addr()) != v.Family:
		p.errorf(n, KindConflict, "(%s) ipvlan address[%s] MUST match vrrp instance family !!! Skipping...", v.Name, s)
	default:
		v.Family = vrrpFamilyOf(pfx.Addr())
		v.UseIPVLAN.Addr = pfx
		if !v.set.srcFromConfig {
			v.MulticastSrcIP, v.set.srcFromConfig = pfx.Addr(), true
		}
	}
}

func (p *parser) vrrpIPVLANName(n *syntax.Node, v *VRRPInstance, name string) {
	switch {
	case v.UseIPVLAN.Name != "":
		p.errorf(n, KindDuplicate, "(%s) IPVLAN interface already specified - ignoring '%s'", v.Name, name)
	case len(name) >= 16:
		p.errorf(n, KindValue, "(%s) IPVLAN interface name '%s' too long - ignoring", v.Name, name)
	default:
		if o := p.vrrpVMACUser(name); o != nil && o != v {
			p.errorf(n, KindDuplicate, "(%s) VRRP instance %s is already using %s - ignoring name", v.Name, o.Name, name)
			return
		}
		v.UseIPVLAN.Name = name
	}
}
