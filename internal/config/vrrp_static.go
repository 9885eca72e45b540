package config

import (
	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// parseStaticAddresses reads static_ipaddress: addresses configured at
// start whatever the VRRP state.
//
// Syntax:
//
//	static_ipaddress {
//	    ADDR-SPEC [track_group G]
//	}
func parseStaticAddresses(p *parser, n *syntax.Node, c *Config) {
	for _, e := range values(n) {
		if a := p.vrrpParseAddress(e, true); a != nil {
			c.StaticAddresses = append(c.StaticAddresses, a)
		}
	}
}

// parseStaticRoutes reads static_routes.
//
// Syntax:
//
//	static_routes {
//	    ROUTE-SPEC [track_group G]
//	}
func parseStaticRoutes(p *parser, n *syntax.Node, c *Config) {
	for _, e := range values(n) {
		if r := p.vrrpParseRoute(e, true); r != nil {
			c.StaticRoutes = append(c.StaticRoutes, r)
		}
	}
}

// parseStaticRules reads static_rules.
//
// Syntax:
//
//	static_rules {
//	    RULE-SPEC [track_group G]
//	}
func parseStaticRules(p *parser, n *syntax.Node, c *Config) {
	for _, e := range values(n) {
		if r := p.vrrpParseRule(e, true); r != nil {
			c.StaticRules = append(c.StaticRules, r)
		}
	}
}

// LinkbeatInterface is a linkbeat_interfaces entry: an interface whose
// link state is polled rather than learnt from netlink.
type LinkbeatInterface struct {
	Name string `json:"name"`
	// Type is MII, ETHTOOL, IOCTL or "" (try each).
	Type string     `json:"type,omitempty"`
	Pos  syntax.Pos `json:"-"`
}

// String renders the entry as its line.
func (l LinkbeatInterface) String() string {
	if l.Type == "" {
		return l.Name
	}
	return l.Name + " " + l.Type
}

// parseLinkbeatInterfaces reads linkbeat_interfaces.
//
// Syntax:
//
//	linkbeat_interfaces {
//	    IF [MII|ETHTOOL|IOCTL]
//	}
func parseLinkbeatInterfaces(p *parser, n *syntax.Node, c *Config) {
	for _, e := range values(n) {
		name := e.Words[0]
		if !p.vrrpIfExists(name) && !p.cfg.Global.DynamicInterfaces {
			p.report(e.Pos, Fatal, KindInterface, "unknown interface %s specified for linkbeat interface", name)
			continue
		}
		l := LinkbeatInterface{Name: name, Pos: e.Pos}
		if len(e.Words) > 1 {
			switch t := e.Words[1]; t {
			case "MII", "ETHTOOL", "IOCTL":
				l.Type = t
			}
			if l.Type == "" || len(e.Words) > 2 {
				p.errorf(e, KindValue, "extra characters %s in linkbeat interface", e.Words[1])
			}
		}
		c.LinkbeatInterfaces = append(c.LinkbeatInterfaces, l)
	}
}

// InterfaceDelay is an interface_up_down_delays entry: how long an
// interface must stay down (or up) before the instances using it react.
type InterfaceDelay struct {
	Interface string `json:"interface"`
	// Down and Up are 0..255 s (µs resolution); Up is 0 when omitted.
	Down Duration   `json:"down"`
	Up   Duration   `json:"up"`
	Pos  syntax.Pos `json:"-"`
}

// String renders the entry as its line.
func (d InterfaceDelay) String() string {
	return d.Interface + " " + d.Down.String() + " " + d.Up.String()
}

// parseInterfaceDelays reads interface_up_down_delays; keepalived only
// logs its problems (other than bad numbers).
//
// Syntax:
//
//	interface_up_down_delays {
//	    IF DOWN [UP]
//	}
func parseInterfaceDelays(p *parser, n *syntax.Node, c *Config) {
	for _, e := range values(n) {
		name := e.Words[0]
		switch {
		case !p.vrrpIfExists(name) && !p.cfg.Global.DynamicInterfaces:
			p.report(e.Pos, Fatal, KindInterface, "unknown interface %s specified for up/down delay", name)
			continue
		case len(e.Words) < 2:
			p.infof(e, KindMissing, "No timeouts specified for %s up/down delays", name)
			continue
		case len(e.Words) > 3:
			p.infof(e, KindValue, "Too many parameters for %s up/down delays", name)
		}
		d := InterfaceDelay{Interface: name, Pos: e.Pos}
		var ok bool
		if d.Down, ok = p.timer(e, 1, 0, 255*Second); !ok {
			p.infof(e, KindValue, "Invalid down delay %s for %s", e.Words[1], name)
			continue
		}
		if len(e.Words) > 2 {
			if d.Up, ok = p.timer(e, 2, 0, 255*Second); !ok {
				p.infof(e, KindValue, "Invalid up delay %s for %s", e.Words[2], name)
				continue
			}
		}
		c.InterfaceDelays = append(c.InterfaceDelays, d)
	}
}
