package config

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// IPRule is one RULE-SPEC entry of virtual_rules or static_rules
// (keepalived/vrrp/vrrp_iprule.c), in ip-rule(8) syntax.
//
// Syntax:
//
//	[not] [from PREFIX|all] [to PREFIX|all] [table|lookup T]
//	    [preference|priority|order N] [tos|dsfield N] [fwmark N[/MASK]]
//	    [realms [FROM/]TO] [suppress_prefixlength N] [suppress_ifgroup G]
//	    [iif|dev IF] [oif IF] [tunnel-id N] [uidrange A-B] [l3mdev]
//	    [protocol N] [ipproto P] [sport A[-B]] [dport A[-B]]
//	    [[type] goto N|nop|blackhole|unreachable|prohibit] [inet|inet6]
//	    [no_track] [track_group G]
//
// A rule without a preference gets 16384, 16383, ... (per family), with
// an error, as keepalived does.
type IPRule struct {
	// Family is 4 or 6.
	Family int `json:"-"`
	// From and To are unset when not given; "all" is the /0 prefix.
	From netip.Prefix `json:"from,omitempty,omitzero"`
	To   netip.Prefix `json:"to,omitempty,omitzero"`
	Not  bool         `json:"not,omitempty"`
	// Priority is the rule preference.
	Priority uint32 `json:"preference"`
	// Action is table, goto, nop, blackhole, unreachable or prohibit.
	Action string  `json:"action"`
	Table  RTTable `json:"table,omitempty"`
	Goto   uint32  `json:"goto,omitempty"`
	L3mdev bool    `json:"l3mdev,omitempty"`
	TOS    uint8   `json:"tos,omitempty"`
	FWMark *uint32 `json:"fwmark,omitempty"`
	FWMask *uint32 `json:"fwmask,omitempty"`
	Realms uint32  `json:"realms,omitempty"`
	// SuppressPrefixLength is -1 when unset.
	SuppressPrefixLength int64      `json:"suppress_prefixlength"`
	SuppressIfGroup      *uint32    `json:"suppress_ifgroup,omitempty"`
	IIF                  string     `json:"iif,omitempty"`
	OIF                  string     `json:"oif,omitempty"`
	TunnelID             *uint64    `json:"tunnel-id,omitempty"`
	UIDRange             *VRRPRange `json:"uidrange,omitempty"`
	Protocol             RTProto    `json:"protocol"`
	IPProto              *uint8     `json:"ipproto,omitempty"`
	SPort                *VRRPRange `json:"sport,omitempty"`
	DPort                *VRRPRange `json:"dport,omitempty"`
	NoTrack              bool       `json:"no_track,omitempty"`
	TrackGroup           string     `json:"track_group,omitempty"`
	Pos                  syntax.Pos `json:"-"`
}

// VRRPRange is a range of numbers (uid, port).
type VRRPRange struct {
	Start uint32 `json:"start"`
	End   uint32 `json:"end"`
}

// String renders the range as "START-END".
func (r VRRPRange) String() string {
	return strconv.FormatUint(uint64(r.Start), 10) + "-" + strconv.FormatUint(uint64(r.End), 10)
}

// vrrpRuleParser holds the state of one RULE-SPEC line.
type vrrpRuleParser struct {
	vrrpSpecWords
	r                           *IPRule
	static                      bool
	prioSet, protoSet, tableOpt bool
}

func (rp *vrrpRuleParser) family(f int, msg string) bool {
	if rp.r.Family == 0 || rp.r.Family == f {
		rp.r.Family = f
		return true
	}
	rp.p.errorf(rp.n, KindConflict, "%s", msg)
	return false
}

// setAction records the rule's action; false if it already had one.
func (rp *vrrpRuleParser) setAction(a, msg string) bool {
	if rp.r.Action != "" {
		rp.p.errorf(rp.n, KindConflict, "%s", msg)
		return false
	}
	rp.r.Action = a
	return true
}

// vrrpParseRule reads a RULE-SPEC entry (keepalived's alloc_rule()),
// returning nil when it is dropped; the problem has then been reported.
func (p *parser) vrrpParseRule(n *syntax.Node, static bool) *IPRule {
	rp := &vrrpRuleParser{vrrpSpecWords: vrrpSpecWords{p: p, n: n, w: n.Words, i: -1}, static: static,
		r: &IPRule{SuppressPrefixLength: -1, Pos: n.Pos}}
	for rp.i+1 < len(rp.w) {
		rp.i++
		f, ok := vrrpRuleOptions[rp.w[rp.i]]
		if !ok {
			f = (*vrrpRuleParser).action
		}
		if !f(rp) {
			return nil
		}
	}
	if !rp.finish() {
		return nil
	}
	return rp.r
}

