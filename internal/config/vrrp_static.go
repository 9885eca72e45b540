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
