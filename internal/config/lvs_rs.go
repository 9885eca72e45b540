package config

import (
	"math"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// RealServer is a real_server block of a virtual server. After
// validation its settings inherited from the virtual server are resolved.
// With no checker the server is always up; with several it is up only
// when all are.
type RealServer struct {
	Addr ServerAddr `json:"address" dump:"label"`
	// Weight is the IPVS weight (0..2147483647), the virtual server's
	// weight unless set.
	Weight int32     `json:"weight"`
	Method LVSMethod `json:"lvs_method"`
	// UThreshold and LThreshold are IPVS's upper and lower connection
	// thresholds (0 = none).
	UThreshold       uint32  `json:"uthreshold,omitempty"`
	LThreshold       uint32  `json:"lthreshold,omitempty"`
	InhibitOnFailure bool    `json:"inhibit_on_failure"`
	Alpha            bool    `json:"alpha"`
	NotifyUp         *Script `json:"notify_up,omitempty"`
	NotifyDown       *Script `json:"notify_down,omitempty"`
	// Retry, DelayBeforeRetry and Warmup are defaults for the checkers
	// (from the virtual server when not set here); nil leaves each
	// checker its own default.
	Retry            *uint32   `json:"retry,omitempty"`
	DelayBeforeRetry *Duration `json:"delay_before_retry,omitempty"`
	Warmup           *Duration `json:"warmup,omitempty"`
	ConnectTimeout   Duration  `json:"connect_timeout"`
	DelayLoop        Duration  `json:"delay_loop"`
	SMTPAlert        bool      `json:"smtp_alert"`
	Virtualhost      string    `json:"virtualhost,omitempty"`
	SNMPName         string    `json:"snmp_name,omitempty"`

	HTTPGet   []*HTTPCheck `json:"HTTP_GET,omitempty"`
	SSLGet    []*HTTPCheck `json:"SSL_GET,omitempty"`
	TCPCheck  []*TCPCheck  `json:"TCP_CHECK,omitempty"`
	SMTPCheck []*SMTPCheck `json:"SMTP_CHECK,omitempty"`
	DNSCheck  []*DNSCheck  `json:"DNS_CHECK,omitempty"`
	MiscCheck []*MiscCheck `json:"MISC_CHECK,omitempty"`
	UDPCheck  []*UDPCheck  `json:"UDP_CHECK,omitempty"`
	PingCheck []*PingCheck `json:"PING_CHECK,omitempty"`
	FileCheck []*FileCheck `json:"FILE_CHECK,omitempty"`
	BFDCheck  []*BFDCheck  `json:"BFD_CHECK,omitempty"`
	Pos       syntax.Pos   `json:"-"`

	vs             *VirtualServer
	weightSet      bool
	inhibit, alpha *bool
	smtpAlert      *bool
	connectTimeout *Duration
	delayLoop      *Duration
}

// parseRealServer reads a real_server block. A real server with an
// invalid address is skipped with its block; one whose address family
// differs from the virtual server's (unless tunnelled) is dropped.
//
// Syntax:
//
//	real_server IP [PORT] {
//	    weight N
//	    lvs_method NAT|DR|TUN [...]
//	    uthreshold N
//	    lthreshold N
//	    inhibit_on_failure [BOOL]
//	    notify_up SCRIPT [USER [GROUP]]
//	    notify_down SCRIPT [USER [GROUP]]
//	    alpha [BOOL]
//	    retry N
//	    delay_before_retry SECONDS
//	    warmup SECONDS
//	    connect_timeout SECONDS
//	    delay_loop SECONDS
//	    smtp_alert [BOOL]
//	    virtualhost STRING
//	    snmp_name STRING
//	    HTTP_GET|SSL_GET|TCP_CHECK|SMTP_CHECK|DNS_CHECK|MISC_CHECK|UDP_CHECK|PING_CHECK|FILE_CHECK|BFD_CHECK { ... }
//	}
func parseRealServer(p *parser, n *syntax.Node, vs *VirtualServer) {
	if !lvsNeed(p, n) {
		return
	}
	srv, ok := lvsParseServer(n.Words, 1)
	if !ok {
		port := ""
		if len(n.Words) > 2 {
			port = n.Words[2]
		}
		p.errorf(n, KindValue, "Invalid real server ip address/port %s/%s - skipping", n.Words[1], port)
		return
	}
	rs := &RealServer{Addr: srv, Method: vs.Method, Pos: n.Pos, vs: vs}
	parseBlock(p, n.Children, rs, rsTable)
	if rs.Method.Method != "TUN" {
		fam := lvsFamily(srv.Addr)
		switch vs.IPFamily {
		case "":
			vs.IPFamily = fam
		case fam:
		default:
			p.report(blockEnd(n), Error, KindConflict, "Address family of virtual server and real server %s don't match - skipping real server.", srv.Addr)
			return
		}
	}
	vs.RealServers = append(vs.RealServers, rs)
}

var rsTable = table[RealServer]{
	"weight":             kw(parseRSWeight),
	"lvs_method":         kw(func(p *parser, n *syntax.Node, rs *RealServer) { p.lvsMethod(n, &rs.Method, "real") }),
	"uthreshold":         kw(func(p *parser, n *syntax.Node, rs *RealServer) { p.lvsUint32(n, &rs.UThreshold) }),
	"lthreshold":         kw(func(p *parser, n *syntax.Node, rs *RealServer) { p.lvsUint32(n, &rs.LThreshold) }),
	"inhibit_on_failure": kw(func(p *parser, n *syntax.Node, rs *RealServer) { rs.inhibit = p.lvsOptBool(n, rs.inhibit) }),
	"notify_up":          kw(func(p *parser, n *syntax.Node, rs *RealServer) { p.lvsScript(n, &rs.NotifyUp) }),
	"notify_down":        kw(func(p *parser, n *syntax.Node, rs *RealServer) { p.lvsScript(n, &rs.NotifyDown) }),
	"alpha":              kw(func(p *parser, n *syntax.Node, rs *RealServer) { rs.alpha = p.lvsOptBool(n, rs.alpha) }),
	"retry":              kw(func(p *parser, n *syntax.Node, rs *RealServer) { rs.Retry = p.lvsRetry(n, rs.Retry) }),
	"delay_before_retry": kw(func(p *parser, n *syntax.Node, rs *RealServer) {
		rs.DelayBeforeRetry = p.lvsTimerPtr(n, 0, rs.DelayBeforeRetry)
	}),
	"warmup":          kw(func(p *parser, n *syntax.Node, rs *RealServer) { rs.Warmup = p.lvsTimerPtr(n, 0, rs.Warmup) }),
	"connect_timeout": kw(parseRSConnectTimeout),
	"delay_loop":      kw(parseRSDelayLoop),
	"smtp_alert":      kw(func(p *parser, n *syntax.Node, rs *RealServer) { rs.smtpAlert = p.lvsOptBool(n, rs.smtpAlert) }),
	"virtualhost": kw(func(p *parser, n *syntax.Node, rs *RealServer) {
		p.lvsString(n, &rs.Virtualhost, "real server virtualhost missing")
	}),
	"snmp_name":  kw(func(p *parser, n *syntax.Node, rs *RealServer) { p.lvsSNMPName(n, &rs.SNMPName, "real") }),
	"HTTP_GET":   blk(func(p *parser, n *syntax.Node, rs *RealServer) { parseHTTPCheck(p, n, rs, &rs.HTTPGet, httpGetTable) }),
	"SSL_GET":    blk(func(p *parser, n *syntax.Node, rs *RealServer) { parseHTTPCheck(p, n, rs, &rs.SSLGet, sslGetTable) }),
	"TCP_CHECK":  blk(parseTCPCheck),
	"SMTP_CHECK": blk(parseSMTPCheck),
	"DNS_CHECK":  blk(parseDNSCheck),
	"MISC_CHECK": blk(parseMiscCheck),
	"UDP_CHECK":  blk(parseUDPCheck),
	"PING_CHECK": blk(parsePingCheck),
	"FILE_CHECK": blk(parseFileCheck),
	"BFD_CHECK":  blk(parseBFDCheck),
}

// parseRSWeight reads the real server's IPVS weight.
//
// Syntax:
//
//	weight N          # 0..2147483647
func parseRSWeight(p *parser, n *syntax.Node, rs *RealServer) {
	if v, ok := p.uint(n, 1, 0, ipvsWeightLimit); ok {
		rs.Weight, rs.weightSet = int32(v), true
	}
}

// parseRSConnectTimeout reads the default connect_timeout of the real
// server's checkers.
//
// Syntax:
//
//	connect_timeout SECONDS
func parseRSConnectTimeout(p *parser, n *syntax.Node, rs *RealServer) {
	var d Duration
	p.lvsConnectTimeout(n, &d)
	if d != 0 {
		rs.connectTimeout = &d
	}
}

// parseRSDelayLoop reads the default delay_loop of the real server's
// checkers.
//
// Syntax:
//
//	delay_loop SECONDS
func parseRSDelayLoop(p *parser, n *syntax.Node, rs *RealServer) {
	var d Duration
	p.lvsDelayLoop(n, &d)
	if d != 0 {
		rs.delayLoop = &d
	}
}

// lvsUint32 reads an unsigned 32-bit value.
func (p *parser) lvsUint32(n *syntax.Node, dst *uint32) {
	if v, ok := p.uint(n, 1, 0, math.MaxUint32); ok {
		*dst = uint32(v)
	}
}
