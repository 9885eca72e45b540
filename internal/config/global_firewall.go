package config

import (
	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// keepalived-go filters with nftables (no_accept, VMAC), as keepalived
// built with nftables and without iptables (Debian's build) does. The
// iptables keywords are read and kept, and handled as that build does.

// globalFirewallTable: iptables, ipsets and nftables.
var globalFirewallTable = table[Global]{
	"vrrp_iptables":          kw(parseVRRPIptables),
	"vrrp_ipsets":            kw(parseVRRPIpsets),
	"nftables":               kw(parseNFTables),
	"nftables_ipvs":          kw(parseNFTables),
	"nftables_priority":      kw(parseNFTablesPriority),
	"nftables_ipvs_priority": kw(parseNFTablesPriority),
	"nftables_ifindex": kw(func(p *parser, n *syntax.Node, g *Global) {
		g.NFTablesIfindex = true
	}),
	"nftables_counters": kw(func(p *parser, n *syntax.Node, g *Global) {
		g.NFTablesCounters = true
	}),
	"nftables_ipvs_start_fwmark": kw(func(p *parser, n *syntax.Node, g *Global) {
		if v, ok := p.globalUint(n, 1, 1, globalMaxUint, "invalid ipvs nftables start_fwmark priority '%[1]s'"); ok {
			g.NFTablesIPVSStartFwmark = uint32(v)
		}
	}),
}

// Name length limits: XT_EXTENSION_MAXNAMELEN, IPSET_MAXNAMELEN and
// NFT_TABLE_MAXNAMELEN. A name must be shorter than the limit less one.
const (
	globalIptablesNameMax = 29
	globalIpsetNameMax    = 32
	globalNFTNameMax      = 256
)

// globalFirewallName checks an iptables, ipset or nftables name.
func (p *parser) globalFirewallName(n *syntax.Node, name string, max int, typ, what string) bool {
	switch {
	case len(name) >= max-1:
		p.errorf(n, KindValue, "VRRP Error : %s %s name too long - ignored", typ, what)
		return false
	case name == "":
		p.errorf(n, KindValue, "VRRP Error : %s %s name empty - ignored", typ, what)
		return false
	}
	return true
}

// parseVRRPIptables reads the iptables chains. Without iptables support
// keepalived, and keepalived-go, use nftables (table keepalived) instead
// and say so.
//
// Syntax:
//
//	vrrp_iptables [IN_CHAIN [OUT_CHAIN]]
func parseVRRPIptables(p *parser, n *syntax.Node, g *Global) {
	c := &IptablesChains{In: "INPUT", Out: "OUTPUT"}
	if len(n.Words) >= 2 {
		c = &IptablesChains{In: n.Words[1], Out: globalArg(n, 2)}
	}
	g.VRRPIptables = c
	p.errorf(n, KindUnsupported, "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option")
	// keepalived without iptables also replaces a table set by nftables;
	// built with both, it keeps nftables and ignores iptables. So do we.
	if g.NFTables == "" {
		g.NFTables = globalNFTablesTable
		g.NFTablesPriority = -1
	}
}

// parseVRRPIpsets reads the ipset names of the iptables mode. Names not
// given are made from the first one; no name means no ipsets. keepalived
// without iptables (and keepalived-go) has no ipsets: the names are kept
// and the keyword reported.
//
// Syntax:
//
//	vrrp_ipsets [ADDR [ADDR6 [ADDR_IF6 [IGMP [MLD [VMAC_ND]]]]]]
func parseVRRPIpsets(p *parser, n *syntax.Node, g *Global) {
	p.warnf(n, KindUnsupported, "vrrp_ipsets is not supported (ipsets are only used with iptables; keepalived-go uses nftables) - ignored")
	g.VRRPIpsets = nil
	if len(n.Words) < 2 {
		g.VRRPIpsets = &IPSetNames{Disabled: true}
		return
	}
	what := []string{"address", "IPv6 address", "IPv6 address_iface", "IGMP", "MLD", "ND"}
	names := make([]string, len(what))
	for i := range what {
		if i+1 < len(n.Words) {
			if !p.globalFirewallName(n, n.Words[i+1], globalIpsetNameMax, "ipset", what[i]) {
				return
			}
			names[i] = n.Words[i+1]
			continue
		}
		names[i] = globalIpsetDefault(names, i)
	}
	seen := map[string]bool{}
	for _, s := range names {
		if seen[s] {
			p.errorf(n, KindDuplicate, "vrrp_ipsets: set name %s used more than once", s)
			return
		}
		seen[s] = true
	}
	g.VRRPIpsets = &IPSetNames{Address: names[0], Address6: names[1], AddressIface6: names[2], IGMP: names[3], MLD: names[4], VMACND: names[5]}
}

// globalIpsetDefault derives ipset name i when it is not given:
// ADDR6 = ADDR+"6", ADDR_IF6 = ADDR6 without a final 6 + "_if6", and
// ADDR+"_igmp", "_mld", "_nd", truncated as keepalived does.
func globalIpsetDefault(names []string, i int) string {
	trunc := func(s string, n int) string {
		if len(s) > n {
			return s[:n]
		}
		return s
	}
	switch i {
	case 1:
		return trunc(names[0], globalIpsetNameMax-2) + "6"
	case 2:
		s := names[1]
		if len(s) > 0 && s[len(s)-1] == '6' {
			s = s[:len(s)-1]
		}
		return trunc(s, globalIpsetNameMax-5) + "_if6"
	}
	suffix := map[int]string{3: "_igmp", 4: "_mld", 5: "_nd"}[i]
	keep := map[int]int{3: globalIpsetNameMax - 6, 4: globalIpsetNameMax - 5, 5: globalIpsetNameMax - 5}[i]
	return trunc(names[0], keep) + suffix
}

// parseNFTables uses nftables for VRRP filtering (nftables) or for
// virtual server group fwmarks (nftables_ipvs), in the named table. It
// resets the table's priority (and first fwmark) to their defaults.
//
// Syntax:
//
//	nftables [TABLE]
//	nftables_ipvs [TABLE]
func parseNFTables(p *parser, n *syntax.Node, g *Global) {
	ipvs := n.Keyword() == "nftables_ipvs"
	table, def, what, dup := &g.NFTables, globalNFTablesTable, "chain", "nftables already specified - ignoring"
	if ipvs {
		table, def, what, dup = &g.NFTablesIPVS, globalNFTablesIPVSTable, "ipvs chain", "ipvs nftables already specified - ignoring"
	}
	if *table != "" {
		p.errorf(n, KindDuplicate, "%s", dup)
		return
	}
	name := def
	if len(n.Words) >= 2 {
		if !p.globalFirewallName(n, n.Words[1], globalNFTNameMax, "nftables", what) {
			return
		}
		name = n.Words[1]
	}
	*table = name
	if ipvs {
		g.NFTablesIPVSPriority, g.NFTablesIPVSStartFwmark = -1, globalNFTablesFwmark
	} else {
		g.NFTablesPriority = -1
	}
}

// parseNFTablesPriority reads the priority of the nftables base chains.
//
// Syntax:
//
//	nftables_priority N
//	nftables_ipvs_priority N
func parseNFTablesPriority(p *parser, n *syntax.Node, g *Global) {
	dest, format := &g.NFTablesPriority, "invalid nftables chain priority '%[1]s'"
	if n.Keyword() == "nftables_ipvs_priority" {
		dest, format = &g.NFTablesIPVSPriority, "invalid ipvs nftables chain priority '%[1]s'"
	}
	if v, ok := p.globalInt(n, 1, -1<<31, 1<<31-1, format); ok {
		*dest = int(v)
	}
}
