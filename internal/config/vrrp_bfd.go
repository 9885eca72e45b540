package config

import (
	"net/netip"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// BFDInstance is a bfd_instance block (keepalived/bfd/bfd_parser.c): a BFD
// session (RFC 5880) run by the BFD child, tracked by VRRP instances
// (track_bfd) and real servers (BFD_CHECK).
type BFDInstance struct {
	Name       string     `json:"name" dump:"label"`
	NeighborIP netip.Addr `json:"neighbor_ip,omitempty,omitzero"`
	SourceIP   netip.Addr `json:"source_ip,omitempty,omitzero"`
	// MinRx, MinTx and IdleTx are the intervals (default 10 ms, 10 ms,
	// 1 s), written in milliseconds.
	MinRx      BFDInterval `json:"min_rx"`
	MinTx      BFDInterval `json:"min_tx"`
	IdleTx     BFDInterval `json:"idle_tx"`
	Multiplier int         `json:"multiplier"`
	Passive    bool        `json:"passive,omitempty"`
	// TTL is the TTL or hop limit sent (default 255 for IPv4, 64 for IPv6).
	TTL int `json:"ttl"`
	// MaxHops is the number of hops accepted (-1..255; 0 = only direct).
	MaxHops  int  `json:"max_hops"`
	Multihop bool `json:"multihop,omitempty"`
	// Weight is the default weight of the track_bfd entries (-253..253).
	Weight TrackWeight `json:"weight"`
	// VRRP and Checker say which children get the session's events
	// (default both).
	VRRP    bool `json:"vrrp"`
	Checker bool `json:"checker"`
	// Disabled is set when keepalived's BFD child drops the session (no
	// or bad neighbour); VRRP instances may still track it by name.
	Disabled bool       `json:"disabled,omitempty"`
	Pos      syntax.Pos `json:"-"`

	neighbor string // "neighbor" (or "neighbour") in messages
	skip     bool   // ignore the rest of the block
}

// BFDInterval is a BFD interval, written in keepalived.conf as
// milliseconds with up to 3 decimals.
type BFDInterval Duration

// Duration returns the interval as a Duration.
func (b BFDInterval) Duration() Duration { return Duration(b) }

// String renders the interval in milliseconds ("10", "0.5").
func (b BFDInterval) String() string {
	return strings.TrimSuffix(strings.TrimRight(formatDecimal(uint64(b/BFDInterval(Microsecond)), 3), "0"), ".")
}

// MarshalText renders the interval as String does.
func (b BFDInterval) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// vrrpFindBFD returns the bfd_instance called name, or nil.
func (s *VRRPSection) vrrpFindBFD(name string) *BFDInstance {
	for _, b := range s.BFDInstances {
		if b.Name == name {
			return b
		}
	}
	return nil
}

// parseBFDInstance reads a bfd_instance block.
//
// Syntax:
//
//	bfd_instance NAME {
//	    neighbor_ip IP          (or neighbour_ip)
//	    source_ip IP
//	    min_rx MS
//	    min_tx MS
//	    idle_tx MS
//	    multiplier 1..255
//	    passive
//	    ttl 1..255              (or hoplimit)
//	    max_hops -1..255
//	    multihop [BOOL]
//	    weight -253..253 [reverse]
//	    vrrp
//	    checker
//	}
func parseBFDInstance(p *parser, n *syntax.Node, c *Config) {
	name, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	if len(name) >= 32 {
		p.errorf(n, KindValue, "Configuration error: BFD instance %s name too long (maximum length is %d characters) - ignoring", name, 31)
		return
	}
	if c.vrrpFindBFD(name) != nil {
		p.errorf(n, KindDuplicate, "Configuration error: BFD instance %s already configured - ignoring", name)
		return
	}
	b := &BFDInstance{Name: name, MinRx: BFDInterval(10 * Millisecond), MinTx: BFDInterval(10 * Millisecond), IdleTx: BFDInterval(Second),
		Multiplier: 5, neighbor: "neighbor", Pos: n.Pos}
	c.BFDInstances = append(c.BFDInstances, b)
	for _, k := range n.Children {
		if b.skip {
			break
		}
		parseBlock(p, []*syntax.Node{k}, b, vrrpBFDTable)
	}
	if !b.Disabled {
		p.vrrpBFDEnd(n, b)
	}
}

var vrrpBFDTable = table[BFDInstance]{
	"neighbor_ip":  kw(vrrpBFDNeighbor),
	"neighbour_ip": kw(vrrpBFDNeighbor),
	"source_ip": kw(func(p *parser, n *syntax.Node, b *BFDInstance) {
		s, ok := p.vrrpArg(n, 1)
		if !ok {
			return
		}
		if a, ok := vrrpSockAddr(s); ok {
			b.SourceIP = a
		} else {
			p.errorf(n, KindValue, "Configuration error: BFD instance %s has malformed source address %s, ignoring", b.Name, s)
		}
	}),
	"min_rx":  kw(vrrpBFDInterval),
	"min_tx":  kw(vrrpBFDInterval),
	"idle_tx": kw(vrrpBFDInterval),
	"multiplier": kw(func(p *parser, n *syntax.Node, b *BFDInstance) {
		if v, ok := p.vrrpBFDUint(n, b, 1, 255, "multiplier value %[2]s not valid (must be in range [1-255])"); ok {
			b.Multiplier = v
		}
	}),
	"passive":  kw(func(p *parser, n *syntax.Node, b *BFDInstance) { b.Passive = true }),
	"ttl":      kw(vrrpBFDTTL),
	"hoplimit": kw(vrrpBFDTTL),
	"max_hops": kw(func(p *parser, n *syntax.Node, b *BFDInstance) {
		s, ok := p.vrrpArg(n, 1)
		if !ok {
			return
		}
		if v, ok := p.intWord(n, s, -1, 255); ok {
			b.MaxHops = int(v)
		} else {
			p.errorf(n, KindValue, "Configuration error: BFD instance %s max_hops value %s not valid (must be in range [-1-255]), ignoring", b.Name, s)
		}
	}),
	"multihop": kw(func(p *parser, n *syntax.Node, b *BFDInstance) {
		v, ok := vrrpBool(n)
		if !ok {
			p.errorf(n, KindValue, "Configuration error: BFD instance %s multihop setting not valid - %s", b.Name, n.Words[1])
			return
		}
		b.Multihop = v
	}),
	"weight":  kw(vrrpBFDWeight),
	"vrrp":    kw(func(p *parser, n *syntax.Node, b *BFDInstance) { b.VRRP = true }),
	"checker": kw(func(p *parser, n *syntax.Node, b *BFDInstance) { b.Checker = true }),
}

func vrrpBFDNeighbor(p *parser, n *syntax.Node, b *BFDInstance) {
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	if s == "neighbour_ip" {
		// keepalived tests the value, not the keyword, for its spelling
		b.neighbor = "neighbour"
	}
	a, ok := vrrpSockAddr(s)
	if !ok {
		p.errorf(n, KindValue, "Configuration error: BFD instance %s has malformed %s address %s, ignoring instance", b.Name, b.neighbor, s)
		b.Disabled, b.skip = true, true
		return
	}
	b.NeighborIP = a
}

// vrrpBFDUint reads an unsigned value; msg takes the instance name and the
// word and is prefixed by keepalived's "Configuration error: BFD instance".
func (p *parser) vrrpBFDUint(n *syntax.Node, b *BFDInstance, lo, hi uint64, msg string) (int, bool) {
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return 0, false
	}
	v, ok := p.uintWord(n, s, lo, hi)
	if !ok {
		p.errorf(n, KindValue, "Configuration error: BFD instance %[1]s "+msg+", ignoring", b.Name, s)
	}
	return int(v), ok
}

