package config

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// IPRoute is one ROUTE-SPEC entry of virtual_routes or static_routes
// (keepalived/vrrp/vrrp_iproute.c), in ip-route(8) syntax.
//
// Syntax:
//
//	[TYPE] [to] DEST[/LEN] [src IP] [from PREFIX] [via|gw [inet|inet6] IP]
//	    [or IP] [dev IF] [table T] [metric|priority|preference N] [scope S]
//	    [protocol P] [tos|dsfield N] [mtu [lock] N] [advmss [lock] N]
//	    [hoplimit N] [rtt [lock] T] [rttvar [lock] T] [reordering [lock] N]
//	    [window N] [cwnd [lock] N] [ssthresh [lock] N] [realms [FROM/]TO]
//	    [rto_min [lock] T] [initcwnd N] [initrwnd N] [features ecn]
//	    [quickack 0|1] [fastopen_no_cookie 0|1] [congctl [lock] NAME]
//	    [pref low|medium|high] [expires N] [ttl-propagate enabled|disabled]
//	    [onlink] [encap mpls|ip|ip6|ila ...] [vrf NAME] [inet|inet6]
//	    [add|append|prepend] [no_track] [track_group G]
//	    [nexthop [via IP] [dev IF] [weight 1..256] [onlink] [realms R] [encap ...]]...
//
// DEST may be default, any or all (default6 is the old spelling of
// "inet6 default").
type IPRoute struct {
	// Family is 4 or 6.
	Family int    `json:"-"`
	Type   RTType `json:"type"`
	// Dest is the destination; a /0 prefix is "default".
	Dest netip.Prefix `json:"to"`
	// Src is the preferred source address (src).
	Src netip.Addr `json:"src,omitempty,omitzero"`
	// From is the source prefix of an IPv6 source route (from).
	From  netip.Prefix `json:"from,omitempty,omitzero"`
	Via   netip.Addr   `json:"via,omitempty,omitzero"`
	Dev   string       `json:"dev,omitempty"`
	VRF   string       `json:"vrf,omitempty"`
	Table RTTable      `json:"table"`
	Scope RTScope      `json:"scope"`
	// Protocol is RTProtoKeepalived for tracked routes.
	Protocol RTProto `json:"protocol"`
	Metric   *uint32 `json:"metric,omitempty"`
	TOS      *uint8  `json:"tos,omitempty"`
	Hoplimit *uint8  `json:"hoplimit,omitempty"`
	// Route metrics (RTAX_*); 0 is unset. RTT is in 1/8 ms, RTTVar in
	// 1/4 ms and RTOMin in ms, the kernel's units.
	MTU        uint32 `json:"mtu,omitempty"`
	AdvMSS     uint32 `json:"advmss,omitempty"`
	RTT        uint32 `json:"rtt,omitempty"`
	RTTVar     uint32 `json:"rttvar,omitempty"`
	Reordering uint32 `json:"reordering,omitempty"`
	Window     uint32 `json:"window,omitempty"`
	Cwnd       uint32 `json:"cwnd,omitempty"`
	Ssthresh   uint32 `json:"ssthresh,omitempty"`
	RTOMin     uint32 `json:"rto_min,omitempty"`
	InitCwnd   uint32 `json:"initcwnd,omitempty"`
	InitRwnd   uint32 `json:"initrwnd,omitempty"`
	// Locked lists the metrics given with "lock".
	Locked           []string `json:"lock,omitempty"`
	Realms           uint32   `json:"realms,omitempty"`
	FeatureECN       bool     `json:"features_ecn,omitempty"`
	QuickAck         *uint8   `json:"quickack,omitempty"`
	FastopenNoCookie *uint8   `json:"fastopen_no_cookie,omitempty"`
	Congctl          string   `json:"congctl,omitempty"`
	// Pref is the IPv6 router preference: 3 low, 0 medium, 1 high.
	Pref         *uint8            `json:"pref,omitempty"`
	Expires      *uint32           `json:"expires,omitempty"`
	TTLPropagate *bool             `json:"ttl_propagate,omitempty"`
	Onlink       bool              `json:"onlink,omitempty"`
	Encap        *IPRouteEncap     `json:"encap,omitempty"`
	Nexthops     []*IPRouteNexthop `json:"nexthop,omitempty"`
	// Mode is how the route is added: "" (prepend, keepalived's
	// default), "add" or "append".
	Mode string `json:"mode,omitempty"`
	// NoTrack means that the route disappearing does not put the
	// instance in FAULT state (set for routes without an interface).
	NoTrack    bool       `json:"no_track,omitempty"`
	TrackGroup string     `json:"track_group,omitempty"`
	Pos        syntax.Pos `json:"-"`

	dest string // the destination as written, for messages
}

