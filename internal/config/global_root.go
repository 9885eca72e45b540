package config

import (
	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// globalRootTable: the process-wide keywords written outside global_defs.
var globalRootTable = table[Config]{
	"net_namespace":      kw(parseNetNamespace),
	"net_namespace_ipvs": kw(parseNetNamespaceIPVS),
	"namespace_with_ipsets": kw(func(p *parser, n *syntax.Node, c *Config) {
		c.NamespaceWithIpsets = true
	}),
	"use_pid_dir": kw(func(p *parser, n *syntax.Node, c *Config) {
		c.UsePidDir = true
	}),
	"instance":        kw(parseInstance),
	"child_wait_time": kw(parseChildWaitTime),
	"linkbeat_use_polling": kw(func(p *parser, n *syntax.Node, c *Config) {
		c.LinkbeatUsePolling = true
	}),
	"linkbeat_interfaces":      blk(parseLinkbeatInterfaces),
	"interface_up_down_delays": blk(parseInterfaceUpDownDelays),
}

// parseNetNamespace runs keepalived in a network namespace (pid files
// then go to /run/keepalived/). It cannot change on reload.
//
// Syntax:
//
//	net_namespace NAME
func parseNetNamespace(p *parser, n *syntax.Node, c *Config) {
	switch {
	case len(n.Words) < 2:
		p.errorf(n, KindMissing, "net_namespace name missing - ignoring")
	case c.NetNamespace != "":
		p.errorf(n, KindDuplicate, "Duplicate net_namespace definition %s - ignoring", n.Words[1])
	default:
		c.NetNamespace = n.Words[1]
		c.UsePidDir = true
	}
}

// parseNetNamespaceIPVS programs IPVS in another namespace; no name means
// the default namespace.
//
// Syntax:
//
//	net_namespace_ipvs [NAME]
func parseNetNamespaceIPVS(p *parser, n *syntax.Node, c *Config) {
	if c.NetNamespaceIPVS != nil {
		p.errorf(n, KindDuplicate, "Duplicate net_namespace_ipvs definition %s - ignoring", globalArg(n, 1))
		return
	}
	name := globalArg(n, 1)
	c.NetNamespaceIPVS = &name
}

// parseInstance names this keepalived instance (pid file names,
// ${_INSTANCE}); pid files then go to /run/keepalived/. It cannot change
// on reload.
//
// Syntax:
//
//	instance NAME
func parseInstance(p *parser, n *syntax.Node, c *Config) {
	switch {
	case len(n.Words) < 2:
		p.errorf(n, KindMissing, "instance name missing - ignoring")
	case c.Instance != "":
		p.errorf(n, KindDuplicate, "Duplicate instance definition %s - ignoring", n.Words[1])
	default:
		c.Instance = n.Words[1]
		c.UsePidDir = true
	}
}

// parseChildWaitTime reads how long the parent waits for its children at
// shutdown.
//
// Syntax:
//
//	child_wait_time SECONDS
func parseChildWaitTime(p *parser, n *syntax.Node, c *Config) {
	if v, ok := p.globalSeconds(n, 1, globalMaxUint, "Invalid child_wait_time %[1]s"); ok {
		c.ChildWaitTime = v
	}
}

// globalInterfaceKnown reports whether interface name may be used: it
// exists, or dynamic_interfaces allows it to appear later. A missing
// interface is reported with format (%[1]s = the name): keepalived
// cannot run then.
func (p *parser) globalInterfaceKnown(n *syntax.Node, c *Config, name, format string) bool {
	if p.opts.InterfaceExists == nil || c.Global.DynamicInterfaces || p.opts.InterfaceExists(name) {
		return true
	}
	p.report(n.Pos, Fatal, KindInterface, "%s", globalMsg(n, format, name))
	return false
}

// parseLinkbeatInterfaces lists interfaces whose link state is polled.
//
// Syntax:
//
//	linkbeat_interfaces {
//	    IF [MII|ETHTOOL|IOCTL]
//	}
func parseLinkbeatInterfaces(p *parser, n *syntax.Node, c *Config) {
	for _, v := range values(n) {
		name := v.Words[0]
		if !p.globalInterfaceKnown(v, c, name, "unknown interface %[1]s specified for linkbeat interface") {
			continue
		}
		lb := LinkbeatInterface{Interface: name, Pos: v.Pos}
		if len(v.Words) > 1 {
			switch t := v.Words[1]; t {
			case "MII", "ETHTOOL", "IOCTL":
				lb.Type = t
			}
			if lb.Type == "" || len(v.Words) > 2 {
				p.errorf(v, KindValue, "extra characters %s in linkbeat interface", v.Words[1])
			}
		}
		c.LinkbeatInterfaces = globalSetLinkbeat(c.LinkbeatInterfaces, lb)
	}
}

// globalSetLinkbeat adds or replaces the entry of lb's interface.
func globalSetLinkbeat(list []LinkbeatInterface, lb LinkbeatInterface) []LinkbeatInterface {
	for i := range list {
		if list[i].Interface == lb.Interface {
			list[i] = lb
			return list
		}
	}
	return append(list, lb)
}

// parseInterfaceUpDownDelays delays acting on interface state changes:
// an interface must stay down DOWN seconds (up UP seconds, default 0)
// before keepalived acts; 0 to 255 seconds.
//
// Syntax:
//
//	interface_up_down_delays {
//	    IF DOWN [UP]
//	}
func parseInterfaceUpDownDelays(p *parser, n *syntax.Node, c *Config) {
	for _, v := range values(n) {
		if d, ok := p.interfaceDelay(v, c); ok {
			c.InterfaceUpDownDelays = globalSetDelay(c.InterfaceUpDownDelays, d)
		}
	}
}

// interfaceDelay reads one line of interface_up_down_delays. keepalived
// only logs most of its problems.
func (p *parser) interfaceDelay(v *syntax.Node, c *Config) (InterfaceDelay, bool) {
	name := v.Words[0]
	if !p.globalInterfaceKnown(v, c, name, "unknown interface %[1]s specified for up/down delay") {
		return InterfaceDelay{}, false
	}
	if len(v.Words) < 2 {
		p.infof(v, KindMissing, "No timeouts specified for %s up/down delays", name)
		return InterfaceDelay{}, false
	}
	if len(v.Words) > 3 {
		p.infof(v, KindValue, "Too many parameters for %s up/down delays", name)
	}
	d := InterfaceDelay{Interface: name, Pos: v.Pos}
	var ok bool
	if d.Down, ok = p.timer(v, 1, 0, 255*Second); !ok {
		p.infof(v, KindValue, "Invalid down delay %s for %s", v.Words[1], name)
		return d, false
	}
	if len(v.Words) > 2 {
		if d.Up, ok = p.timer(v, 2, 0, 255*Second); !ok {
			p.infof(v, KindValue, "Invalid up delay %s for %s", v.Words[2], name)
			return d, false
		}
	}
	return d, true
}

// globalSetDelay adds or replaces the entry of d's interface.
func globalSetDelay(list []InterfaceDelay, d InterfaceDelay) []InterfaceDelay {
	for i := range list {
		if list[i].Interface == d.Interface {
			list[i] = d
			return list
		}
	}
	return append(list, d)
}
