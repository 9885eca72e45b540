package config

import (
	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// globalGarpTable: gratuitous ARP and unsolicited NA settings, the
// defaults of the vrrp_instance garp_* keywords.
var globalGarpTable = table[Global]{
	"vrrp_garp_master_delay":          kw(parseGarpDelay),
	"vrrp_garp_lower_prio_delay":      kw(parseGarpDelay),
	"vrrp_garp_master_repeat":         kw(parseGarpRepeat),
	"vrrp_garp_master_refresh_repeat": kw(parseGarpRepeat),
	"vrrp_garp_lower_prio_repeat":     kw(parseGarpRepeat),
	"vrrp_garp_master_refresh":        kw(parseGarpRefresh),
	"vrrp_garp_interval":              kw(parseGarpInterval),
	"vrrp_gna_interval":               kw(parseGarpInterval),
	"vrrp_min_garp":                   kw(parseMinGarp),
	"vrrp_garp_extra_if":              kw(parseGarpExtraIf),
	"vrrp_vmac_garp_intvl":            kw(parseGarpExtraIf),
}

// parseGarpDelay reads a delay in whole seconds (0..4294).
//
// Syntax:
//
//	vrrp_garp_master_delay SECONDS
//	vrrp_garp_lower_prio_delay SECONDS
func parseGarpDelay(p *parser, n *syntax.Node, g *Global) {
	v, ok := p.globalSeconds(n, 1, globalTimerHzSeconds, "%[2]s '%[1]s' invalid - ignoring")
	if !ok {
		return
	}
	if n.Keyword() == "vrrp_garp_lower_prio_delay" {
		g.GarpLowerPrioDelay = v
		g.once(n.Keyword())
	} else {
		g.GarpMasterDelay = v
	}
	g.followGarpMaster()
}

// parseGarpRepeat reads a number of GARPs. keepalived corrects 0 to 1
// for the master repeats; vrrp_garp_lower_prio_repeat may be 0.
//
// Syntax:
//
//	vrrp_garp_master_repeat N
//	vrrp_garp_master_refresh_repeat N
//	vrrp_garp_lower_prio_repeat N
func parseGarpRepeat(p *parser, n *syntax.Node, g *Global) {
	if n.Keyword() == "vrrp_garp_lower_prio_repeat" {
		if v, ok := p.globalUint(n, 1, 0, globalMaxInt, "Invalid vrrp_garp_lower_prio_repeat '%[1]s'"); ok {
			g.GarpLowerPrioRepeat = int(v)
			g.once(n.Keyword())
		}
		return
	}
	v, ok := p.globalUint(n, 1, 0, globalMaxUint, "%[2]s '%[1]s' invalid - ignoring")
	if !ok {
		return
	}
	if v == 0 {
		p.errorf(n, KindValue, "%s must be greater than 0, setting to 1", n.Keyword())
		v = 1
	}
	if n.Keyword() == "vrrp_garp_master_repeat" {
		g.GarpMasterRepeat = int(v)
	} else {
		g.GarpMasterRefreshRepeat = int(v)
	}
	g.followGarpMaster()
}

// parseGarpRefresh reads the interval of GARPs while master; an invalid
// value turns them off, as in keepalived.
//
// Syntax:
//
//	vrrp_garp_master_refresh SECONDS
func parseGarpRefresh(p *parser, n *syntax.Node, g *Global) {
	v, ok := p.globalSeconds(n, 1, globalMaxUint, "Invalid vrrp_garp_master_refresh '%[1]s' - ignoring")
	if !ok && len(n.Words) < 2 {
		return
	}
	g.GarpMasterRefresh = v
}

// parseGarpInterval reads the minimum gap between GARPs (NAs) sent on an
// interface, 0.000001 to 4294.967295 seconds; keepalived rejects 0.
//
// Syntax:
//
//	vrrp_garp_interval SECONDS
//	vrrp_gna_interval SECONDS
func parseGarpInterval(p *parser, n *syntax.Node, g *Global) {
	dest := &g.GarpInterval
	if n.Keyword() == "vrrp_gna_interval" {
		dest = &g.GnaInterval
	}
	v, ok := p.globalTimer(n, 1, Microsecond, globalMaxUint*Microsecond, "%[2]s '%[1]s' is invalid")
	if ok {
		*dest = v
	}
	if *dest >= Second && len(n.Words) > 1 {
		p.infof(n, KindValue, "The %s is very large - %s seconds", n.Keyword(), n.Words[1])
	}
}

// parseMinGarp sends a single GARP burst: the master repeat becomes 1 and
// the delay, refresh and refresh repeat 0, each only if it still has its
// default value when vrrp_min_garp is read.
//
// Syntax:
//
//	vrrp_min_garp [BOOL]
func parseMinGarp(p *parser, n *syntax.Node, g *Global) {
	v, ok := p.globalBool(n, "Invalid value for vrrp_min_garp specified")
	if !ok || !v {
		return
	}
	def := newGlobalSection().Global
	if g.GarpMasterRepeat == def.GarpMasterRepeat {
		g.GarpMasterRepeat = 1
	}
	if g.GarpMasterRefresh == def.GarpMasterRefresh {
		g.GarpMasterRefresh = 0
	}
	if g.GarpMasterRefreshRepeat == def.GarpMasterRefreshRepeat {
		g.GarpMasterRefreshRepeat = 0
	}
	if g.GarpMasterDelay == def.GarpMasterDelay {
		g.GarpMasterDelay = 0
	}
	g.followGarpMaster()
}

// followGarpMaster gives the lower-priority GARP settings that were not
// set the master ones, as keepalived does once the file is read.
func (g *Global) followGarpMaster() {
	if !g.given("vrrp_garp_lower_prio_delay") {
		g.GarpLowerPrioDelay = g.GarpMasterDelay
	}
	if !g.given("vrrp_garp_lower_prio_repeat") {
		g.GarpLowerPrioRepeat = g.GarpMasterRepeat
	}
}

// parseGarpExtraIf reads the interval of GARPs for addresses on other
// interfaces than the instance's (all: on every interface).
// vrrp_vmac_garp_intvl is its old, deprecated name.
//
// Syntax:
//
//	vrrp_garp_extra_if [all] SECONDS
func parseGarpExtraIf(p *parser, n *syntax.Node, g *Global) {
	if n.Keyword() == "vrrp_vmac_garp_intvl" {
		p.deprecated(n, "vrrp_garp_extra_if")
	}
	var delay uint64
	for i, w := range n.Words[1:] {
		if w == "all" {
			g.GarpExtraIfAll = true
			continue
		}
		v, ok := p.globalUint(n, i+1, 1, 86400, "%[2]s '%[1]s' invalid - ignoring")
		if !ok {
			return
		}
		delay = v
	}
	if delay == 0 {
		p.errorf(n, KindMissing, "%s specified without time - ignoring", n.Keyword())
		return
	}
	g.GarpExtraIf = Duration(delay) * Second
}