// IPRouteNexthop is one nexthop of a multipath route.
type IPRouteNexthop struct {
	Via    netip.Addr    `json:"via,omitempty,omitzero"`
	Dev    string        `json:"dev,omitempty"`
	Weight int           `json:"weight,omitempty"`
	Onlink bool          `json:"onlink,omitempty"`
	Realms uint32        `json:"realms,omitempty"`
	Encap  *IPRouteEncap `json:"encap,omitempty"`
}

// IPRouteEncap is a lightweight tunnel encapsulation.
type IPRouteEncap struct {
	// Type is mpls, ip, ip6 or ila.
	Type string `json:"type"`
	// Labels are the MPLS labels.
	Labels []uint32   `json:"labels,omitempty"`
	ID     *uint64    `json:"id,omitempty"`
	Dst    netip.Addr `json:"dst,omitempty,omitzero"`
	Src    netip.Addr `json:"src,omitempty,omitzero"`
	// TOS is tos (ip) or tc (ip6); TTL is ttl or hoplimit.
	TOS   *uint8  `json:"tos,omitempty"`
	TTL   *uint8  `json:"ttl,omitempty"`
	Flags *uint16 `json:"flags,omitempty"`
	// Locator is the ILA locator (four 16-bit hex groups).
	Locator string `json:"locator,omitempty"`
}

// vrrpRouteParser holds the state of one ROUTE-SPEC line.
type vrrpRouteParser struct {
	vrrpSpecWords
	r      *IPRoute
	static bool
	// protoSet is set when the line gives a protocol.
	protoSet bool
}

// vrrpSpecWords is the word cursor of the ROUTE-SPEC and RULE-SPEC
// parsers: the line's words and the index of the word being read.
type vrrpSpecWords struct {
	p *parser
	n *syntax.Node
	w []string
	i int
}

// next advances to the next word, reporting keepalived's missing
// parameter problem at the end of the line.
func (sw *vrrpSpecWords) next() (string, bool) {
	sw.i++
	if sw.i < len(sw.w) {
		return sw.w[sw.i], true
	}
	sw.p.nargs(sw.n, sw.i, -1)
	return "", false
}

// lookupNext reads the next word as a name or number of an iproute2 table
// (rt_tables, rt_protos, ...); an unknown one is reported with format,
// which takes the word.
func (sw *vrrpSpecWords) lookupNext(t *vrrpRTTable, format string) (uint64, bool) {
	s, ok := sw.next()
	if !ok {
		return 0, false
	}
	v, ok := t.lookup(s)
	if !ok {
		sw.p.errorf(sw.n, KindValue, format, s)
	}
	return v, ok
}

// family records the family of an address of the route; false (after
// reporting msg) if it conflicts with the family already known.
func (rp *vrrpRouteParser) family(f int, msg string, args ...any) bool {
	if rp.r.Family == 0 || rp.r.Family == f {
		rp.r.Family = f
		return true
	}
	rp.p.errorf(rp.n, KindConflict, msg, args...)
	return false
}

