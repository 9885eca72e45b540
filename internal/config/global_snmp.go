package config

import (
	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// globalSNMPTable: SNMP (AgentX) and DBus. keepalived-go has neither: the
// keywords that turn them on are kept in the model and reported.
var globalSNMPTable = table[Global]{
	"snmp_socket": kw(parseSNMPSocket),
	"enable_traps": kw(func(p *parser, n *syntax.Node, g *Global) {
		p.unsupported(n)
		g.EnableTraps = true
	}),
	"enable_snmp_vrrp": kw(func(p *parser, n *syntax.Node, g *Global) {
		p.unsupported(n)
		g.EnableSNMPVRRP = true
	}),
	// enable_snmp_keepalived is the pre-2.0 name, accepted silently by
	// keepalived.
	"enable_snmp_keepalived": kw(func(p *parser, n *syntax.Node, g *Global) {
		p.infof(n, KindDeprecated, "enable_snmp_keepalived is deprecated - please use enable_snmp_vrrp")
		p.unsupported(n)
		g.EnableSNMPVRRP = true
	}),
	"enable_snmp_checker": kw(func(p *parser, n *syntax.Node, g *Global) {
		p.unsupported(n)
		g.EnableSNMPChecker = true
	}),
	"enable_snmp_rfc": kw(func(p *parser, n *syntax.Node, g *Global) {
		p.unsupported(n)
		g.EnableSNMPRFCv2, g.EnableSNMPRFCv3 = true, true
	}),
	"enable_snmp_rfcv2": kw(func(p *parser, n *syntax.Node, g *Global) {
		p.unsupported(n)
		g.EnableSNMPRFCv2 = true
	}),
	"enable_snmp_rfcv3": kw(func(p *parser, n *syntax.Node, g *Global) {
		p.unsupported(n)
		g.EnableSNMPRFCv3 = true
	}),
	"snmp_vs_stats_update_interval": kw(parseSNMPStatsInterval),
	"snmp_rs_stats_update_interval": kw(parseSNMPStatsInterval),
	"enable_dbus": kw(func(p *parser, n *syntax.Node, g *Global) {
		p.unsupported(n)
		g.EnableDBus = true
	}),
	"dbus_service_name": kw(func(p *parser, n *syntax.Node, g *Global) {
		if p.globalNeed(n, 1, "dbus_service_name missing - ignoring") {
			g.DBusServiceName = n.Words[1]
		}
	}),
	"dbus_no_interface_name": kw(func(p *parser, n *syntax.Node, g *Global) {
		if p.globalNeed(n, 1, "dbus_no_interface_name missing - ignoring") {
			g.DBusNoInterfaceName = n.Words[1]
		}
	}),
}

// globalPathMax is PATH_MAX.
const globalPathMax = 4096

// parseSNMPSocket reads the AgentX socket; it may be given once.
//
// Syntax:
//
//	snmp_socket SPEC
func parseSNMPSocket(p *parser, n *syntax.Node, g *Global) {
	switch {
	case len(n.Words) > 2:
		p.errorf(n, KindValue, "Too many parameters specified for snmp_socket - ignoring")
	case len(n.Words) < 2:
		p.errorf(n, KindMissing, "SNMP error : snmp socket name missing")
	case len(n.Words[1]) > globalPathMax-1:
		p.errorf(n, KindValue, "SNMP error : snmp socket name too long - ignored")
	case g.SNMPSocket != "":
		p.errorf(n, KindDuplicate, "SNMP socket already set to %s - ignoring", g.SNMPSocket)
	default:
		g.SNMPSocket = n.Words[1]
	}
}

// parseSNMPStatsInterval reads how often IPVS statistics are refreshed for
// SNMP, 0.001 to 30 seconds; the real server interval follows the
// virtual server one unless set.
//
// Syntax:
//
//	snmp_vs_stats_update_interval SECONDS
//	snmp_rs_stats_update_interval SECONDS
func parseSNMPStatsInterval(p *parser, n *syntax.Node, g *Global) {
	// keepalived says "vs" for both.
	v, ok := p.globalTimer(n, 1, Millisecond, 30*Second, "snmp stats vs update interval '%[1]s' invalid - ignoring")
	if !ok {
		return
	}
	if n.Keyword() == "snmp_rs_stats_update_interval" {
		g.SNMPRSStatsUpdateInterval = v
		g.once(n.Keyword())
		return
	}
	g.SNMPVSStatsUpdateInterval = v
	if !g.given("snmp_rs_stats_update_interval") {
		g.SNMPRSStatsUpdateInterval = v
	}
}
