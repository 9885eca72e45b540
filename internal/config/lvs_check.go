package config

import (
	"math"
	"net/netip"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// CheckConn holds a checker's connection options. The destination
// defaults to the real server's address and port as written on its
// real_server line (a real server written without a port is checked on
// port 0, as keepalived does, unless connect_port is set).
type CheckConn struct {
	ConnectIP   netip.Addr `json:"connect_ip"`
	ConnectPort uint16     `json:"connect_port"`
	BindTo      netip.Addr `json:"bindto,omitempty,omitzero"`
	BindPort    uint16     `json:"bind_port,omitempty"`
	BindIf      string     `json:"bind_if,omitempty"`
	// ConnectTimeout is the real server's unless set.
	ConnectTimeout Duration `json:"connect_timeout"`
	// Fwmark marks the checker's packets (SO_MARK).
	Fwmark uint32 `json:"fwmark,omitempty"`

	timeoutSet bool
}

// CheckParams are the scheduling options every checker but BFD_CHECK and
// FILE_CHECK has. Unset values come from the real server, then the
// virtual server, then the checker type's default.
type CheckParams struct {
	// Retry is the number of extra attempts before the checker fails.
	Retry            uint32   `json:"retry"`
	DelayBeforeRetry Duration `json:"delay_before_retry"`
	// Warmup is the upper bound of the random delay before the first
	// check (0 = none); the delay_loop unless set.
	Warmup         Duration `json:"warmup"`
	DelayLoop      Duration `json:"delay_loop"`
	Alpha          bool     `json:"alpha"`
	LogAllFailures bool     `json:"log_all_failures,omitempty"`

	retry            *uint32
	delayBeforeRetry *Duration
	warmup           *Duration
	delayLoop        *Duration
	alpha            *bool
	// The checker type's defaults; a zero default delay_before_retry
	// means the delay_loop.
	defaultRetry uint32
	defaultDBR   Duration
}

// newCheckConn returns the connection options of a new checker of rs.
func newCheckConn(rs *RealServer) CheckConn {
	return CheckConn{ConnectIP: rs.Addr.Addr, ConnectPort: rs.Addr.Port}
}

// newCheckParams returns the options of a new checker whose type
// defaults are retry and delay_before_retry (0 = delay_loop).
func newCheckParams(retry uint32, dbr Duration) CheckParams {
	return CheckParams{defaultRetry: retry, defaultDBR: dbr}
}

var checkConnTable = table[CheckConn]{
	"connect_ip":      kw(parseCheckConnectIP),
	"connect_port":    kw(func(p *parser, n *syntax.Node, c *CheckConn) { p.lvsPort(n, &c.ConnectPort) }),
	"bindto":          kw(parseCheckBindTo),
	"bind_port":       kw(func(p *parser, n *syntax.Node, c *CheckConn) { p.lvsPort(n, &c.BindPort) }),
	"bind_if":         kw(parseCheckBindIf),
	"connect_timeout": kw(parseCheckConnectTimeout),
	"fwmark":          kw(func(p *parser, n *syntax.Node, c *CheckConn) { p.lvsUint32(n, &c.Fwmark) }),
}

var checkParamsTable = table[CheckParams]{
	"retry": kw(func(p *parser, n *syntax.Node, c *CheckParams) {
		if v, ok := p.uint(n, 1, 0, math.MaxUint32); ok {
			r := uint32(v)
			c.retry = &r
		}
	}),
	"delay_before_retry": kw(func(p *parser, n *syntax.Node, c *CheckParams) {
		c.delayBeforeRetry = p.lvsTimerPtr(n, 0, c.delayBeforeRetry)
	}),
	"warmup": kw(func(p *parser, n *syntax.Node, c *CheckParams) { c.warmup = p.lvsTimerPtr(n, 0, c.warmup) }),
	"delay_loop": kw(func(p *parser, n *syntax.Node, c *CheckParams) {
		c.delayLoop = p.lvsTimerPtr(n, Microsecond, c.delayLoop)
	}),
	"alpha":            kw(func(p *parser, n *syntax.Node, c *CheckParams) { c.alpha = p.lvsOptBool(n, c.alpha) }),
	"log_all_failures": kw(func(p *parser, n *syntax.Node, c *CheckParams) { p.lvsBool(n, &c.LogAllFailures) }),
}

// parseCheckConnectIP reads the address a checker connects to; it must be
// of the family of bindto.
//
// Syntax:
//
//	connect_ip IP
func parseCheckConnectIP(p *parser, n *syntax.Node, c *CheckConn) {
	if !lvsNeed(p, n) {
		return
	}
	a, ok := lvsParseIP(n.Words[1])
	switch {
	case !ok:
		p.errorf(n, KindValue, "Invalid connect_ip address %s - ignoring", n.Words[1])
	case c.BindTo.IsValid() && c.BindTo.Is4() != a.Is4():
		p.errorf(n, KindConflict, "connect_ip address %s does not match address family of bindto - skipping", n.Words[1])
	default:
		c.ConnectIP = a
	}
}

// parseCheckBindTo reads the checker's source address; it must be of the
// family of connect_ip.
//
// Syntax:
//
//	bindto IP
func parseCheckBindTo(p *parser, n *syntax.Node, c *CheckConn) {
	if !lvsNeed(p, n) {
		return
	}
	a, ok := lvsParseIP(n.Words[1])
	switch {
	case !ok:
		p.errorf(n, KindValue, "Invalid bindto address %s - ignoring", n.Words[1])
	case c.ConnectIP.IsValid() && c.ConnectIP.Is4() != a.Is4():
		p.errorf(n, KindConflict, "bindto address %s does not match address family of connect_ip - skipping", n.Words[1])
		c.BindTo = netip.Addr{}
	default:
		c.BindTo = a
	}
}

// parseCheckBindIf reads the checker's interface (needed for link-local
// addresses).
//
// Syntax:
//
//	bind_if IFNAME
func parseCheckBindIf(p *parser, n *syntax.Node, c *CheckConn) {
	if !lvsNeed(p, n) {
		return
	}
	const ifNameMax = 15 // IFNAMSIZ - 1
	if len(n.Words[1]) > ifNameMax {
		p.errorf(n, KindValue, "Interface name %s is too long - ignoring", n.Words[1])
		return
	}
	c.BindIf = n.Words[1]
}

// parseCheckConnectTimeout reads the checker's connection timeout.
//
// Syntax:
//
//	connect_timeout SECONDS
func parseCheckConnectTimeout(p *parser, n *syntax.Node, c *CheckConn) {
	if d, ok := p.timer(n, 1, Microsecond, lvsMaxConnectTimeout); ok {
		c.ConnectTimeout, c.timeoutSet = d, true
	}
}

// lvsPort reads a port in [1, 65535].
func (p *parser) lvsPort(n *syntax.Node, dst *uint16) {
	if v, ok := p.uint(n, 1, 1, math.MaxUint16); ok {
		*dst = uint16(v)
	}
}

// lvsConnOK is keepalived's check_conn_opts(), run when a checker's block
// ends: an IPv6 link-local destination needs a bind_if. The checker is
// dropped otherwise.
func (p *parser) lvsConnOK(n *syntax.Node, c *CheckConn) bool {
	if c.ConnectIP.Is6() && c.ConnectIP.IsLinkLocalUnicast() && c.BindIf == "" {
		p.report(blockEnd(n), Error, KindMissing, "Checker link local address %s requires a bind_if", c.ConnectIP)
		return false
	}
	return true
}

// lvsAdapt lifts the keywords of a part of T (its connection options, its
// scheduling options) to T.
func lvsAdapt[T, U any](t table[U], part func(*T) *U) table[T] {
	out := table[T]{}
	for k, e := range t {
		out[k] = entry[T]{
			fn:    func(p *parser, n *syntax.Node, obj *T) { e.fn(p, n, part(obj)) },
			block: e.block,
		}
	}
	return out
}

// lvsMerge joins keyword tables.
func lvsMerge[T any](ts ...table[T]) table[T] {
	out := table[T]{}
	for _, t := range ts {
		for k, e := range t {
			out[k] = e
		}
	}
	return out
}

// lvsConnChecker is a checker with connection options.
type lvsConnChecker interface {
	conn() *CheckConn
	params() *CheckParams
}

// lvsCheckTable returns the common keywords of a checker with
// connection options, and extra.
func lvsCheckTable[T any, PT interface {
	*T
	lvsConnChecker
}](extra table[T]) table[T] {
	return lvsMerge(
		lvsAdapt(checkConnTable, func(c *T) *CheckConn { return PT(c).conn() }),
		lvsAdapt(checkParamsTable, func(c *T) *CheckParams { return PT(c).params() }),
		extra,
	)
}

// TCPCheck is a TCP_CHECK: the real server is up while a TCP connection
// to it succeeds.
type TCPCheck struct {
	CheckConn
	CheckParams
	Pos syntax.Pos `json:"-"`
}

func (c *TCPCheck) conn() *CheckConn     { return &c.CheckConn }
func (c *TCPCheck) params() *CheckParams { return &c.CheckParams }

// PingCheck is a PING_CHECK: ICMP or ICMPv6 echo requests.
type PingCheck struct {
	CheckConn
	CheckParams
	Pos syntax.Pos `json:"-"`
}

func (c *PingCheck) conn() *CheckConn     { return &c.CheckConn }
func (c *PingCheck) params() *CheckParams { return &c.CheckParams }

var tcpCheckTable = lvsCheckTable[TCPCheck](nil)
var pingCheckTable = lvsCheckTable[PingCheck](nil)

// parseTCPCheck reads a TCP_CHECK block.
//
// Syntax:
//
//	TCP_CHECK {
//	    connect_ip IP
//	    connect_port PORT
//	    bindto IP
//	    bind_port PORT
//	    bind_if IFNAME
//	    connect_timeout SECONDS
//	    fwmark N
//	    retry N
//	    delay_before_retry SECONDS
//	    warmup SECONDS
//	    delay_loop SECONDS
//	    alpha [BOOL]
//	    log_all_failures [BOOL]
//	}
func parseTCPCheck(p *parser, n *syntax.Node, rs *RealServer) {
	c := &TCPCheck{CheckConn: newCheckConn(rs), CheckParams: newCheckParams(1, Second), Pos: n.Pos}
	parseBlock(p, n.Children, c, tcpCheckTable)
	if p.lvsConnOK(n, &c.CheckConn) {
		rs.TCPCheck = append(rs.TCPCheck, c)
	}
}

// parsePingCheck reads a PING_CHECK block.
//
// Syntax:
//
//	PING_CHECK {
//	    (the keywords of TCP_CHECK)
//	}
func parsePingCheck(p *parser, n *syntax.Node, rs *RealServer) {
	c := &PingCheck{CheckConn: newCheckConn(rs), CheckParams: newCheckParams(1, Second), Pos: n.Pos}
	parseBlock(p, n.Children, c, pingCheckTable)
	if p.lvsConnOK(n, &c.CheckConn) {
		rs.PingCheck = append(rs.PingCheck, c)
	}
}