var vrrpRuleOptions = map[string]func(rp *vrrpRuleParser) bool{
	"inet":                  func(rp *vrrpRuleParser) bool { rp.i++; return rp.family(4, "inet specified for IPv6 rule") },
	"inet6":                 func(rp *vrrpRuleParser) bool { rp.i++; return rp.family(6, "inet6 specified for IPv4 rule") },
	"from":                  (*vrrpRuleParser).addr,
	"to":                    (*vrrpRuleParser).addr,
	"table":                 (*vrrpRuleParser).table,
	"lookup":                (*vrrpRuleParser).table,
	"not":                   func(rp *vrrpRuleParser) bool { rp.r.Not = true; return true },
	"preference":            (*vrrpRuleParser).preference,
	"order":                 (*vrrpRuleParser).preference,
	"priority":              (*vrrpRuleParser).preference,
	"tos":                   (*vrrpRuleParser).tos,
	"dsfield":               (*vrrpRuleParser).tos,
	"fwmark":                (*vrrpRuleParser).fwmark,
	"realms":                (*vrrpRuleParser).realms,
	"suppress_prefixlength": (*vrrpRuleParser).suppressPrefix,
	"sup_pl":                (*vrrpRuleParser).suppressPrefix,
	"suppress_ifgroup":      (*vrrpRuleParser).suppressGroup,
	"sup_group":             (*vrrpRuleParser).suppressGroup,
	"dev":                   (*vrrpRuleParser).iface,
	"iif":                   (*vrrpRuleParser).iface,
	"oif":                   (*vrrpRuleParser).iface,
	"tunnel-id":             (*vrrpRuleParser).tunnelID,
	"uidrange":              (*vrrpRuleParser).uidRange,
	"l3mdev":                (*vrrpRuleParser).l3mdev,
	"protocol":              (*vrrpRuleParser).protocol,
	"ipproto":               (*vrrpRuleParser).ipproto,
	"sport":                 (*vrrpRuleParser).port,
	"dport":                 (*vrrpRuleParser).port,
	"no_track":              func(rp *vrrpRuleParser) bool { rp.r.NoTrack = true; return true },
	"track_group":           (*vrrpRuleParser).trackGroup,
}

// addr reads from/to PREFIX|all.
func (rp *vrrpRuleParser) addr() bool {
	kw := rp.w[rp.i]
	s, ok := rp.next()
	if !ok {
		return false
	}
	pfx, f, ok := rp.p.vrrpParseRouteDest(rp.n, s)
	if !ok {
		rp.p.errorf(rp.n, KindValue, "Invalid rule %s address %s", kw, s)
		return false
	}
	if !pfx.IsValid() {
		pfx = netip.PrefixFrom(netip.IPv4Unspecified(), 0) // "all": family set later
	}
	if kw == "from" {
		rp.r.From = pfx
	} else {
		rp.r.To = pfx
	}
	if f == 0 {
		return true
	}
	return rp.family(f, "rule specification has mixed IPv4 and IPv6")
}

func (rp *vrrpRuleParser) table() bool {
	t, ok := rp.lookupNext(vrrpRTTables, "Routing table %s not found for rule")
	switch {
	case !ok:
		return false
	case t == 0:
		rp.p.errorf(rp.n, KindValue, "Table 0 is not valid")
		return false
	}
	rp.r.Table = RTTable(t)
	return rp.setAction("table", "Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable for rule")
}

func (rp *vrrpRuleParser) preference() bool {
	kw := rp.w[rp.i]
	s, ok := rp.next()
	if !ok {
		return false
	}
	v, ok := rp.p.vrrpUintAnyBase(rp.n, s)
	if !ok {
		rp.p.errorf(rp.n, KindValue, "Invalid rule preference %s specified", kw)
		return false
	}
	rp.r.Priority, rp.prioSet = v, true
	return true
}

func (rp *vrrpRuleParser) tos() bool {
	v, ok := rp.lookupNext(vrrpRTDSFields, "TOS value %s is invalid")
	if !ok {
		return false
	}
	rp.r.TOS = uint8(v)
	return true
}