func vrrpBFDTTL(p *parser, n *syntax.Node, b *BFDInstance) {
	if v, ok := p.vrrpBFDUint(n, b, 1, 255, "ttl/hoplimit value %[2]s not valid (must be in range [1-255])"); ok {
		b.TTL = v
	}
}

// vrrpBFDInterval reads min_rx, min_tx and idle_tx: milliseconds with up
// to 3 decimals.
func vrrpBFDInterval(p *parser, n *syntax.Node, b *BFDInstance) {
	kw := n.Keyword()
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	lo := uint64(1000)
	if kw == "idle_tx" {
		lo = 1000 * 1000
	}
	const maxMs = 0xFFFFFFFF / 1000
	v, ok := p.decimal(n, 1, 3, lo, maxMs*1000)
	if !ok {
		p.errorf(n, KindValue, "Configuration error: BFD instance %s %s value %s is not valid (must be in range [%d-%d]), ignoring", b.Name, kw, s, lo/1000, maxMs)
		return
	}
	if v > 10000*1000 {
		p.infof(n, KindValue, "Configuration warning: BFD instance %s %s value %s is larger than max sensible (%d)", b.Name, kw, s, 10000)
	}
	d := BFDInterval(v) * BFDInterval(Microsecond)
	switch kw {
	case "min_rx":
		b.MinRx = d
	case "min_tx":
		b.MinTx = d
	default:
		b.IdleTx = d
	}
}

