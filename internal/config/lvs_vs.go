package config

import (
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// ipvsWeightLimit is keepalived's IPVS_WEIGHT_LIMIT (INT_MAX).
const ipvsWeightLimit = math.MaxInt32

// lvsPersistentTimeout is the persistence_timeout keepalived uses when
// one is needed but not given, in seconds (IPVS_SVC_PERSISTENT_TIMEOUT).
const lvsPersistentTimeout = 360

// lvsMaxTimeout is the largest persistence_timeout, in seconds (31 days).
const lvsMaxTimeout = 2678400

// lvsSchedulers are the schedulers keepalived accepts.
var lvsSchedulers = []string{"rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh", "fo", "ovf", "lblcr", "sed", "nq", "twos"}

// VirtualService says which traffic a virtual server receives: an
// address and port, a firewall mark, or the entries of a
// virtual_server_group.
type VirtualService struct {
	Addr     netip.Addr `json:"address,omitzero"`
	Port     uint16     `json:"port,omitempty"`
	IsFwmark bool       `json:"is_fwmark,omitempty"`
	Fwmark   uint32     `json:"fwmark,omitempty"`
	Group    string     `json:"group,omitempty"`
}

// String renders the service as the arguments of virtual_server.
func (s VirtualService) String() string {
	switch {
	case s.Group != "":
		return "group " + quote(s.Group)
	case s.IsFwmark:
		return "fwmark " + strconv.FormatUint(uint64(s.Fwmark), 10)
	}
	return ServerAddr{Addr: s.Addr, Port: s.Port}.String()
}

// VirtualServer is a virtual_server block. After validation every
// default is resolved: the dump shows what keepalived would run.
type VirtualServer struct {
	Service VirtualService `json:"service" dump:"label"`
	// IPFamily is inet or inet6: from the address, ip_family, or the
	// real servers of a fwmark or group service.
	IPFamily string `json:"ip_family"`
	Sched    string `json:"lvs_sched"`
	// Scheduler flags (IP_VS_SVC_F_SCHED1..3; sh-* and mh-* are names
	// for them that only apply to their scheduler).
	Flag1      bool `json:"flag-1,omitempty"`
	Flag2      bool `json:"flag-2,omitempty"`
	Flag3      bool `json:"flag-3,omitempty"`
	SHPort     bool `json:"sh-port,omitempty"`
	SHFallback bool `json:"sh-fallback,omitempty"`
	MHPort     bool `json:"mh-port,omitempty"`
	MHFallback bool `json:"mh-fallback,omitempty"`
	// OPS is one-packet scheduling (UDP only).
	OPS    bool      `json:"ops,omitempty"`
	Method LVSMethod `json:"lvs_method"`
	// PersistenceTimeout is in seconds; 0 means not persistent.
	PersistenceTimeout uint32 `json:"persistence_timeout,omitempty"`
	// PersistenceGranularity is an IPv4 netmask or an IPv6 prefix length.
	PersistenceGranularity string  `json:"persistence_granularity,omitempty"`
	PersistenceEngine      string  `json:"persistence_engine,omitempty"`
	Protocol               string  `json:"protocol,omitempty"` // TCP, UDP or SCTP; none for fwmark services
	HASuspend              bool    `json:"ha_suspend,omitempty"`
	Alpha                  bool    `json:"alpha,omitempty"`
	Omega                  bool    `json:"omega,omitempty"`
	Quorum                 uint32  `json:"quorum"`
	Hysteresis             uint32  `json:"hysteresis"`
	QuorumUp               *Script `json:"quorum_up,omitempty"`
	QuorumDown             *Script `json:"quorum_down,omitempty"`

	SorryServer          *ServerAddr `json:"sorry_server,omitempty"`
	SorryServerInhibit   bool        `json:"sorry_server_inhibit,omitempty"`
	SorryServerLVSMethod *LVSMethod  `json:"sorry_server_lvs_method,omitempty"`

	// Weight is the default weight of the real servers.
	Weight      int32  `json:"weight"`
	Virtualhost string `json:"virtualhost,omitempty"`
	SMTPAlert   bool   `json:"smtp_alert"`
	SNMPName    string `json:"snmp_name,omitempty"`

	DelayLoop      Duration `json:"delay_loop"`
	ConnectTimeout Duration `json:"connect_timeout"`
	// Retry, DelayBeforeRetry and Warmup are defaults for the real
	// servers' checkers; nil leaves each checker its own default.
	Retry            *uint32   `json:"retry,omitempty"`
	DelayBeforeRetry *Duration `json:"delay_before_retry,omitempty"`
	Warmup           *Duration `json:"warmup,omitempty"`
	InhibitOnFailure bool      `json:"inhibit_on_failure,omitempty"`

	RealServers []*RealServer `json:"real_server,omitempty"`
	Pos         syntax.Pos    `json:"-"`

	smtpAlert  *bool      // smtp_alert as configured
	schedPos   syntax.Pos // the lvs_sched line
	group      *VirtualServerGroup
	groupIndex int // place among the virtual servers of its group
}

// parseVirtualServer reads a virtual_server block. A virtual server whose
// address or fwmark is invalid is skipped with its block.
//
// Syntax:
//
//	virtual_server IP [PORT] | fwmark N | group NAME {
//	    lvs_sched rr|wrr|lc|wlc|lblc|sh|mh|dh|fo|ovf|lblcr|sed|nq|twos
//	    lvs_method NAT|DR|TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]
//	    protocol TCP|UDP|SCTP
//	    persistence_timeout [SECONDS]
//	    ...
//	    sorry_server IP [PORT]
//	    real_server IP [PORT] { ... }
//	}
func parseVirtualServer(p *parser, n *syntax.Node, c *Config) {
	if !lvsNeed(p, n) {
		return
	}
	svc, ok := p.lvsService(n)
	if !ok {
		return
	}
	vs := &VirtualServer{
		Service:        svc,
		IPFamily:       lvsFamily(svc.Addr),
		Quorum:         1,
		Weight:         1,
		DelayLoop:      60 * Second,
		ConnectTimeout: 5 * Second,
		Pos:            n.Pos,
	}
	parseBlock(p, n.Children, vs, vsTable)
	p.lvsVSEnd(n, vs)
	c.VirtualServers = append(c.VirtualServers, vs)
}

// lvsService reads the arguments of virtual_server.
func (p *parser) lvsService(n *syntax.Node) (VirtualService, bool) {
	w := n.Words
	switch w[1] {
	case "group":
		if !p.nargs(n, 2, -1) {
			return VirtualService{}, false
		}
		return VirtualService{Group: w[2]}, true
	case "fwmark":
		v, ok := p.uint(n, 2, 0, math.MaxUint32)
		return VirtualService{IsFwmark: true, Fwmark: uint32(v)}, ok
	}
	srv, ok := lvsParseServer(w, 1)
	if !ok {
		what, port := "", ""
		if len(w) > 2 && strings.Trim(w[2], "0") != "" {
			what, port = "/port", "/"+w[2]
		}
		p.errorf(n, KindValue, "Invalid virtual server IP address%s %s%s - skipping", what, w[1], port)
	}
	return VirtualService{Addr: srv.Addr, Port: srv.Port}, ok
}

// lvsVSEnd is keepalived's vs_end_handler(): the sorry server's address
// family must match the virtual server's unless it is tunnelled, and a
// fwmark service takes its family from its servers.
func (p *parser) lvsVSEnd(n *syntax.Node, vs *VirtualServer) {
	if ss := vs.SorryServer; ss != nil && vs.SorryServerLVSMethod.Method != "TUN" {
		fam := lvsFamily(ss.Addr)
		switch vs.IPFamily {
		case "":
			vs.IPFamily = fam
		case fam:
		default:
			p.report(blockEnd(n), Error, KindConflict, "Address family of virtual server and sorry server %s don't match - skipping sorry server.", ss.Addr)
			vs.SorryServer, vs.SorryServerInhibit, vs.SorryServerLVSMethod = nil, false, nil
		}
	}
	if vs.IPFamily != "" || vs.Service.Group != "" {
		return
	}
	// Only tunnelled servers: take their family if they agree, else IPv4.
	fam := ""
	if vs.SorryServer != nil {
		fam = lvsFamily(vs.SorryServer.Addr)
	}
	for _, rs := range vs.RealServers {
		if f := lvsFamily(rs.Addr.Addr); fam == "" {
			fam = f
		} else if f != fam {
			fam = "inet"
			break
		}
	}
	if fam == "" {
		fam = "inet"
	}
	vs.IPFamily = fam
}

var vsTable = table[VirtualServer]{
	"ip_family": kw(parseVSIPFamily),
	"retry":     kw(func(p *parser, n *syntax.Node, vs *VirtualServer) { vs.Retry = p.lvsRetry(n, vs.Retry) }),
	"delay_before_retry": kw(func(p *parser, n *syntax.Node, vs *VirtualServer) {
		vs.DelayBeforeRetry = p.lvsTimerPtr(n, 0, vs.DelayBeforeRetry)
	}),
	"warmup":                  kw(func(p *parser, n *syntax.Node, vs *VirtualServer) { vs.Warmup = p.lvsTimerPtr(n, 0, vs.Warmup) }),
	"connect_timeout":         kw(func(p *parser, n *syntax.Node, vs *VirtualServer) { p.lvsConnectTimeout(n, &vs.ConnectTimeout) }),
	"delay_loop":              kw(func(p *parser, n *syntax.Node, vs *VirtualServer) { p.lvsDelayLoop(n, &vs.DelayLoop) }),
	"inhibit_on_failure":      kw(func(p *parser, n *syntax.Node, vs *VirtualServer) { vs.InhibitOnFailure = lvsFlag(p, n) }),
	"lb_algo":                 kw(parseVSSched),
	"lvs_sched":               kw(parseVSSched),
	"hashed":                  kw(parseVSFlag),
	"ops":                     kw(parseVSFlag),
	"flag-1":                  kw(parseVSFlag),
	"flag-2":                  kw(parseVSFlag),
	"flag-3":                  kw(parseVSFlag),
	"sh-port":                 kw(parseVSFlag),
	"sh-fallback":             kw(parseVSFlag),
	"mh-port":                 kw(parseVSFlag),
	"mh-fallback":             kw(parseVSFlag),
	"lb_kind":                 kw(func(p *parser, n *syntax.Node, vs *VirtualServer) { p.lvsMethod(n, &vs.Method, "virtual") }),
	"lvs_method":              kw(func(p *parser, n *syntax.Node, vs *VirtualServer) { p.lvsMethod(n, &vs.Method, "virtual") }),
	"persistence_engine":      kw(parseVSPersistenceEngine),
	"persistence_timeout":     kw(parseVSPersistenceTimeout),
	"persistence_granularity": kw(parseVSPersistenceGranularity),
	"protocol":                kw(parseVSProtocol),
	"ha_suspend":              kw(func(p *parser, n *syntax.Node, vs *VirtualServer) { vs.HASuspend = lvsFlag(p, n) }),
	"smtp_alert":              kw(func(p *parser, n *syntax.Node, vs *VirtualServer) { vs.smtpAlert = p.lvsOptBool(n, vs.smtpAlert) }),
	"virtualhost": kw(func(p *parser, n *syntax.Node, vs *VirtualServer) {
		p.lvsString(n, &vs.Virtualhost, "virtual server virtualhost missing")
	}),
	"snmp_name":               kw(func(p *parser, n *syntax.Node, vs *VirtualServer) { p.lvsSNMPName(n, &vs.SNMPName, "virtual") }),
	"alpha":                   kw(func(p *parser, n *syntax.Node, vs *VirtualServer) { vs.Alpha = lvsFlag(p, n) }),
	"omega":                   kw(func(p *parser, n *syntax.Node, vs *VirtualServer) { vs.Omega = lvsFlag(p, n) }),
	"quorum_up":               kw(func(p *parser, n *syntax.Node, vs *VirtualServer) { p.lvsScript(n, &vs.QuorumUp) }),
	"quorum_down":             kw(func(p *parser, n *syntax.Node, vs *VirtualServer) { p.lvsScript(n, &vs.QuorumDown) }),
	"quorum":                  kw(parseVSQuorum),
	"hysteresis":              kw(parseVSHysteresis),
	"weight":                  kw(parseVSWeight),
	"sorry_server":            kw(parseVSSorryServer),
	"sorry_server_inhibit":    kw(parseVSSorryInhibit),
	"sorry_server_lvs_method": kw(parseVSSorryMethod),
	"real_server":             blk(parseRealServer),
}

// parseVSIPFamily reads the family of a fwmark or group service; it must
// agree with the servers'.
//
// Syntax:
//
//	ip_family inet|inet6
func parseVSIPFamily(p *parser, n *syntax.Node, vs *VirtualServer) {
	fam, ok := p.oneOf(n, 1, "inet", "inet6")
	switch {
	case !ok:
	case vs.IPFamily != "" && vs.IPFamily != fam:
		p.errorf(n, KindConflict, "Virtual server specified family %s conflicts with server family", fam)
	default:
		vs.IPFamily = fam
	}
}

// parseVSSched reads the IPVS scheduler.
//
// Syntax:
//
//	lvs_sched rr|wrr|lc|wlc|lblc|sh|mh|dh|fo|ovf|lblcr|sed|nq|twos
func parseVSSched(p *parser, n *syntax.Node, vs *VirtualServer) {
	if !lvsNeed(p, n) {
		return
	}
	for _, s := range lvsSchedulers {
		if n.Words[1] == s {
			vs.Sched, vs.schedPos = s, n.Pos
			return
		}
	}
	p.errorf(n, KindValue, "Invalid lvs_scheduler '%s' - ignoring", n.Words[1])
}

// parseVSFlag sets a scheduler flag. sh-* and mh-* only apply to their
// scheduler, which must be set before them: an sh-* flag under mh (or the
// reverse) is ignored silently, as keepalived does. keepalived has no
// flag for hashed: it is checked like an sh-* flag and never set.
//
// Syntax:
//
//	hashed | ops | flag-1 | flag-2 | flag-3 | sh-port | sh-fallback | mh-port | mh-fallback
func parseVSFlag(p *parser, n *syntax.Node, vs *VirtualServer) {
	lvsFlag(p, n)
	flags := map[string]*bool{
		"ops":    &vs.OPS,
		"flag-1": &vs.Flag1, "flag-2": &vs.Flag2, "flag-3": &vs.Flag3,
	}
	if f, ok := flags[n.Keyword()]; ok {
		*f = true
		return
	}
	switch vs.Sched {
	case "sh":
		vs.SHPort = vs.SHPort || n.Keyword() == "sh-port"
		vs.SHFallback = vs.SHFallback || n.Keyword() == "sh-fallback"
	case "mh":
		vs.MHPort = vs.MHPort || n.Keyword() == "mh-port"
		vs.MHFallback = vs.MHFallback || n.Keyword() == "mh-fallback"
	default:
		p.errorf(n, KindConflict, "%s only applies to sh scheduler - ignoring", n.Keyword())
	}
}

// parseVSPersistenceEngine reads the IPVS persistence engine (sip).
//
// Syntax:
//
//	persistence_engine NAME
func parseVSPersistenceEngine(p *parser, n *syntax.Node, vs *VirtualServer) {
	if !lvsNeed(p, n) {
		return
	}
	name := lvsArg(p, n)
	const max = 15 // IP_VS_PENAME_MAXLEN - 1
	if len(name) > max {
		p.errorf(n, KindValue, "persistence_name too long, truncating - %s", name)
		name = name[:max]
	}
	vs.PersistenceEngine = name
}

// parseVSPersistenceTimeout reads the persistence timeout; no value means
// 360 s.
//
// Syntax:
//
//	persistence_timeout [SECONDS]   # 1..2678400
func parseVSPersistenceTimeout(p *parser, n *syntax.Node, vs *VirtualServer) {
	if len(n.Words) < 2 {
		vs.PersistenceTimeout = lvsPersistentTimeout
		return
	}
	if v, ok := p.uint(n, 1, 1, lvsMaxTimeout); ok {
		vs.PersistenceTimeout = uint32(v)
	}
}

// parseVSPersistenceGranularity reads a netmask (IPv4) or prefix length
// (IPv6); the family is the server's, else guessed from a '.' in the
// value. It also makes the service persistent.
//
// Syntax:
//
//	persistence_granularity NETMASK|PREFIXLEN
func parseVSPersistenceGranularity(p *parser, n *syntax.Node, vs *VirtualServer) {
	if !lvsNeed(p, n) {
		return
	}
	s, fam := n.Words[1], vs.IPFamily
	if fam == "" {
		fam = "inet6"
		if containsByte(s, '.') {
			fam = "inet"
		}
	}
	if fam == "inet6" {
		v, ok := p.uint(n, 1, 1, 128)
		if !ok {
			p.errorf(n, KindValue, "Invalid IPv6 persistence_granularity specified - %s", s)
			return
		}
		vs.PersistenceGranularity = strconv.FormatUint(v, 10)
	} else {
		a, ok := lvsParseInetAton(s)
		if !ok {
			p.errorf(n, KindValue, "Invalid IPv4 persistence_granularity specified - %s", s)
			return
		}
		vs.PersistenceGranularity = a.String()
	}
	if vs.IPFamily == "" {
		vs.IPFamily = fam
	}
	if vs.PersistenceTimeout == 0 {
		vs.PersistenceTimeout = lvsPersistentTimeout
	}
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// parseVSProtocol reads the protocol (case-insensitive).
//
// Syntax:
//
//	protocol TCP|UDP|SCTP
func parseVSProtocol(p *parser, n *syntax.Node, vs *VirtualServer) {
	if !lvsNeed(p, n) {
		return
	}
	for _, proto := range []string{"TCP", "UDP", "SCTP"} {
		if equalFoldASCII(n.Words[1], proto) {
			vs.Protocol = proto
			return
		}
	}
	p.errorf(n, KindValue, "Unknown protocol %s - ignoring", n.Words[1])
}

// equalFoldASCII is strcasecmp() == 0.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// parseVSQuorum reads the minimum total weight of live servers; a bad
// value gives 1.
//
// Syntax:
//
//	quorum N
func parseVSQuorum(p *parser, n *syntax.Node, vs *VirtualServer) {
	v, ok := p.uint(n, 1, 1, math.MaxUint32)
	if !ok {
		v = 1
	}
	vs.Quorum = uint32(v)
}

// parseVSHysteresis reads the margin around the quorum.
//
// Syntax:
//
//	hysteresis N
func parseVSHysteresis(p *parser, n *syntax.Node, vs *VirtualServer) {
	if v, ok := p.uint(n, 1, 0, math.MaxUint32); ok {
		vs.Hysteresis = uint32(v)
	}
}

// parseVSWeight reads the default weight of the real servers.
//
// Syntax:
//
//	weight N          # 1..2147483647
func parseVSWeight(p *parser, n *syntax.Node, vs *VirtualServer) {
	if v, ok := p.uint(n, 1, 1, ipvsWeightLimit); ok {
		vs.Weight = int32(v)
	}
}

// parseVSSorryServer reads the sorry server, which takes the virtual
// server's forwarding method as it is at this line.
//
// Syntax:
//
//	sorry_server IP [PORT]
func parseVSSorryServer(p *parser, n *syntax.Node, vs *VirtualServer) {
	if !lvsNeed(p, n) {
		return
	}
	srv, ok := lvsParseServer(n.Words, 1)
	if !ok {
		p.errorf(n, KindValue, "Invalid sorry server IP address %s - skipping", n.Words[1])
		return
	}
	m := vs.Method
	vs.SorryServer, vs.SorryServerInhibit, vs.SorryServerLVSMethod = &srv, false, &m
}

// parseVSSorryInhibit keeps the sorry server with weight 0 instead of
// removing it.
//
// Syntax:
//
//	sorry_server_inhibit
func parseVSSorryInhibit(p *parser, n *syntax.Node, vs *VirtualServer) {
	if vs.SorryServer == nil {
		p.errorf(n, KindConflict, "Ignoring sorry_server inhibit used before or without sorry_server")
		return
	}
	vs.SorryServerInhibit = lvsFlag(p, n)
}

// parseVSSorryMethod reads the sorry server's forwarding method.
//
// Syntax:
//
//	sorry_server_lvs_method NAT|DR|TUN [...]
func parseVSSorryMethod(p *parser, n *syntax.Node, vs *VirtualServer) {
	if vs.SorryServer == nil {
		p.errorf(n, KindConflict, "sorry_server forwarding used without sorry_server")
		return
	}
	p.lvsMethod(n, vs.SorryServerLVSMethod, "sorry")
}