func (rp *vrrpRuleParser) fwmark() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	mark, mask, hasMask := strings.Cut(strings.TrimLeft(s, " \t"), "/")
	m, ok1 := vrrpParseCNumber(mark)
	k, ok2 := vrrpParseCNumber(mask)
	if !ok1 || m > 0xFFFFFFFF || (hasMask && (!ok2 || k > 0xFFFFFFFF)) {
		rp.p.errorf(rp.n, KindValue, "Invalid rule fwmark %s specified", s)
		return false
	}
	m32 := uint32(m)
	rp.r.FWMark = &m32
	if hasMask {
		k32 := uint32(k)
		rp.r.FWMask = &k32
	}
	return true
}

func (rp *vrrpRuleParser) realms() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	v, ok := vrrpRealms(s)
	if !ok {
		rp.p.errorf(rp.n, KindValue, "invalid realms %s for rule", s)
		return false
	}
	rp.r.Realms, rp.tableOpt = v, true
	return rp.family(4, "realms is only valid for IPv4")
}

func (rp *vrrpRuleParser) suppressPrefix() bool {
	kw := rp.w[rp.i]
	s, ok := rp.next()
	if !ok {
		return false
	}
	v, ok := rp.p.uintWord(rp.n, s, 0, 1<<31-1)
	if !ok {
		rp.p.errorf(rp.n, KindValue, "Invalid suppress_prefixlength %s specified", kw)
		return false
	}
	rp.r.SuppressPrefixLength, rp.tableOpt = int64(v), true
	return true
}

func (rp *vrrpRuleParser) suppressGroup() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	g, ok := vrrpRTGroups.lookup(s)
	if !ok {
		rp.p.errorf(rp.n, KindValue, "suppress_group %s is invalid", s)
		return false
	}
	g32 := uint32(g)
	rp.r.SuppressIfGroup, rp.tableOpt = &g32, true
	return true
}

func (rp *vrrpRuleParser) iface() bool {
	kw := rp.w[rp.i]
	s, ok := rp.next()
	if !ok {
		return false
	}
	if !rp.p.vrrpInterface(s) {
		rp.p.errorf(rp.n, KindInterface, "WARNING - interface %s for rule doesn't exist", s)
		return false
	}
	if kw == "oif" {
		rp.r.OIF = s
	} else {
		rp.r.IIF = s
	}
	return true
}

func (rp *vrrpRuleParser) tunnelID() bool {
	kw := rp.w[rp.i]
	s, ok := rp.next()
	if !ok {
		return false
	}
	v, ok := rp.p.vrrpUint64(rp.n, s)
	if !ok {
		rp.p.errorf(rp.n, KindValue, "Invalid tunnel-id %s specified", kw)
		return false
	}
	rp.r.TunnelID = &v
	return true
}

// vrrpScanRange reads "A-B" as sscanf "%u-%u" does: each bound a decimal
// number no larger than max. keepalived rejects a single port ("A"), so
// single is false for ports too (its sport/dport check wants two
// numbers).
func vrrpScanRange(s string, max uint64, single bool) (VRRPRange, bool) {
	a, b, two := strings.Cut(s, "-")
	x, err1 := strconv.ParseUint(a, 10, 64)
	if err1 != nil || x > max {
		return VRRPRange{}, false
	}
	if !two || b == "" {
		return VRRPRange{uint32(x), uint32(x)}, single
	}
	y, err2 := strconv.ParseUint(b, 10, 64)
	if err2 != nil || y > max {
		return VRRPRange{uint32(x), uint32(x)}, single
	}
	return VRRPRange{uint32(x), uint32(y)}, true
}

func (rp *vrrpRuleParser) uidRange() bool {
	kw := rp.w[rp.i]
	s, ok := rp.next()
	if !ok {
		return false
	}
	r, ok := vrrpScanRange(s, 0xFFFFFFFF, false)
	if !ok {
		rp.p.errorf(rp.n, KindValue, "Invalid uidrange %s specified", kw)
		return false
	}
	rp.r.UIDRange = &r
	return true
}

func (rp *vrrpRuleParser) l3mdev() bool {
	rp.r.L3mdev = true
	return rp.setAction("table", "Cannot specify l3mdev with other action")
}