// vrrpParseRoute reads a ROUTE-SPEC entry (keepalived's alloc_route()),
// returning nil when it is dropped; the problem has then been reported.
func (p *parser) vrrpParseRoute(n *syntax.Node, static bool) *IPRoute {
	rp := &vrrpRouteParser{vrrpSpecWords: vrrpSpecWords{p: p, n: n, w: n.Words, i: -1}, static: static,
		r: &IPRoute{Table: RTTableMain, Type: RTTypeUnicast, Pos: n.Pos}}
	nexthops, stopped := false, false
	for rp.i+1 < len(rp.w) {
		rp.i++
		if rp.w[rp.i] == "nexthop" {
			if len(rp.r.Nexthops) > 0 {
				p.errorf(n, KindConflict, "Cannot specify nexthops with \"or\" route")
			} else {
				nexthops = true
			}
			stopped = true
			break
		}
		if !rp.option() {
			return nil
		}
	}
	if nexthops {
		rp.nexthops()
	} else if stopped {
		p.errorf(n, KindValue, "Route has trailing nonsense - %s", rp.w[rp.i])
		return nil
	}
	if !rp.finish() {
		return nil
	}
	return rp.r
}

// option handles the word at rp.i; false drops the route.
func (rp *vrrpRouteParser) option() bool {
	if f, ok := vrrpRouteOptions[rp.w[rp.i]]; ok {
		return f(rp)
	}
	if f, ok := vrrpRouteMetrics[rp.w[rp.i]]; ok {
		return rp.metric(f)
	}
	switch w := rp.w[rp.i]; {
	case w == "no_track":
		rp.r.NoTrack = true
		return true
	case rp.static && w == "track_group":
		return rp.trackGroup()
	}
	return rp.dest()
}

// vrrpRouteOptions are the options with their own handling.
var vrrpRouteOptions = map[string]func(rp *vrrpRouteParser) bool{
	"inet":     func(rp *vrrpRouteParser) bool { return rp.inet(4, "inet specified for IPv6 route") },
	"inet6":    func(rp *vrrpRouteParser) bool { return rp.inet(6, "inet6 specified for IPv4 route") },
	"src":      (*vrrpRouteParser).src,
	"as":       (*vrrpRouteParser).as,
	"via":      (*vrrpRouteParser).via,
	"gw":       (*vrrpRouteParser).via,
	"from":     (*vrrpRouteParser).from,
	"tos":      (*vrrpRouteParser).tos,
	"dsfield":  (*vrrpRouteParser).tos,
	"table":    (*vrrpRouteParser).table,
	"protocol": (*vrrpRouteParser).protocol,
	"scope":    (*vrrpRouteParser).scope,
	"dev":      (*vrrpRouteParser).dev,
	"oif":      (*vrrpRouteParser).dev,
	"onlink":   func(rp *vrrpRouteParser) bool { rp.r.Onlink = true; return true },
	"encap": func(rp *vrrpRouteParser) bool {
		rp.r.Encap = rp.encap()
		return true
	},
	"expires":            (*vrrpRouteParser).expires,
	"realms":             (*vrrpRouteParser).realms,
	"features":           (*vrrpRouteParser).features,
	"quickack":           (*vrrpRouteParser).quickack,
	"fastopen_no_cookie": (*vrrpRouteParser).fastopen,
	"congctl":            (*vrrpRouteParser).congctl,
	"pref":               (*vrrpRouteParser).pref,
	"ttl-propagate":      (*vrrpRouteParser).ttlPropagate,
	"metric":             (*vrrpRouteParser).metricKw,
	"priority":           (*vrrpRouteParser).metricKw,
	"preference":         (*vrrpRouteParser).metricKw,
	"hoplimit":           (*vrrpRouteParser).hoplimit,
	"add":                func(rp *vrrpRouteParser) bool { rp.r.Mode = "add"; return true },
	"append":             func(rp *vrrpRouteParser) bool { rp.r.Mode = "append"; return true },
	"prepend":            func(rp *vrrpRouteParser) bool { rp.r.Mode = ""; return true },
	"or":                 (*vrrpRouteParser).or,
	"vrf":                (*vrrpRouteParser).vrf,
}

// vrrpRouteMetric is a u32 route metric: where it is stored, whether it
// takes "lock", and how it is read.
type vrrpRouteMetric struct {
	field func(r *IPRoute) *uint32
	lock  bool
	// rtt is the unit multiplier of a time metric (0 for a plain number).
	rtt    uint32
	errmsg string
}

