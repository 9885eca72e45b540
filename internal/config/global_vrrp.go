package config

import (
	"net/netip"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// globalVRRPTable: the VRRP child's global settings.
var globalVRRPTable = table[Global]{
	"default_interface": kw(func(p *parser, n *syntax.Node, g *Global) {
		if p.globalNeed(n, 1, "default_interface requires interface name") {
			g.DefaultInterface = n.Words[1]
		}
	}),
	"dynamic_interfaces": kw(parseDynamicInterfaces),
	"disable_local_igmp": kw(func(p *parser, n *syntax.Node, g *Global) {
		g.DisableLocalIGMP = true
	}),
	"v3_checksum_as_v2": kw(func(p *parser, n *syntax.Node, g *Global) {
		g.V3ChecksumAsV2 = true
	}),
	"vrrp_mcast_group4": kw(parseVRRPMcastGroup),
	"vrrp_mcast_group6": kw(parseVRRPMcastGroup),
	"vrrp_version": kw(func(p *parser, n *syntax.Node, g *Global) {
		if v, ok := p.globalInt(n, 1, 2, 3, "VRRP Error: Version must be either 2 or 3"); ok {
			g.VRRPVersion = int(v)
		}
	}),
	"vrrp_check_unicast_src": kw(func(p *parser, n *syntax.Node, g *Global) {
		g.CheckUnicastSrc = true
	}),
	"vrrp_skip_check_adv_addr":     kw(globalBoolKeyword(func(g *Global) *bool { return &g.SkipCheckAdvAddr }, "Invalid value '%[1]s' for global vrrp_check_adv_addr specified")),
	"vrrp_strict":                  kw(globalBoolKeyword(func(g *Global) *bool { return &g.Strict }, "Invalid value '%[1]s' for global vrrp_strict specified")),
	"vrrp_lower_prio_no_advert":    kw(globalBoolKeyword(func(g *Global) *bool { return &g.LowerPrioNoAdvert }, "Invalid value for vrrp_lower_prio_no_advert specified")),
	"vrrp_higher_prio_send_advert": kw(globalBoolKeyword(func(g *Global) *bool { return &g.HigherPrioSendAdvert }, "Invalid value for vrrp_higher_prio_send_advert specified")),
	// keepalived prints the keyword and the value the wrong way round.
	"vrrp_owner_ignore_adverts": kw(globalBoolKeyword(func(g *Global) *bool { return &g.OwnerIgnoreAdverts }, "Invalid value '%[2]s' for global %[1]s specified")),
	"vrrp_down_timer_adverts": kw(func(p *parser, n *syntax.Node, g *Global) {
		if v, ok := p.globalUint(n, 1, 1, 100, "Invalid vrrp_down_timer_adverts [1:100] '%[1]s'"); ok {
			g.DownTimerAdverts = int(v)
		}
	}),
	"vrrp_startup_delay":    kw(parseVRRPStartupDelay),
	"vrrp_delay_after_boot": kw(parseVRRPStartupDelay),
	"log_unknown_vrids": kw(func(p *parser, n *syntax.Node, g *Global) {
		g.LogUnknownVRIDs = true
	}),
	"vmac_prefix":             kw(parseVMACPrefix),
	"vmac_addr_prefix":        kw(parseVMACPrefix),
	"vrrp_rx_bufs_policy":     kw(parseRxBufsPolicy),
	"vrrp_rx_bufs_multiplier": kw(parseRxBufsMultiplier),
}

// globalBoolKeyword is the handler of an optional-boolean keyword that
// sets the field field returns; a bad word is reported with format.
//
// Syntax:
//
//	KEYWORD [true|false|yes|no|on|off]
func globalBoolKeyword(field func(*Global) *bool, format string) func(*parser, *syntax.Node, *Global) {
	return func(p *parser, n *syntax.Node, g *Global) {
		if v, ok := p.globalBool(n, format); ok {
			*field(g) = v
		}
	}
}

// parseDynamicInterfaces allows interfaces that do not exist yet.
//
// Syntax:
//
//	dynamic_interfaces [allow_if_changes]
func parseDynamicInterfaces(p *parser, n *syntax.Node, g *Global) {
	g.DynamicInterfaces = true
	switch arg := globalArg(n, 1); arg {
	case "":
	case "allow_if_changes":
		g.DynamicInterfacesAllowIfChanges = true
	default:
		p.errorf(n, KindValue, "Unknown dynamic_interfaces option '%s'", arg)
	}
}

// parseVRRPMcastGroup reads the multicast group of adverts. As keepalived,
// anything from a '-' or '/' on is ignored; an IPv6 group should be
// link-local.
//
// Syntax:
//
//	vrrp_mcast_group4 IPV4
//	vrrp_mcast_group6 IPV6
func parseVRRPMcastGroup(p *parser, n *syntax.Node, g *Global) {
	if !p.nargs(n, 1, -1) {
		return
	}
	word, kwd := n.Words[1], n.Keyword()
	v6 := kwd == "vrrp_mcast_group6"
	s, _, _ := strings.Cut(word, "-")
	s, _, _ = strings.Cut(s, "/")
	a, err := netip.ParseAddr(s)
	family := "4"
	if v6 {
		family = "6"
	}
	switch {
	case err != nil || a.Zone() != "":
		p.errorf(n, KindValue, "Can't parse %s [%s]. Skipping", kwd, word)
	case a.Is6() != v6:
		p.errorf(n, KindValue, "%s [%s] is not IPv%s. Skipping", kwd, word, family)
	case !(a.Is4() && a.IsMulticast() || a.Is6() && a.As16()[0] == 0xff):
		p.errorf(n, KindValue, "%s [%s] is not multicast. Skipping", kwd, word)
	case v6:
		if !a.IsLinkLocalMulticast() {
			p.warnf(n, KindValue, "%s [%s] should be link-local multicast.", kwd, word)
		}
		g.VRRPMcastGroup6 = a
	default:
		g.VRRPMcastGroup4 = a
	}
}

// parseVRRPStartupDelay reads the delays before VRRP starts. Given more
// than once, the largest value is kept.
//
// Syntax:
//
//	vrrp_startup_delay SECONDS
//	vrrp_delay_after_boot SECONDS
func parseVRRPStartupDelay(p *parser, n *syntax.Node, g *Global) {
	v, ok := p.globalTimer(n, 1, Millisecond, globalMaxUint*Microsecond, "%[2]s '%[1]s' is invalid")
	if !ok {
		return
	}
	dest := &g.VRRPStartupDelay
	if n.Keyword() == "vrrp_delay_after_boot" {
		dest = &g.VRRPDelayAfterBoot
	}
	if v <= *dest {
		return
	}
	*dest = v
	if v >= 60*Second && n.Keyword() == "vrrp_startup_delay" {
		p.infof(n, KindValue, "The vrrp_startup_delay is very large - %s seconds", n.Words[1])
	}
}

// parseVMACPrefix reads the prefix of VMAC interface names; each may be
// given once.
//
// Syntax:
//
//	vmac_prefix PREFIX
//	vmac_addr_prefix PREFIX
func parseVMACPrefix(p *parser, n *syntax.Node, g *Global) {
	if !p.nargs(n, 1, -1) {
		return
	}
	if !g.once(n.Keyword()) {
		name := map[string]string{"vmac_prefix": "vmac", "vmac_addr_prefix": "vmac_addr"}[n.Keyword()]
		p.errorf(n, KindDuplicate, "%s prefix has already been specified - ignoring %s", name, n.Words[1])
		return
	}
	if n.Keyword() == "vmac_prefix" {
		g.VMACPrefix = n.Words[1]
	} else {
		g.VMACAddrPrefix = n.Words[1]
	}
}

// parseRxBufsPolicy reads how VRRP receive buffers are sized. Settings
// accumulate over several lines; a size wins over MTU and ADVERT, and MTU
// over ADVERT. (keepalived reads a size from the first word whatever
// its position, and so does this.)
//
// Syntax:
//
//	vrrp_rx_bufs_policy MTU|ADVERT|BYTES ...
func parseRxBufsPolicy(p *parser, n *syntax.Node, g *Global) {
	if !p.globalNeed(n, 1, "vrrp_rx_bufs_policy missing") {
		return
	}
	r := &g.VRRPRxBufsPolicy
	hasSize := g.given("vrrp_rx_bufs_size")
	for _, w := range n.Words[1:] {
		switch strings.ToUpper(w) {
		case "MTU":
			r.MTU = true
		case "ADVERT":
			r.Advert = true
		default:
			v, ok := p.uint(n, 1, 0, globalMaxUint)
			if !ok {
				p.errorf(n, KindValue, "Invalid vrrp_rx_bufs_policy %s", w)
				continue
			}
			r.Size, hasSize = uint32(v), true
			g.once("vrrp_rx_bufs_size")
		}
	}
	switch {
	case hasSize && (r.MTU || r.Advert):
		p.errorf(n, KindConflict, "Cannot set vrrp_rx_bufs_policy size and policy, ignoring policy")
		r.MTU, r.Advert = false, false
	case r.MTU && r.Advert:
		p.errorf(n, KindConflict, "Cannot set both vrrp_rx_bufs_policy MTU and ADVERT, ignoring ADVERT")
		r.Advert = false
	}
}

// parseRxBufsMultiplier reads the multiplier of the VRRP receive buffers.
//
// Syntax:
//
//	vrrp_rx_bufs_multiplier N
func parseRxBufsMultiplier(p *parser, n *syntax.Node, g *Global) {
	if len(n.Words) != 2 {
		p.errorf(n, KindValue, "Invalid vrrp_rx_bufs_multiplier")
		return
	}
	if v, ok := p.globalUint(n, 1, 1, globalMaxUint, "Invalid vrrp_rx_bufs_multiplier %[1]s"); ok {
		g.VRRPRxBufsMultiplier = int(v)
	}
}

// globalNetlinkTable: netlink socket receive buffers.
var globalNetlinkTable = table[Global]{
	"vrrp_netlink_cmd_rcv_bufs":           kw(globalRcvBufs(func(g *Global) *uint32 { return &g.VRRPNetlinkCmdRcvBufs })),
	"vrrp_netlink_cmd_rcv_bufs_force":     kw(globalBoolKeyword(func(g *Global) *bool { return &g.VRRPNetlinkCmdRcvBufsForce }, globalForceFormat)),
	"vrrp_netlink_monitor_rcv_bufs":       kw(globalRcvBufs(func(g *Global) *uint32 { return &g.VRRPNetlinkMonitorRcvBufs })),
	"vrrp_netlink_monitor_rcv_bufs_force": kw(globalBoolKeyword(func(g *Global) *bool { return &g.VRRPNetlinkMonitorRcvBufsForce }, globalForceFormat)),
	"process_monitor_rcv_bufs":            kw(globalRcvBufs(func(g *Global) *uint32 { return &g.ProcessMonitorRcvBufs })),
	"process_monitor_rcv_bufs_force":      kw(globalBoolKeyword(func(g *Global) *bool { return &g.ProcessMonitorRcvBufsForce }, globalForceFormat)),
	"lvs_netlink_cmd_rcv_bufs":            kw(globalRcvBufs(func(g *Global) *uint32 { return &g.LVSNetlinkCmdRcvBufs })),
	"lvs_netlink_cmd_rcv_bufs_force":      kw(globalBoolKeyword(func(g *Global) *bool { return &g.LVSNetlinkCmdRcvBufsForce }, globalForceFormat)),
	"lvs_netlink_monitor_rcv_bufs":        kw(globalRcvBufs(func(g *Global) *uint32 { return &g.LVSNetlinkMonitorRcvBufs })),
	"lvs_netlink_monitor_rcv_bufs_force":  kw(globalBoolKeyword(func(g *Global) *bool { return &g.LVSNetlinkMonitorRcvBufsForce }, globalForceFormat)),
}

const globalForceFormat = "Invalid value '%[1]s' for global %[2]s specified"

// globalRcvBufs is the handler of a netlink buffer size keyword; 0 keeps
// the system default.
//
// Syntax:
//
//	KEYWORD BYTES
func globalRcvBufs(field func(*Global) *uint32) func(*parser, *syntax.Node, *Global) {
	return func(p *parser, n *syntax.Node, g *Global) {
		if !p.globalNeed(n, 1, "%[2]s size missing") {
			return
		}
		v, ok := p.globalUint(n, 1, 0, globalMaxUint, "%[2]s size (%[1]s) invalid")
		if ok && v != 0 {
			*field(g) = uint32(v)
		}
	}
}
