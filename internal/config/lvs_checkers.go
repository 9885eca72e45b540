package config

import (
	"math"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// SMTPCheck is an SMTP_CHECK: a HELO exchange with the server.
type SMTPCheck struct {
	CheckConn
	CheckParams
	HeloName string     `json:"helo_name"`
	Pos      syntax.Pos `json:"-"`
}

func (c *SMTPCheck) conn() *CheckConn     { return &c.CheckConn }
func (c *SMTPCheck) params() *CheckParams { return &c.CheckParams }

// lvsSMTPHost collects the deprecated host blocks of an SMTP_CHECK.
type lvsSMTPHost struct {
	check *SMTPCheck
	hosts []CheckConn
}

var smtpCheckTable = lvsCheckTable[SMTPCheck](table[SMTPCheck]{
	"helo_name": kw(func(p *parser, n *syntax.Node, c *SMTPCheck) {
		p.lvsString(n, &c.HeloName, "SMTP_CHECK helo name missing")
	}),
})

// smtpHostTable: a host block's connection keywords set the host's
// connection, its other keywords the checker's.
var smtpHostTable = lvsMerge(
	lvsAdapt(checkConnTable, func(h *lvsSMTPHost) *CheckConn { return &h.hosts[len(h.hosts)-1] }),
	lvsAdapt(checkParamsTable, func(h *lvsSMTPHost) *CheckParams { return &h.check.CheckParams }),
)

// parseSMTPCheck reads an SMTP_CHECK block. Each deprecated host block
// becomes a checker of its own, as in keepalived: the first replaces the
// block's own connection unless that was configured.
//
// Syntax:
//
//	SMTP_CHECK {
//	    (the keywords of TCP_CHECK)
//	    helo_name STRING      # default smtpchecker.keepalived.org
//	    host {                # deprecated: use several SMTP_CHECKs
//	        (the keywords of TCP_CHECK)
//	    }
//	}
func parseSMTPCheck(p *parser, n *syntax.Node, rs *RealServer) {
	c := &SMTPCheck{CheckConn: newCheckConn(rs), CheckParams: newCheckParams(1, Second), Pos: n.Pos}
	h := &lvsSMTPHost{check: c}
	connSet := false
	for _, line := range n.Children {
		if line.Keyword() == "host" && line.Block {
			p.lvsSMTPHost(line, rs, h)
			continue
		}
		parseBlock(p, []*syntax.Node{line}, c, smtpCheckTable)
		_, isConn := checkConnTable[line.Keyword()]
		connSet = connSet || isConn
	}
	if c.HeloName == "" {
		c.HeloName = "smtpchecker.keepalived.org"
	}
	hosts := h.hosts
	if !connSet && len(hosts) > 0 {
		c.CheckConn, hosts = hosts[0], hosts[1:]
	} else if !p.lvsConnOK(n, &c.CheckConn) {
		return
	}
	rs.SMTPCheck = append(rs.SMTPCheck, c)
	for _, conn := range hosts {
		extra := *c
		extra.CheckConn = conn
		rs.SMTPCheck = append(rs.SMTPCheck, &extra)
	}
}

// lvsSMTPHost reads a deprecated host block of an SMTP_CHECK. Its
// connection starts as the real server's; unlike keepalived 2.2.7, whose
// host connections get a zero connect_timeout unless one is set, the
// timeout is inherited like any checker's.
func (p *parser) lvsSMTPHost(n *syntax.Node, rs *RealServer, h *lvsSMTPHost) {
	p.infof(n, KindDeprecated, "The SMTP_CHECK host block is deprecated. Please define additional checkers.")
	h.hosts = append(h.hosts, newCheckConn(rs))
	parseBlock(p, n.Children, h, smtpHostTable)
	if !p.lvsConnOK(n, &h.hosts[len(h.hosts)-1]) {
		h.hosts = h.hosts[:len(h.hosts)-1]
	}
}

// DNSCheck is a DNS_CHECK: a query to the server's port over UDP.
type DNSCheck struct {
	CheckConn
	CheckParams
	// Type is A, NS, CNAME, SOA (the default), MX, TXT, AAAA, RRSIG or
	// DNSKEY.
	Type string `json:"type"`
	// Name is the name queried (default the root, ".").
	Name string     `json:"name"`
	Pos  syntax.Pos `json:"-"`

	nameSet bool
}

func (c *DNSCheck) conn() *CheckConn     { return &c.CheckConn }
func (c *DNSCheck) params() *CheckParams { return &c.CheckParams }

var dnsCheckTable = lvsCheckTable[DNSCheck](table[DNSCheck]{
	"type": kw(parseDNSType),
	"name": kw(parseDNSName),
})

// parseDNSCheck reads a DNS_CHECK block. Its retry defaults to 3 and its
// delay_before_retry to the delay_loop.
//
// Syntax:
//
//	DNS_CHECK {
//	    (the keywords of TCP_CHECK)
//	    type A|NS|CNAME|SOA|MX|TXT|AAAA|RRSIG|DNSKEY
//	    name DOMAIN
//	}
func parseDNSCheck(p *parser, n *syntax.Node, rs *RealServer) {
	c := &DNSCheck{CheckConn: newCheckConn(rs), CheckParams: newCheckParams(3, 0), Type: "SOA", Name: ".", Pos: n.Pos}
	parseBlock(p, n.Children, c, dnsCheckTable)
	if p.lvsConnOK(n, &c.CheckConn) {
		rs.DNSCheck = append(rs.DNSCheck, c)
	}
}

// parseDNSType reads the query type (case-insensitive).
//
// Syntax:
//
//	type A|NS|CNAME|SOA|MX|TXT|AAAA|RRSIG|DNSKEY
func parseDNSType(p *parser, n *syntax.Node, c *DNSCheck) {
	if !lvsNeed(p, n) {
		return
	}
	for _, t := range []string{"A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA", "RRSIG", "DNSKEY"} {
		if equalFoldASCII(n.Words[1], t) {
			c.Type = t
			return
		}
	}
	p.errorf(n, KindValue, "Unknown DNS check type %s - ignoring", n.Words[1])
}

// parseDNSName reads the name queried; a name with an empty label is
// refused, and only the first name counts.
//
// Syntax:
//
//	name DOMAIN
func parseDNSName(p *parser, n *syntax.Node, c *DNSCheck) {
	if !lvsNeed(p, n) {
		return
	}
	name := n.Words[1]
	switch {
	case c.nameSet:
		p.errorf(n, KindDuplicate, "DNS_CHECK name already specified - ignoring")
	case name != "." && (strings.HasPrefix(name, ".") || strings.Contains(name, "..")):
		p.errorf(n, KindValue, "DNS_CHECK name '%s' has empty label - ignoring", name)
	default:
		c.Name, c.nameSet = name, true
	}
}

// MiscCheck is a MISC_CHECK: a script whose exit status is the result
// (0 up, 1 down; with misc_dynamic 2..255 up with weight status-2).
type MiscCheck struct {
	CheckParams
	// Path is the script; its user and group are the user keyword's.
	Path *Script `json:"misc_path"`
	// Timeout is the script's time limit: the virtual server's
	// delay_loop unless set (whole seconds).
	Timeout Duration   `json:"misc_timeout"`
	Dynamic bool       `json:"misc_dynamic,omitempty"`
	Pos     syntax.Pos `json:"-"`

	user, group string
}

var miscCheckTable = lvsMerge(
	lvsAdapt(checkParamsTable, func(c *MiscCheck) *CheckParams { return &c.CheckParams }),
	table[MiscCheck]{
		"misc_path":    kw(parseMiscPath),
		"misc_timeout": kw(parseMiscTimeout),
		"misc_dynamic": kw(func(p *parser, n *syntax.Node, c *MiscCheck) { c.Dynamic = lvsFlag(p, n) }),
		"user":         kw(parseMiscUser),
	},
)

// parseMiscCheck reads a MISC_CHECK block; one without misc_path is
// dropped. Its retry defaults to 0.
//
// Syntax:
//
//	MISC_CHECK {
//	    misc_path "COMMAND [ARGS]"
//	    misc_timeout SECONDS
//	    misc_dynamic
//	    user USER [GROUP]
//	    retry N
//	    delay_before_retry SECONDS
//	    warmup SECONDS
//	    delay_loop SECONDS
//	    alpha [BOOL]
//	    log_all_failures [BOOL]
//	}
func parseMiscCheck(p *parser, n *syntax.Node, rs *RealServer) {
	c := &MiscCheck{CheckParams: newCheckParams(0, Second), Pos: n.Pos}
	parseBlock(p, n.Children, c, miscCheckTable)
	if c.Path == nil {
		p.report(blockEnd(n), Error, KindMissing, "No script path has been specified for MISC_CHECKER - skipping")
		return
	}
	c.Path.User, c.Path.Group = c.user, c.group
	rs.MiscCheck = append(rs.MiscCheck, c)
}

// parseMiscPath reads the script. keepalived takes the run-as user from
// the user keyword and ignores words after the command.
//
// Syntax:
//
//	misc_path "COMMAND [ARGS]"
func parseMiscPath(p *parser, n *syntax.Node, c *MiscCheck) {
	s, ok := p.script(n)
	if !ok {
		return
	}
	if s.User != "" {
		p.infof(n, KindValue, "misc_path: words after the command are ignored - use the user keyword")
	}
	s.User, s.Group = "", ""
	c.Path = s
}

// parseMiscTimeout reads the script's time limit in whole seconds (0: the
// delay_loop).
//
// Syntax:
//
//	misc_timeout SECONDS
func parseMiscTimeout(p *parser, n *syntax.Node, c *MiscCheck) {
	if v, ok := p.uint(n, 1, 0, math.MaxUint32/1000000); ok {
		c.Timeout = Duration(v) * Second
	}
}

// parseMiscUser reads the user and group the script runs as.
//
// Syntax:
//
//	user USER [GROUP]
func parseMiscUser(p *parser, n *syntax.Node, c *MiscCheck) {
	if len(n.Words) < 2 {
		p.errorf(n, KindMissing, "No user specified for misc checker script")
		return
	}
	c.user, c.group, _ = strings.Cut(n.Words[1], ":")
	if len(n.Words) > 2 {
		c.group = strings.TrimPrefix(n.Words[2], ":")
	}
}

// UDPCheck is a UDP_CHECK: a datagram is sent; an ICMP error, or a reply
// that does not match, fails the check.
type UDPCheck struct {
	CheckConn
	CheckParams
	Payload HexBytes `json:"payload,omitempty"`
	// RequireReply, when set, requires a reply matching its pattern.
	RequireReply   *HexPattern `json:"require_reply,omitempty"`
	MinReplyLength uint16      `json:"min_reply_length"`
	MaxReplyLength uint16      `json:"max_reply_length"`
	Pos            syntax.Pos  `json:"-"`
}

func (c *UDPCheck) conn() *CheckConn     { return &c.CheckConn }
func (c *UDPCheck) params() *CheckParams { return &c.CheckParams }

// HexBytes are bytes written in hex.
type HexBytes []byte

// String renders the bytes in hex.
func (h HexBytes) String() string { return lvsFormatHex(h, nil) }

// HexPattern is a byte pattern whose mask tells the bits that must match
// (an x nibble in the configuration matches anything). An empty pattern
// matches any reply.
type HexPattern struct {
	Data []byte `json:"data"`
	Mask []byte `json:"mask"`
}

// String renders the pattern in hex with x for wildcard nibbles.
func (h *HexPattern) String() string { return lvsFormatHex(h.Data, h.Mask) }

// Match tells whether b starts with the pattern.
func (h *HexPattern) Match(b []byte) bool {
	if len(b) < len(h.Data) {
		return false
	}
	for i, v := range h.Data {
		if b[i]&h.Mask[i] != v&h.Mask[i] {
			return false
		}
	}
	return true
}

var udpCheckTable = lvsCheckTable[UDPCheck](table[UDPCheck]{
	"payload":          kw(parseUDPPayload),
	"require_reply":    kw(parseUDPRequireReply),
	"min_reply_length": kw(func(p *parser, n *syntax.Node, c *UDPCheck) { p.lvsUint16(n, &c.MinReplyLength) }),
	"max_reply_length": kw(func(p *parser, n *syntax.Node, c *UDPCheck) { p.lvsUint16(n, &c.MaxReplyLength) }),
})

// parseUDPCheck reads a UDP_CHECK block.
//
// Syntax:
//
//	UDP_CHECK {
//	    (the keywords of TCP_CHECK)
//	    payload HEX
//	    require_reply [HEX]       # x or X: any nibble
//	    min_reply_length N        # default 0
//	    max_reply_length N        # default 255
//	}
func parseUDPCheck(p *parser, n *syntax.Node, rs *RealServer) {
	c := &UDPCheck{CheckConn: newCheckConn(rs), CheckParams: newCheckParams(1, Second), MaxReplyLength: 255, Pos: n.Pos}
	parseBlock(p, n.Children, c, udpCheckTable)
	if !p.lvsConnOK(n, &c.CheckConn) {
		return
	}
	if c.MinReplyLength > c.MaxReplyLength {
		p.report(blockEnd(n), Error, KindConflict, "UDP_CHECK min_reply length %d > max_reply_length %d - will always fail", c.MinReplyLength, c.MaxReplyLength)
	}
	rs.UDPCheck = append(rs.UDPCheck, c)
}

// parseUDPPayload reads the datagram sent, in hex (blanks allowed between
// bytes).
//
// Syntax:
//
//	payload HEX
func parseUDPPayload(p *parser, n *syntax.Node, c *UDPCheck) {
	if len(n.Words) == 1 {
		p.errorf(n, KindMissing, "UDP_CHECK payload requires a payload")
		return
	}
	data, _ := lvsParseHex(strings.Join(n.Args(), " "), false)
	if data == nil {
		p.errorf(n, KindValue, "Invalid hex string for UDP_CHECK payload")
		return
	}
	c.Payload = data
}

// parseUDPRequireReply sets require_reply; the pattern is optional, and a
// bad one still requires a reply.
//
// Syntax:
//
//	require_reply [HEX]
func parseUDPRequireReply(p *parser, n *syntax.Node, c *UDPCheck) {
	if c.RequireReply == nil {
		c.RequireReply = &HexPattern{}
	}
	if len(n.Words) == 1 {
		return
	}
	data, mask := lvsParseHex(strings.Join(n.Args(), " "), true)
	if data == nil {
		p.errorf(n, KindValue, "Invalid hex string for UDP_CHECK reply")
		return
	}
	c.RequireReply.Data, c.RequireReply.Mask = data, mask
}

// lvsUint16 reads a value in [0, 65535].
func (p *parser) lvsUint16(n *syntax.Node, dst *uint16) {
	if v, ok := p.uint(n, 1, 0, math.MaxUint16); ok {
		*dst = uint16(v)
	}
}