var vrrpRouteMetrics = map[string]vrrpRouteMetric{
	"mtu":        {func(r *IPRoute) *uint32 { return &r.MTU }, true, 0, "Invalid MTU %s specified for route"},
	"advmss":     {func(r *IPRoute) *uint32 { return &r.AdvMSS }, true, 0, "Invalid advmss %s specified for route"},
	"rtt":        {func(r *IPRoute) *uint32 { return &r.RTT }, true, 8, "Invalid rtt %s for route"},
	"rttvar":     {func(r *IPRoute) *uint32 { return &r.RTTVar }, true, 4, "Invalid rttvar %s for route"},
	"reordering": {func(r *IPRoute) *uint32 { return &r.Reordering }, true, 0, "Invalid reordering value %s specified for route"},
	"window":     {func(r *IPRoute) *uint32 { return &r.Window }, false, 0, "Invalid window value %s specified for route"},
	"cwnd":       {func(r *IPRoute) *uint32 { return &r.Cwnd }, true, 0, "Invalid cwnd value %s specified for route"},
	"ssthresh":   {func(r *IPRoute) *uint32 { return &r.Ssthresh }, true, 0, "Invalid ssthresh value %s specified for route"},
	"rto_min":    {func(r *IPRoute) *uint32 { return &r.RTOMin }, true, 1, "Invalid rto_min value %s specified for route"},
	"initcwnd":   {func(r *IPRoute) *uint32 { return &r.InitCwnd }, false, 0, "Invalid initcwnd value %s specified for route"},
	"initrwnd":   {func(r *IPRoute) *uint32 { return &r.InitRwnd }, false, 0, "Invalid initrwnd value %s specified for route"},
}

// inet handles inet and inet6. Like keepalived (which advances twice),
// it also skips the word that follows: "inet6 default ..." loses its
// destination.
func (rp *vrrpRouteParser) inet(f int, msg string) bool {
	rp.i++
	return rp.family(f, "%s", msg)
}

// metric reads a metric keyword's [lock] VALUE.
func (rp *vrrpRouteParser) metric(m vrrpRouteMetric) bool {
	kw := rp.w[rp.i]
	s, ok := rp.next()
	if !ok {
		return false
	}
	if m.lock && s == "lock" {
		rp.r.Locked = append(rp.r.Locked, kw)
		if s, ok = rp.next(); !ok {
			return false
		}
	}
	var v uint32
	if m.rtt != 0 {
		if v, ok = rp.p.vrrpRTT(rp.n, s, m.rtt); !ok {
			rp.p.errorf(rp.n, KindValue, m.errmsg, s)
			return false
		}
	} else if v, ok = rp.u32(s, 0xFFFFFFFF, m.errmsg); !ok {
		return false
	}
	*m.field(rp.r) = v
	return true
}

// u32 is keepalived's get_u32(): a number in [0, max], reported with
// errmsg when it is not.
func (rp *vrrpRouteParser) u32(s string, max uint64, errmsg string) (uint32, bool) {
	v, ok := rp.p.uintWord(rp.n, s, 0, max)
	if !ok {
		rp.p.errorf(rp.n, KindValue, errmsg, s)
	}
	return uint32(v), ok
}

// vrrpRTT reads a route time (rtt, rttvar, rto_min) as keepalived's
// get_time_rtt(): a raw number in the kernel's units (1/mult ms), or a
// time with an s/sec/secs or ms suffix; values are clamped to
// [200 ms, 120 s] (logged).
func (p *parser) vrrpRTT(n *syntax.Node, s string, mult uint32) (uint32, bool) {
	num, scale := s, uint64(1)
	if i := strings.IndexAny(s, "sS"); i >= 0 {
		suffix := strings.ToLower(s[i:])
		if suffix != "s" && suffix != "sec" && suffix != "secs" {
			return 0, false
		}
		num, scale = s[:i], 1000
		if strings.HasSuffix(strings.ToLower(num), "m") {
			num, scale = num[:len(num)-1], 1
		}
		if num == "" {
			return 0, false
		}
	}
	if strings.ContainsAny(num, "eE") {
		p.infof(n, KindValue, "rtt value exponential form %s no longer supported", s)
		return 0, false
	}
	places := 0
	if scale == 1000 {
		places = 3
	}
	v, _, ok := parseDecimal(num, places)
	if !ok {
		p.errorf(n, KindValue, "invalid number '%s'", num)
		return 0, false
	}
	if scale != 1 || s != num {
		v *= uint64(mult)
	}
	lo, hi := 200*uint64(mult), 120000*uint64(mult)
	switch {
	case v > hi:
		p.infof(n, KindValue, "rtt value %s exceeds maximum %ds, resetting", s, 120)
		v = hi
	case v < lo:
		p.infof(n, KindValue, "rtt value %s below minimum %dms, resetting", s, 200)
		v = lo
	}
	return uint32(v), true
}

