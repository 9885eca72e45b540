package config

import (
	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// LVSSection holds the checker child's configuration: the SSL client
// context, the virtual server groups and the virtual servers with their
// real servers and health checkers.
type LVSSection struct {
	SSL                 *SSLContext           `json:"SSL,omitempty"`
	VirtualServerGroups []*VirtualServerGroup `json:"virtual_server_group,omitempty"`
	VirtualServers      []*VirtualServer      `json:"virtual_server,omitempty"`
}

// SSLContext is the SSL block: the client context of SSL_GET checkers.
// Without it keepalived builds a context that does not verify servers.
type SSLContext struct {
	Password    string     `json:"password,omitempty"`
	CA          string     `json:"ca,omitempty"`
	Certificate string     `json:"certificate,omitempty"`
	Key         string     `json:"key,omitempty"`
	Pos         syntax.Pos `json:"-"`
}

var lvsRoot = table[Config]{
	"SSL":                  blk(parseSSL),
	"virtual_server_group": blk(parseVirtualServerGroup),
	"virtual_server":       blk(parseVirtualServer),
}

// parseSSL reads the SSL block. A second block replaces the first.
//
// Syntax:
//
//	SSL {
//	    password STRING
//	    ca FILE
//	    certificate FILE
//	    key FILE
//	}
func parseSSL(p *parser, n *syntax.Node, c *Config) {
	if c.SSL != nil {
		p.errorf(n, KindDuplicate, "SSL context already specified - replacing")
	}
	c.SSL = &SSLContext{Pos: n.Pos}
	parseBlock(p, n.Children, c.SSL, sslTable)
}

var sslTable = table[SSLContext]{
	"password":    kw(lvsSSLFile("password", func(s *SSLContext) *string { return &s.Password })),
	"ca":          kw(lvsSSLFile("cafile", func(s *SSLContext) *string { return &s.CA })),
	"certificate": kw(lvsSSLFile("certfile", func(s *SSLContext) *string { return &s.Certificate })),
	"key":         kw(lvsSSLFile("keyfile", func(s *SSLContext) *string { return &s.Key })),
}

// lvsSSLFile returns the handler of one SSL keyword; what names the value
// in keepalived's messages.
func lvsSSLFile(what string, field func(*SSLContext) *string) func(*parser, *syntax.Node, *SSLContext) {
	return func(p *parser, n *syntax.Node, s *SSLContext) {
		if len(n.Words) < 2 {
			p.errorf(n, KindMissing, "SSL %s missing", what)
			return
		}
		f := field(s)
		if *f != "" {
			p.errorf(n, KindDuplicate, "SSL %s already specified - replacing", what)
		}
		*f = lvsArg(p, n)
	}
}

// lvsArg returns the first argument of n (the caller checked there is
// one). keepalived ignores further words silently; they are logged.
func lvsArg(p *parser, n *syntax.Node) string {
	if len(n.Words) > 2 {
		p.infof(n, KindValue, "%s: ignoring extra arguments '%s'", n.Keyword(), n.String()[len(n.Words[0])+len(n.Words[1])+2:])
	}
	return n.Words[1]
}

// lvsFlag handles a keyword keepalived treats as a flag whatever follows
// it: arguments are ignored (and logged, since "alpha false" still sets
// alpha).
func lvsFlag(p *parser, n *syntax.Node) bool {
	if len(n.Words) > 1 {
		p.infof(n, KindValue, "%s takes no argument - ignoring '%s'", n.Keyword(), n.String()[len(n.Words[0])+1:])
	}
	return true
}

// lvsNeed checks that n has at least one argument, reporting the missing
// parameter as keepalived does.
func lvsNeed(p *parser, n *syntax.Node) bool { return p.nargs(n, 1, -1) }