func (rp *vrrpRuleParser) protocol() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	if v, ok := rp.p.uintWord(rp.n, s, 0, 255); ok {
		rp.r.Protocol, rp.protoSet = RTProto(v), true
	} else {
		rp.p.errorf(rp.n, KindValue, "Invalid protocol %s", s)
	}
	return true
}

// vrrpIPProtos are the IP protocol names ipproto accepts besides numbers.
var vrrpIPProtos = map[string]uint8{
	"ip": 0, "icmp": 1, "igmp": 2, "ipip": 4, "tcp": 6, "egp": 8, "pup": 12, "udp": 17, "idp": 22, "tp": 29,
	"dccp": 33, "ipv6": 41, "rsvp": 46, "gre": 47, "esp": 50, "ah": 51, "ipv6-icmp": 58, "icmpv6": 58,
	"mtp": 92, "beetph": 94, "encap": 98, "pim": 103, "comp": 108, "l2tp": 115, "sctp": 132,
	"udplite": 136, "mpls": 137, "ethernet": 143, "raw": 255,
}

func (rp *vrrpRuleParser) ipproto() bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	v, known := vrrpIPProtos[s]
	if !known {
		if x, ok := vrrpParseCNumber(s); ok && x <= 255 {
			v, known = uint8(x), true
		}
	}
	if !known {
		rp.p.errorf(rp.n, KindValue, "Invalid ipproto %s", s)
		return true
	}
	rp.r.IPProto = &v
	return true
}

func (rp *vrrpRuleParser) port() bool {
	kw := rp.w[rp.i]
	s, ok := rp.next()
	if !ok {
		return false
	}
	r, ok := vrrpScanRange(s, 0xFFFF, false)
	if !ok {
		rp.p.errorf(rp.n, KindValue, "invalid %s range %s", kw, s)
		return true
	}
	if kw == "sport" {
		rp.r.SPort = &r
	} else {
		rp.r.DPort = &r
	}
	return true
}

func (rp *vrrpRuleParser) trackGroup() bool {
	if !rp.static {
		return rp.action()
	}
	s, ok := rp.next()
	if !ok {
		return false
	}
	switch {
	case rp.r.TrackGroup != "":
		// keepalived stops reading the line here
		rp.p.errorf(rp.n, KindDuplicate, "track_group %s is a duplicate", s)
		rp.i = len(rp.w)
	case rp.p.vrrpTrackGroup(s) == nil:
		rp.p.errorf(rp.n, KindReference, "track_group %s not found", s)
	default:
		rp.r.TrackGroup = s
	}
	return true
}

// action reads [type] goto N|nop|blackhole|unreachable|prohibit; any other
// word is an unknown option and drops the rule.
func (rp *vrrpRuleParser) action() bool {
	p, n := rp.p, rp.n
	str := rp.w[rp.i]
	if str == "type" {
		var ok bool
		if str, ok = rp.next(); !ok {
			return false
		}
	}
	var act string
	switch t, isType := vrrpRTType(str); {
	case str == "goto":
		s, ok := rp.next()
		if !ok {
			return false
		}
		g, ok := p.uintWord(n, s, 0, 0xFFFFFFFF)
		if !ok {
			p.errorf(n, KindValue, "Invalid target %s specified", str)
			return false
		}
		rp.r.Goto, act = uint32(g), "goto"
	case str == "nop":
		act = "nop"
	case isType && (t == 6 || t == 7 || t == 8):
		act = t.String()
	case isType:
		p.errorf(n, KindValue, "Invalid rule action %s", str)
		return false
	default:
		p.errorf(n, KindUnknown, "Unknown rule option %s", str)
		return false
	}
	return rp.setAction(act, "Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule")
}