func (rp *vrrpRouteParser) src() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	pfx, ok := rp.p.vrrpParseIP(rp.n, s, false)
	if !ok {
		rp.p.errorf(rp.n, KindValue, "invalid route src address %s", s)
		return false
	}
	rp.r.Src = pfx.Addr()
	return rp.family(vrrpFamilyOf(pfx.Addr()), "Cannot mix IPv4 and IPv6 addresses for route")
}

func (rp *vrrpRouteParser) as() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	if s == "to" {
		rp.i++
	}
	rp.p.errorf(rp.n, KindUnsupported, "\"as to\" for MPLS only - ignoring")
	return true
}

func (rp *vrrpRouteParser) via() bool {
	p, n := rp.p, rp.n
	if rp.w[rp.i] == "gw" {
		p.report(n.Pos, Error, KindDeprecated, "\"gw\" for routes is deprecated. Please use \"via\"")
	}
	s, ok := rp.next()
	if !ok {
		return false
	}
	if s == "inet" || s == "inet6" {
		f := 4
		if s == "inet6" {
			f = 6
		}
		if !rp.family(f, "Cannot mix IPv4 and IPv6 addresses for route") {
			return false
		}
		if s, ok = rp.next(); !ok {
			return false
		}
	}
	pfx, ok := p.vrrpParseIP(n, s, false)
	if !ok {
		p.errorf(n, KindValue, "invalid route via address %s", s)
		return false
	}
	rp.r.Via = pfx.Addr()
	return rp.family(vrrpFamilyOf(pfx.Addr()), "Cannot mix IPv4 and IPv6 addresses for route")
}

// vrrpParseRouteDest reads a destination as keepalived's parse_route():
// default, any and all are the /0 prefix of a family not yet known
// (family 0); default6 is the IPv6 one.
func (p *parser) vrrpParseRouteDest(n *syntax.Node, s string) (pfx netip.Prefix, family int, ok bool) {
	switch s {
	case "default", "any", "all":
		return netip.Prefix{}, 0, true
	case "default6":
		p.infof(n, KindDeprecated, "'default6' is deprecated - please replace with 'inet6 default'")
		return netip.PrefixFrom(netip.IPv6Unspecified(), 0), 6, true
	}
	pfx, ok = p.vrrpParseIP(n, s, true)
	if !ok {
		return pfx, 0, false
	}
	return pfx, vrrpFamilyOf(pfx.Addr()), true
}

func (rp *vrrpRouteParser) from() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	pfx, f, ok := rp.p.vrrpParseRouteDest(rp.n, s)
	if !ok {
		rp.p.errorf(rp.n, KindValue, "invalid route from address %s", s)
		return false
	}
	if f != 6 {
		rp.p.errorf(rp.n, KindValue, "route from address only supported with IPv6 (%s)", s)
		return false
	}
	rp.r.From = pfx
	return rp.family(6, "Cannot mix IPv4 and IPv6 addresses for route")
}

func (rp *vrrpRouteParser) tos() bool {
	v, ok := rp.lookupNext(vrrpRTDSFields, "TOS value %s is invalid")
	if !ok {
		return false
	}
	t := uint8(v)
	rp.r.TOS = &t
	return true
}

func (rp *vrrpRouteParser) table() bool {
	v, ok := rp.lookupNext(vrrpRTTables, "Routing table %s not found for route")
	if !ok {
		return false
	}
	rp.r.Table = RTTable(v)
	return true
}

func (rp *vrrpRouteParser) protocol() bool {
	v, ok := rp.lookupNext(vrrpRTProtos, "Protocol %s not found or invalid for route")
	if !ok {
		return false
	}
	rp.r.Protocol, rp.protoSet = RTProto(v), true
	return true
}