func vrrpBFDWeight(p *parser, n *syntax.Node, b *BFDInstance) {
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	if v, ok := p.intWord(n, s, -253, 253); ok {
		b.Weight.Value = int(v)
	} else {
		p.errorf(n, KindValue, "Configuration error: BFD instance %s weight value %s not valid (must be in range [%d-%d]), ignoring", b.Name, s, -253, 253)
	}
	if len(n.Words) >= 3 {
		if n.Words[2] == "reverse" {
			b.Weight.Reverse = true
		} else {
			p.errorf(n, KindUnknown, "Configuration error: BFD instance %s unknown weight option %s", b.Name, n.Words[2])
		}
	}
}

// vrrpBFDEnd is the BFD child's bfd_end_handler(): the checks made when
// the block closes.
func (p *parser) vrrpBFDEnd(n *syntax.Node, b *BFDInstance) {
	end := vrrpEndPos(n)
	if !b.VRRP && !b.Checker {
		b.VRRP, b.Checker = true, true
	}
	switch {
	case !b.NeighborIP.IsValid():
		p.report(end, Error, KindMissing, "Configuration error: BFD instance %s has no %s address set, disabling instance", b.Name, b.neighbor)
		b.Disabled = true
		return
	case b.SourceIP.IsValid() && b.SourceIP.Is4() != b.NeighborIP.Is4():
		p.report(end, Error, KindConflict, "Configuration error: BFD instance %s source address %s and %s address %s are not of the same family, disabling instance", b.Name, b.SourceIP, b.neighbor, b.NeighborIP)
		b.Disabled = true
		return
	}
	if o := p.vrrpBFDSameAddr(b); o != nil {
		if b.SourceIP.IsValid() {
			p.report(end, Error, KindDuplicate, "Configuration error: BFD instance %s has duplicate source/%s address %s/%s, ignoring instance", b.Name, b.neighbor, b.SourceIP, b.NeighborIP)
		} else {
			p.report(end, Error, KindDuplicate, "Configuration error: BFD instance %s has duplicate %s address %s, ignoring instance", b.Name, b.neighbor, b.NeighborIP)
		}
		b.Disabled = true
		return
	}
	if b.TTL == 0 {
		b.TTL = 255
		if b.NeighborIP.Is6() {
			b.TTL = 64
		}
	}
	if b.MaxHops > b.TTL {
		p.report(end, Error, KindConflict, "BFD instance %s: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit", b.Name)
		b.MaxHops = b.TTL
	}
}

// vrrpBFDSameAddr returns an earlier session with the same neighbour and
// source addresses.
func (p *parser) vrrpBFDSameAddr(b *BFDInstance) *BFDInstance {
	for _, o := range p.cfg.BFDInstances {
		if o != b && !o.Disabled && o.NeighborIP == b.NeighborIP && o.SourceIP == b.SourceIP {
			return o
		}
	}
	return nil
}
