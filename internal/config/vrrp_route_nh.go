package config

import (
	"strconv"
	"strings"
)

// nexthops reads the "nexthop ..." groups that end a route (keepalived's
// parse_nexthops()). A bad nexthop is reported and dropped with the rest
// of the line; the route is kept.
func (rp *vrrpRouteParser) nexthops() {
	for rp.i < len(rp.w) && rp.w[rp.i] == "nexthop" {
		rp.i++
		nh := &IPRouteNexthop{}
		if !rp.nexthop(nh) {
			return
		}
		rp.r.Nexthops = append(rp.r.Nexthops, nh)
	}
	if rp.i < len(rp.w) {
		rp.p.errorf(rp.n, KindValue, "Route has trailing nonsense after nexthops - %s", rp.w[rp.i])
	}
}

// nexthop reads one nexthop's options, leaving rp.i on the first word
// that is not one.
func (rp *vrrpRouteParser) nexthop(nh *IPRouteNexthop) bool {
	for ; rp.i < len(rp.w); rp.i++ {
		ok := true
		switch rp.w[rp.i] {
		case "via":
			ok = rp.nexthopVia(nh)
		case "dev":
			ok = rp.nexthopDev(nh)
		case "weight":
			ok = rp.nexthopWeight(nh)
		case "onlink":
			nh.Onlink = true
		case "encap":
			nh.Encap = rp.encap()
		case "realms":
			ok = rp.nexthopRealms(nh)
		case "as":
			if s, _ := rp.next(); s == "to" {
				rp.i++
			}
			rp.p.errorf(rp.n, KindUnsupported, "'as [to]' (nat) not supported")
			ok = false
		default:
			return true
		}
		if !ok {
			return false
		}
	}
	return true
}

func (rp *vrrpRouteParser) nexthopVia(nh *IPRouteNexthop) bool {
	p, n := rp.p, rp.n
	s, ok := rp.next()
	if !ok {
		return false
	}
	if s == "inet" || s == "inet6" {
		f := map[string]int{"inet": 4, "inet6": 6}[s]
		if rp.r.Family != 0 && rp.r.Family != f {
			p.errorf(n, KindConflict, "IPv4/6 mismatch for nexthop")
			return false
		}
		rp.r.Family = f
		if s, ok = rp.next(); !ok {
			return false
		}
	}
	pfx, ok := p.vrrpParseIP(n, s, false)
	if !ok {
		p.errorf(n, KindValue, "invalid nexthop address %s", s)
		return false
	}
	f := vrrpFamilyOf(pfx.Addr())
	if rp.r.Family != 0 && rp.r.Family != f {
		p.errorf(n, KindConflict, "Address family mismatch for next hop")
		return false
	}
	rp.r.Family, nh.Via = f, pfx.Addr()
	return true
}

func (rp *vrrpRouteParser) nexthopDev(nh *IPRouteNexthop) bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	if !rp.p.vrrpInterface(s) {
		rp.p.errorf(rp.n, KindInterface, "WARNING - interface %s for VROUTE nexthop doesn't exist", s)
		return false
	}
	nh.Dev = s
	return true
}

func (rp *vrrpRouteParser) nexthopWeight(nh *IPRouteNexthop) bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	w, ok := rp.u32(s, 256, "Invalid weight %s specified for route")
	if !ok {
		return false
	}
	if w == 0 {
		rp.p.errorf(rp.n, KindValue, "Invalid weight 0 specified for route")
		return false
	}
	nh.Weight = int(w)
	return true
}

func (rp *vrrpRouteParser) nexthopRealms(nh *IPRouteNexthop) bool {
	s, ok := rp.next()
	if !ok {
		return false
	}
	r, ok := vrrpRealms(s)
	if !ok {
		rp.p.errorf(rp.n, KindValue, "Invalid realms %s for route", s)
		return false
	}
	if rp.r.Family == 6 {
		rp.p.errorf(rp.n, KindConflict, "realms are only supported for IPv4")
		return false
	}
	rp.r.Family, nh.Realms = 4, r
	return true
}

// encap reads "encap TYPE ..." with rp.i on "encap" (keepalived's
// parse_encap()), leaving rp.i on the last word used. A bad encapsulation
// is reported and dropped; the route is kept.
func (rp *vrrpRouteParser) encap() *IPRouteEncap {
	p, n := rp.p, rp.n
	rp.i++
	if rp.i >= len(rp.w) {
		p.errorf(n, KindMissing, "Missing encap type")
		return nil
	}
	e := &IPRouteEncap{Type: rp.w[rp.i]}
	rp.i++
	var ok bool
	switch e.Type {
	case "ip", "ip6":
		ok = rp.encapIP(e)
	case "mpls":
		ok = rp.encapMPLS(e)
	case "ila":
		ok = rp.encapILA(e)
	default:
		// keepalived skips the word after an unknown type
		p.errorf(n, KindValue, "Unknown encap type - %s", e.Type)
		return nil
	}
	rp.i--
	if !ok {
		return nil
	}
	return e
}