func (rp *vrrpRouteParser) scope() bool {
	v, ok := rp.lookupNext(vrrpRTScopes, "Scope %s not found or invalid for route")
	if !ok {
		return false
	}
	rp.r.Scope = RTScope(v)
	return true
}

func (rp *vrrpRouteParser) dev() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	if !rp.p.vrrpInterface(s) {
		rp.p.errorf(rp.n, KindInterface, "WARNING - interface %s for VROUTE nexthop doesn't exist", s)
		return false
	}
	rp.r.Dev = s
	return true
}

func (rp *vrrpRouteParser) expires() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	if rp.r.Family == 4 {
		rp.p.errorf(rp.n, KindConflict, "expires is only valid for IPv6")
		return false
	}
	rp.r.Family = 6
	v, ok := rp.u32(s, 0xFFFFFFFF, "Invalid expires time %s specified for route")
	if ok {
		rp.r.Expires = &v
	}
	return ok
}

func (rp *vrrpRouteParser) realms() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	v, ok := vrrpRealms(s)
	if !ok {
		rp.p.errorf(rp.n, KindValue, "Invalid realms %s for route", s)
		return false
	}
	if rp.r.Family == 6 {
		rp.p.errorf(rp.n, KindConflict, "realms are only valid for IPv4")
		return false
	}
	rp.r.Realms, rp.r.Family = v, 4
	return true
}

func (rp *vrrpRouteParser) features() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	if s == "ecn" {
		rp.r.FeatureECN = true
	} else {
		rp.p.errorf(rp.n, KindValue, "feature %s not supported", s)
	}
	return true
}

func (rp *vrrpRouteParser) quickack() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	v, ok := rp.u32(s, 1, "Invalid quickack value %s specified for route")
	if ok {
		b := uint8(v)
		rp.r.QuickAck = &b
	}
	return ok
}

func (rp *vrrpRouteParser) fastopen() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	v, ok := rp.u32(s, 1, "Invalid fastopen_no_cookie value %s specified for route")
	if ok {
		b := uint8(v)
		rp.r.FastopenNoCookie = &b
	}
	return ok
}

func (rp *vrrpRouteParser) congctl() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	if s == "lock" {
		rp.r.Locked = append(rp.r.Locked, "congctl")
		if s, ok = rp.next(); !ok {
			return false
		}
	}
	rp.r.Congctl = s
	return true
}

func (rp *vrrpRouteParser) pref() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	if rp.r.Family == 4 {
		rp.p.errorf(rp.n, KindConflict, "pref is only valid for IPv6")
		return false
	}
	rp.r.Family = 6
	var v uint8
	switch s {
	case "low":
		v = 3
	case "medium":
		v = 0
	case "high":
		v = 1
	default:
		x, ok := rp.u32(s, 255, "Invalid pref value %s specified for route")
		if !ok {
			return false
		}
		v = uint8(x)
	}
	rp.r.Pref = &v
	return true
}

func (rp *vrrpRouteParser) ttlPropagate() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	var b bool
	switch s {
	case "enabled":
		b = true
	case "disabled":
	default:
		rp.p.errorf(rp.n, KindValue, "%s value %s not recognised", "ttl-propagate", s)
	}
	rp.r.TTLPropagate = &b
	return true
}

func (rp *vrrpRouteParser) metricKw() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	v, ok := rp.u32(s, 0xFFFFFFFF, "Invalid metric %s specified for route")
	if ok {
		rp.r.Metric = &v
	}
	return ok
}

func (rp *vrrpRouteParser) hoplimit() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	v, ok := rp.u32(s, 255, "Invalid hoplimit %s specified for route")
	if ok {
		h := uint8(v)
		rp.r.Hoplimit = &h
	}
	return ok
}

