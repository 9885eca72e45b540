package config

import "github.com/keepalived-go/keepalived/internal/config/syntax"

// GlobalSection holds global_defs and the other process-wide settings.
type GlobalSection struct {
	Global Global `json:"global_defs"`
}

// Global is the global_defs block.
type Global struct {
	RouterID             string `json:"router_id"`
	EnableScriptSecurity bool   `json:"enable_script_security"`
}

func newGlobalSection() GlobalSection { return GlobalSection{} }

var globalRoot = table[Config]{
	"global_defs": blk(func(p *parser, n *syntax.Node, c *Config) {
		parseBlock(p, n.Children, &c.Global, globalDefsTable)
	}),
}

var globalDefsTable = table[Global]{
	"router_id": kw(func(p *parser, n *syntax.Node, g *Global) {
		if s, ok := p.str(n); ok {
			g.RouterID = s
		}
	}),
	"enable_script_security": kw(func(p *parser, n *syntax.Node, g *Global) {
		g.EnableScriptSecurity = p.flag(n)
	}),
}

func (p *parser) validateGlobal() {}