// finish applies keepalived's checks once the line is read.
func (rp *vrrpRuleParser) finish() bool {
	p, n, r := rp.p, rp.n, rp.r
	switch {
	case r.Action == "goto" && !rp.prioSet:
		p.errorf(n, KindMissing, "Invalid rule - goto target %d specified without preference", r.Goto)
		return false
	case r.Action == "goto" && r.Priority >= r.Goto:
		p.errorf(n, KindValue, "Invalid rule - preference %d >= goto target %d", r.Priority, r.Goto)
		return false
	case r.Action == "":
		p.errorf(n, KindMissing, "No action specified for rule - ignoring")
		return false
	case r.Action != "table" && rp.tableOpt:
		p.errorf(n, KindConflict, "suppressor/realm specified for non table action - skipping")
		return false
	case r.Table != 0 && r.L3mdev:
		p.errorf(n, KindConflict, "table cannot be specified for l3mdev rules")
		return false
	}
	if !r.NoTrack {
		if rp.protoSet && r.Protocol != RTProtoKeepalived {
			p.errorf(n, KindConflict, "Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(%d), resetting protocol", RTProtoKeepalived)
		}
		r.Protocol = RTProtoKeepalived
	}
	if r.TrackGroup != "" && r.IIF == "" {
		p.errorf(n, KindConflict, "Static rule cannot have track_group if dev/iif not specified")
		r.TrackGroup = ""
	}
	rp.finishFamily()
	if !rp.prioSet {
		rp.autoPriority()
	}
	return true
}

// finishFamily defaults the family to IPv4 and gives "all" prefixes the
// rule's family.
func (rp *vrrpRuleParser) finishFamily() {
	r := rp.r
	if r.Family == 0 {
		r.Family = 4
	}
	for _, pfx := range []*netip.Prefix{&r.From, &r.To} {
		if pfx.IsValid() && pfx.Bits() == 0 && r.Family == 6 {
			*pfx = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		}
	}
}

// autoPriority gives the rule the next free preference of its family.
func (rp *vrrpRuleParser) autoPriority() {
	i := 0
	if rp.r.Family == 6 {
		i = 1
	}
	st := &rp.p.cfg.vrrpState
	rp.r.Priority = vrrpRuleStartPriority - st.autoRulePrios[i]
	st.autoRulePrios[i]++
	rp.p.errorf(rp.n, KindMissing, "Rule has no preference specified - setting to %d. This is probably not what you want.", rp.r.Priority)
}

// String renders the rule as a RULE-SPEC line.
func (r *IPRule) String() string {
	var b vrrpSpecBuilder
	if r.Family == 6 {
		b.word("inet6")
	}
	b.flag("not", r.Not)
	b.opt("from", vrrpRulePrefix(r.From))
	b.opt("to", vrrpRulePrefix(r.To))
	b.num("preference", uint64(r.Priority))
	switch r.Action {
	case "table":
		if r.Table != 0 {
			b.opt("table", r.Table.String())
		}
	case "goto":
		b.num("goto", uint64(r.Goto))
	default:
		b.word(r.Action)
	}
	b.flag("l3mdev", r.L3mdev)
	r.writeSelectors(&b)
	b.flag("no_track", r.NoTrack)
	b.opt("track_group", r.TrackGroup)
	return b.String()
}

// writeSelectors writes the rule's selectors.
func (r *IPRule) writeSelectors(b *vrrpSpecBuilder) {
	if r.TOS != 0 {
		b.num("tos", uint64(r.TOS))
	}
	if r.FWMark != nil {
		m := strconv.FormatUint(uint64(*r.FWMark), 10)
		if r.FWMask != nil {
			m += "/" + strconv.FormatUint(uint64(*r.FWMask), 10)
		}
		b.opt("fwmark", m)
	}
	if r.Realms != 0 {
		b.opt("realms", vrrpFormatRealms(r.Realms))
	}
	if r.SuppressPrefixLength >= 0 {
		b.num("suppress_prefixlength", uint64(r.SuppressPrefixLength))
	}
	if r.SuppressIfGroup != nil {
		b.num("suppress_ifgroup", uint64(*r.SuppressIfGroup))
	}
	b.opt("iif", r.IIF)
	b.opt("oif", r.OIF)
	if r.TunnelID != nil {
		b.num("tunnel-id", *r.TunnelID)
	}
	if r.UIDRange != nil {
		b.opt("uidrange", r.UIDRange.String())
	}
	if r.Protocol != 0 {
		b.num("protocol", uint64(r.Protocol))
	}
	if r.IPProto != nil {
		b.num("ipproto", uint64(*r.IPProto))
	}
	if r.SPort != nil {
		b.opt("sport", r.SPort.String())
	}
	if r.DPort != nil {
		b.opt("dport", r.DPort.String())
	}
}

// vrrpRulePrefix renders a rule selector prefix ("all" for /0).
func vrrpRulePrefix(p netip.Prefix) string {
	switch {
	case !p.IsValid():
		return ""
	case p.Bits() == 0:
		return "all"
	}
	return p.String()
}