// or is the old form of a two-hop multipath route: the via address and
// this one become the nexthops.
func (rp *vrrpRouteParser) or() bool {
	p, n := rp.p, rp.n
	p.report(n.Pos, Error, KindDeprecated, "\"or\" for routes is deprecated. Please use \"nexthop\"")
	if len(rp.r.Nexthops) > 0 {
		p.errorf(n, KindDuplicate, "\"or\" route already specified - ignoring subsequent")
		rp.i++
		return true
	}
	rp.r.Nexthops = append(rp.r.Nexthops, &IPRouteNexthop{Via: rp.r.Via})
	rp.r.Via = netip.Addr{}
	s, ok := rp.next()
	if !ok {
		return false
	}
	pfx, ok := p.vrrpParseIP(n, s, false)
	if !ok {
		p.errorf(n, KindValue, "Invalid \"or\" address %s", s)
		return false
	}
	rp.r.Nexthops = append(rp.r.Nexthops, &IPRouteNexthop{Via: pfx.Addr()})
	return true
}

func (rp *vrrpRouteParser) vrf() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	if !rp.p.vrrpIfExists(s) {
		rp.p.errorf(rp.n, KindInterface, "VRF %s not found for route", s)
		return false
	}
	rp.r.VRF = s
	return true
}

func (rp *vrrpRouteParser) trackGroup() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	if rp.r.TrackGroup != "" {
		// keepalived stops reading the line here
		rp.p.errorf(rp.n, KindDuplicate, "track_group %s is a duplicate", s)
		rp.i = len(rp.w)
		return true
	}
	if rp.p.vrrpTrackGroup(s) == nil {
		rp.p.errorf(rp.n, KindReference, "track_group %s not found", s)
		return true
	}
	rp.r.TrackGroup = s
	return true
}

// dest reads [TYPE] [to] DEST, the words that are not options.
func (rp *vrrpRouteParser) dest() bool {
	p, n := rp.p, rp.n
	str := rp.w[rp.i]
	if str == "to" {
		rp.i++
	}
	if t, ok := vrrpRTType(str); ok {
		rp.r.Type = t
		rp.i++
	}
	if rp.i >= len(rp.w) {
		p.nargs(n, rp.i, -1)
		return false
	}
	d := rp.w[rp.i]
	pfx, f, ok := p.vrrpParseRouteDest(n, d)
	if !ok {
		p.errorf(n, KindUnknown, "unknown route keyword %s", d)
		return false
	}
	rp.r.Dest, rp.r.dest = pfx, d
	if f == 0 {
		return true
	}
	return rp.family(f, "Cannot mix IPv4 and IPv6 addresses for route (%s)", d)
}

// finish applies keepalived's checks once the line is read.
func (rp *vrrpRouteParser) finish() bool {
	p, n, r := rp.p, rp.n, rp.r
	if r.dest == "" {
		p.errorf(n, KindMissing, "Route must have a destination")
		return false
	}
	if !r.NoTrack {
		if rp.protoSet && r.Protocol != RTProtoKeepalived {
			p.errorf(n, KindConflict, "Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(%d), resetting protocol", RTProtoKeepalived)
		}
		r.Protocol = RTProtoKeepalived
		if r.Dev == "" {
			p.errorf(n, KindConflict, "Warning - cannot track route %s with no interface specified, not tracking", r.dest)
			r.NoTrack = true
		}
	}
	if r.TrackGroup != "" && r.Dev == "" {
		p.errorf(n, KindConflict, "Static route cannot have track group if no oif specified")
		r.TrackGroup = ""
	}
	if r.Family == 0 {
		r.Family = 4
	}
	if !r.Dest.IsValid() {
		r.Dest = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		if r.Family == 6 {
			r.Dest = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		}
	}
	return true
}

// String renders the route as a ROUTE-SPEC line.
func (r *IPRoute) String() string {
	var b vrrpSpecBuilder
	if r.Family == 6 && r.Dest.Bits() == 0 {
		b.flag("inet6", true)
	}
	if r.Type != RTTypeUnicast {
		b.word(r.Type.String())
	}
	if r.Dest.Bits() == 0 {
		b.word("default")
	} else {
		b.word(r.Dest.String())
	}
	b.addr("src", r.Src)
	if r.From.IsValid() {
		b.opt("from", r.From.String())
	}
	b.addr("via", r.Via)
	b.opt("dev", r.Dev)
	b.opt("vrf", r.VRF)
	if r.Table != RTTableMain {
		b.opt("table", r.Table.String())
	}
	if r.Scope != RTScopeGlobal {
		b.opt("scope", r.Scope.String())
	}
	if r.Protocol != 0 {
		b.opt("protocol", r.Protocol.String())
	}
	r.writeMetrics(&b)
	b.flag("onlink", r.Onlink)
	if r.Encap != nil {
		b.opt("encap", r.Encap.String())
	}
	b.opt("", r.Mode)
	b.flag("no_track", r.NoTrack)
	b.opt("track_group", r.TrackGroup)
	for _, nh := range r.Nexthops {
		b.opt("nexthop", nh.String())
	}
	return b.String()
}