// vrrpEncapMsgs are the problems of the ip and ip6 encapsulations.
var vrrpEncapMsgs = map[string]map[string]string{
	"ip": {
		"id": "encap id %s value is invalid", "dst": "Invalid encap ip dst %s", "src": "Invalid encap ip src %s",
		"family": "IPv6 address %s not valid for ip encapsulation", "tos": "dsfield %s not valid for ip encapsulation",
		"ttl": "ttl %s is not valid for ip encapsulation", "flags": "flags %s is not valid for ip encapsulation",
		"missing": "address or id missing for ip encapsulation",
	},
	"ip6": {
		"id": "id %s value invalid for IPv6 encapsulation", "dst": "Invalid encap ip6 dst %s", "src": "Invalid encap ip6 src %s",
		"family": "IPv4 address %s not valid for ip6 encapsulation", "tc": "tc value %s is invalid for ip6 encapsulation",
		"hoplimit": "Invalid hoplimit %s specified for ip6 encapsulation", "flags": "flags %s is not valid for ip6 encapsulation",
		"missing": "address or id missing for ip6 encapsulation",
	},
}

// encapIP reads the KEY VALUE pairs of an ip or ip6 encapsulation.
func (rp *vrrpRouteParser) encapIP(e *IPRouteEncap) bool {
	msgs := vrrpEncapMsgs[e.Type]
	for ; rp.i+1 < len(rp.w); rp.i += 2 {
		key, val := rp.w[rp.i], rp.w[rp.i+1]
		if _, known := msgs[key]; !known || key == "family" || key == "missing" {
			break
		}
		if !rp.encapIPPair(e, msgs, key, val) {
			return false
		}
	}
	if !e.Dst.IsValid() && e.ID == nil {
		rp.p.errorf(rp.n, KindMissing, "%s", msgs["missing"])
		return false
	}
	return true
}

func (rp *vrrpRouteParser) encapIPPair(e *IPRouteEncap, msgs map[string]string, key, val string) bool {
	p, n := rp.p, rp.n
	switch key {
	case "id":
		id, ok := p.vrrpUint64(n, val)
		if !ok {
			p.errorf(n, KindValue, msgs[key], val)
			return false
		}
		e.ID = &id
	case "dst", "src":
		pfx, ok := p.vrrpParseIP(n, val, false)
		if !ok {
			p.errorf(n, KindValue, msgs[key], val)
			return false
		}
		if pfx.Addr().Is4() != (e.Type == "ip") {
			p.errorf(n, KindConflict, msgs["family"], val)
			return false
		}
		if key == "dst" {
			e.Dst = pfx.Addr()
		} else {
			e.Src = pfx.Addr()
		}
	case "tos", "tc":
		t, ok := vrrpRTDSFields.lookup(val)
		if !ok {
			arg := val
			if key == "tc" {
				arg = key // keepalived names the keyword, not the value
			}
			p.errorf(n, KindValue, msgs[key], arg)
			return false
		}
		b := uint8(t)
		e.TOS = &b
	case "ttl", "hoplimit":
		t, ok := rp.u32(val, 255, msgs[key])
		if !ok {
			return false
		}
		b := uint8(t)
		e.TTL = &b
	case "flags":
		f, ok := rp.u32(val, 0xFFFF, msgs[key])
		if !ok {
			return false
		}
		b := uint16(f)
		e.Flags = &b
	}
	return true
}

// encapMPLS reads LABEL[/LABEL...] (each below 2^20).
func (rp *vrrpRouteParser) encapMPLS(e *IPRouteEncap) bool {
	if rp.i >= len(rp.w) {
		rp.p.errorf(rp.n, KindMissing, "missing address for MPLS encapsulation")
		return false
	}
	s := rp.w[rp.i]
	rp.i++
	for _, l := range strings.Split(s, "/") {
		v, ok := vrrpParseCNumber(l)
		if !ok || v >= 1<<20 || len(e.Labels) == 16 {
			rp.p.errorf(rp.n, KindValue, "invalid mpls address %s for encapsulation", s)
			return false
		}
		e.Labels = append(e.Labels, uint32(v))
	}
	return true
}

// encapILA reads the locator, four 16-bit hex groups.
func (rp *vrrpRouteParser) encapILA(e *IPRouteEncap) bool {
	if rp.i >= len(rp.w) {
		rp.p.errorf(rp.n, KindMissing, "missing locator for ILA encapsulation")
		return false
	}
	s := rp.w[rp.i]
	rp.i++
	groups := strings.Split(s, ":")
	ok := len(groups) == 4
	for _, g := range groups {
		if _, err := strconv.ParseUint(g, 16, 16); err != nil || g == "" {
			ok = false
		}
	}
	if !ok {
		rp.p.errorf(rp.n, KindValue, "invalid locator %s for ila encapsulation", s)
		return false
	}
	e.Locator = s
	return true
}

// String renders the encapsulation's words after "encap".
func (e *IPRouteEncap) String() string {
	b := vrrpSpecBuilder{parts: []string{e.Type}}
	switch e.Type {
	case "mpls":
		labels := make([]string, len(e.Labels))
		for i, l := range e.Labels {
			labels[i] = strconv.FormatUint(uint64(l), 10)
		}
		b.word(strings.Join(labels, "/"))
	case "ila":
		b.word(e.Locator)
	default:
		if e.ID != nil {
			b.num("id", *e.ID)
		}
		b.addr("dst", e.Dst)
		b.addr("src", e.Src)
		tos, ttl := "tos", "ttl"
		if e.Type == "ip6" {
			tos, ttl = "tc", "hoplimit"
		}
		if e.TOS != nil {
			b.num(tos, uint64(*e.TOS))
		}
		if e.TTL != nil {
			b.num(ttl, uint64(*e.TTL))
		}
		if e.Flags != nil {
			b.num("flags", uint64(*e.Flags))
		}
	}
	return b.String()
}