// writeMetrics writes the route's metric options.
func (r *IPRoute) writeMetrics(b *vrrpSpecBuilder) {
	b.ptr32("metric", r.Metric)
	if r.TOS != nil {
		b.num("tos", uint64(*r.TOS))
	}
	if r.Hoplimit != nil {
		b.num("hoplimit", uint64(*r.Hoplimit))
	}
	for _, m := range []struct {
		kw string
		v  uint32
	}{{"mtu", r.MTU}, {"advmss", r.AdvMSS}, {"rtt", r.RTT}, {"rttvar", r.RTTVar}, {"reordering", r.Reordering},
		{"window", r.Window}, {"cwnd", r.Cwnd}, {"ssthresh", r.Ssthresh}, {"rto_min", r.RTOMin},
		{"initcwnd", r.InitCwnd}, {"initrwnd", r.InitRwnd}} {
		if m.v != 0 {
			kw := m.kw
			if vrrpContains(r.Locked, m.kw) {
				kw += " lock"
			}
			b.num(kw, uint64(m.v))
		}
	}
	if r.Realms != 0 {
		b.opt("realms", vrrpFormatRealms(r.Realms))
	}
	b.flag("features ecn", r.FeatureECN)
	if r.QuickAck != nil {
		b.num("quickack", uint64(*r.QuickAck))
	}
	if r.FastopenNoCookie != nil {
		b.num("fastopen_no_cookie", uint64(*r.FastopenNoCookie))
	}
	b.opt("congctl", r.Congctl)
	if r.Pref != nil {
		b.num("pref", uint64(*r.Pref))
	}
	b.ptr32("expires", r.Expires)
	if r.TTLPropagate != nil {
		b.opt("ttl-propagate", map[bool]string{true: "enabled", false: "disabled"}[*r.TTLPropagate])
	}
}

// String renders the nexthop's options.
func (nh *IPRouteNexthop) String() string {
	var b vrrpSpecBuilder
	b.addr("via", nh.Via)
	b.opt("dev", nh.Dev)
	if nh.Weight != 0 {
		b.num("weight", uint64(nh.Weight))
	}
	b.flag("onlink", nh.Onlink)
	if nh.Realms != 0 {
		b.opt("realms", vrrpFormatRealms(nh.Realms))
	}
	if nh.Encap != nil {
		b.opt("encap", nh.Encap.String())
	}
	return b.String()
}

// vrrpSpecBuilder writes an option line, one word or keyword-value pair at
// a time.
type vrrpSpecBuilder struct{ parts []string }

func (b *vrrpSpecBuilder) word(w string) { b.parts = append(b.parts, w) }

// opt writes "kw v" (or just v when kw is empty) unless v is empty.
func (b *vrrpSpecBuilder) opt(kw, v string) {
	if v == "" {
		return
	}
	if kw != "" {
		b.parts = append(b.parts, kw)
	}
	b.parts = append(b.parts, v)
}

func (b *vrrpSpecBuilder) flag(kw string, on bool) {
	if on {
		b.parts = append(b.parts, kw)
	}
}

func (b *vrrpSpecBuilder) num(kw string, v uint64) { b.opt(kw, strconv.FormatUint(v, 10)) }

func (b *vrrpSpecBuilder) ptr32(kw string, v *uint32) {
	if v != nil {
		b.num(kw, uint64(*v))
	}
}

func (b *vrrpSpecBuilder) addr(kw string, a netip.Addr) {
	if a.IsValid() {
		b.opt(kw, a.String())
	}
}

func (b *vrrpSpecBuilder) String() string { return strings.Join(b.parts, " ") }

func vrrpContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
