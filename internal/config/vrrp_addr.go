package config

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// IPAddress is one ADDR-SPEC entry of virtual_ipaddress,
// virtual_ipaddress_excluded or static_ipaddress
// (keepalived/vrrp/vrrp_ipaddress.c).
//
// Syntax:
//
//	IP[/PREFIX] [dev IF] [brd IP|+|-] [scope SCOPE] [label LABEL] [peer IP]
//	    [home] [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track]
//	    [preferred_lft N|forever] [use_vmac] [track_group G]
type IPAddress struct {
	// Addr is the address with its prefix length (default /32 or /128; with
	// peer, the peer's).
	Addr netip.Prefix `json:"address"`
	// Dev is the interface; empty for a VIP means the instance's
	// interface (or its VMAC). Static addresses default to
	// default_interface.
	Dev       string     `json:"dev,omitempty"`
	Broadcast netip.Addr `json:"broadcast,omitempty,omitzero"`
	Scope     RTScope    `json:"scope,omitempty"`
	Label     string     `json:"label,omitempty"`
	Peer      netip.Addr `json:"peer,omitempty,omitzero"`
	// Flags IFA_F_HOMEADDRESS, IFA_F_NODAD, IFA_F_MANAGETEMPADDR,
	// IFA_F_NOPREFIXROUTE, IFA_F_MCAUTOJOIN.
	Home          bool `json:"home,omitempty"`
	NoDAD         bool `json:"nodad,omitempty"`
	MngTmpAddr    bool `json:"mngtmpaddr,omitempty"`
	NoPrefixRoute bool `json:"noprefixroute,omitempty"`
	AutoJoin      bool `json:"autojoin,omitempty"`
	// NoTrack means that the address disappearing does not put the
	// instance in FAULT state.
	NoTrack bool `json:"no_track,omitempty"`
	// PreferredLft is the preferred lifetime in seconds
	// (VRRPLifetimeForever = forever); nil leaves the kernel default. IPv6
	// addresses default to 0 for /128 (deprecated address) and forever
	// otherwise.
	PreferredLft *uint32 `json:"preferred_lft,omitempty"`
	// UseVMAC puts the address on a VMAC of its interface (VIPs only).
	UseVMAC bool `json:"use_vmac,omitempty"`
	// TrackGroup names a track_group (static addresses only).
	TrackGroup string     `json:"track_group,omitempty"`
	Pos        syntax.Pos `json:"-"`
}

// VRRPLifetimeForever is the "forever" address lifetime.
const VRRPLifetimeForever = 0xFFFFFFFF

// String renders the address as an ADDR-SPEC line.
func (a *IPAddress) String() string {
	var b strings.Builder
	b.WriteString(vrrpAddrString(a.Addr))
	opt := func(kw, v string) {
		if v != "" {
			b.WriteString(" " + kw + " " + v)
		}
	}
	flag := func(kw string, on bool) {
		if on {
			b.WriteString(" " + kw)
		}
	}
	opt("dev", a.Dev)
	if a.Broadcast.IsValid() {
		opt("brd", a.Broadcast.String())
	}
	if a.Scope != RTScopeGlobal {
		opt("scope", a.Scope.String())
	}
	opt("label", a.Label)
	if a.Peer.IsValid() {
		opt("peer", a.Peer.String())
	}
	flag("home", a.Home)
	flag("-nodad", a.NoDAD)
	flag("mngtmpaddr", a.MngTmpAddr)
	flag("noprefixroute", a.NoPrefixRoute)
	flag("autojoin", a.AutoJoin)
	flag("no_track", a.NoTrack)
	flag("use_vmac", a.UseVMAC)
	if a.PreferredLft != nil {
		opt("preferred_lft", vrrpFormatLifetime(*a.PreferredLft))
	}
	opt("track_group", a.TrackGroup)
	return b.String()
}

// vrrpAddrString renders an address as keepalived's ipaddresstos(): the
// prefix length only when it is not the full length.
func vrrpAddrString(pfx netip.Prefix) string {
	if pfx.Bits() == pfx.Addr().BitLen() {
		return pfx.Addr().String()
	}
	return pfx.String()
}

func vrrpFormatLifetime(v uint32) string {
	if v == VRRPLifetimeForever {
		return "forever"
	}
	return strconv.FormatUint(uint64(v), 10)
}

// vrrpParseIP reads an address as keepalived's parse_ipaddress(): the
// family is IPv6 if the word holds a ':'; with allowPrefix a "/LEN" suffix
// is read (a bad length is reported and the full length used).
func (p *parser) vrrpParseIP(n *syntax.Node, s string, allowPrefix bool) (netip.Prefix, bool) {
	six := strings.Contains(s, ":")
	bits := 32
	if six {
		bits = 128
	}
	addr := s
	if allowPrefix {
		if a, l, ok := strings.Cut(s, "/"); ok {
			addr = a
			if v, ok := p.uintWord(n, l, 0, uint64(bits)); ok {
				bits = int(v)
			} else {
				p.errorf(n, KindValue, "Invalid address prefix len %s for address %s - using %d", l, s, bits)
			}
		}
	}
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" || six == a.Is4() {
		p.errorf(n, KindValue, "VRRP parsed invalid IP %s. skipping IP...", s)
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, bits), true
}

// vrrpAddrParser holds the state of one ADDR-SPEC line.
type vrrpAddrParser struct {
	p      *parser
	n      *syntax.Node
	a      *IPAddress
	static bool
	brd    string // "+", "-" or "" (an address was given, or none)
}

// vrrpParseAddress reads an ADDR-SPEC entry (keepalived's
// alloc_ipaddress()). It returns nil when the entry is dropped; the
// problem has then been reported.
func (p *parser) vrrpParseAddress(n *syntax.Node, static bool) *IPAddress {
	pfx, ok := p.vrrpParseIP(n, n.Words[0], true)
	if !ok {
		return nil
	}
	ap := &vrrpAddrParser{p: p, n: n, a: &IPAddress{Addr: pfx, Pos: n.Pos}, static: static}
	w := n.Words
	for i := 1; i < len(w); i++ {
		if vrrpAddrTakesArg(w[i], static) && i+1 >= len(w) {
			p.errorf(n, KindMissing, "No %s parameter specified for %s", w[i], w[0])
			return nil
		}
		next, ok := ap.option(w, i)
		if !ok {
			return nil
		}
		i = next
	}
	if !ap.finish() {
		return nil
	}
	return ap.a
}

func vrrpAddrTakesArg(kw string, static bool) bool {
	switch kw {
	case "dev", "scope", "broadcast", "brd", "label", "peer", "preferred_lft":
		return true
	case "track_group":
		return static
	}
	return false
}

// option handles the option at w[i]; it returns the index of the last
// word used, and false when the address is to be dropped.
func (ap *vrrpAddrParser) option(w []string, i int) (int, bool) {
	p, n, a := ap.p, ap.n, ap.a
	switch kw := w[i]; kw {
	case "dev":
		return i + 1, ap.dev(w[i+1])
	case "scope":
		if v, ok := vrrpRTScopes.lookup(w[i+1]); ok {
			a.Scope = RTScope(v)
		} else {
			p.errorf(n, KindValue, "Invalid scope '%s' specified for %s - ignoring", w[i+1], w[0])
		}
		return i + 1, true
	case "broadcast", "brd":
		return i + 1, ap.broadcast(kw, w[i+1])
	case "label":
		if len(w[i+1]) >= 16 {
			p.errorf(n, KindValue, "Address label %s is longer than maximum length %d - removing address", w[i+1], 15)
			return i + 1, false
		}
		a.Label = w[i+1]
		return i + 1, true
	case "peer":
		ap.peer(w[i+1])
		return i + 1, true
	case "home":
		a.Home = true
	case "-nodad":
		a.NoDAD = true
	case "mngtmpaddr":
		a.MngTmpAddr = true
	case "noprefixroute":
		a.NoPrefixRoute = true
	case "autojoin":
		a.AutoJoin = true
	case "no_track":
		a.NoTrack = true
	case "preferred_lft":
		ap.preferredLft(w[i+1])
		return i + 1, true
	default:
		return ap.other(w, i)
	}
	return i, true
}

// other handles the options that depend on the kind of address.
func (ap *vrrpAddrParser) other(w []string, i int) (int, bool) {
	p, n, a := ap.p, ap.n, ap.a
	switch {
	case ap.static && w[i] == "track_group":
		if a.TrackGroup != "" {
			// keepalived stops reading the line here
			p.errorf(n, KindDuplicate, "track_group %s is a duplicate", w[i+1])
			return len(w), true
		}
		if p.vrrpTrackGroup(w[i+1]) == nil {
			p.errorf(n, KindReference, "track_group %s not found", w[i+1])
		} else {
			a.TrackGroup = w[i+1]
		}
		return i + 1, true
	case !ap.static && w[i] == "use_vmac":
		a.UseVMAC = true
	default:
		p.errorf(n, KindValue, "Unknown configuration entry '%s' for ip address - ignoring", w[i])
	}
	return i, true
}

func (ap *vrrpAddrParser) dev(name string) bool {
	p, n, a := ap.p, ap.n, ap.a
	if a.Dev != "" {
		p.errorf(n, KindDuplicate, "Cannot specify ipaddress device more than once for %s", n.Words[0])
		return false
	}
	if !p.vrrpInterface(name) {
		p.errorf(n, KindInterface, "WARNING - interface %s for ip address %s doesn't exist", name, n.Words[0])
		return false
	}
	a.Dev = name
	return true
}

func (ap *vrrpAddrParser) broadcast(kw, v string) bool {
	p, n, a := ap.p, ap.n, ap.a
	if a.Addr.Addr().Is6() {
		p.errorf(n, KindValue, "VRRP is trying to assign a broadcast %s to the IPv6 address %s !!?? WTF... skipping VIP...", kw, n.Words[0])
		return false
	}
	switch v {
	case "+", "-":
		ap.brd = v
		a.Broadcast = netip.Addr{}
		return true
	}
	b, err := netip.ParseAddr(v)
	if err != nil || !b.Is4() {
		p.errorf(n, KindValue, "VRRP is trying to assign invalid broadcast %s. skipping VIP...", v)
		return false
	}
	ap.brd = ""
	a.Broadcast = b
	return true
}

func (ap *vrrpAddrParser) peer(v string) {
	p, n, a := ap.p, ap.n, ap.a
	if a.Peer.IsValid() {
		p.errorf(n, KindDuplicate, "Peer %s - another peer has already been specified", v)
		return
	}
	pfx, ok := p.vrrpParseIP(n, v, false)
	switch {
	case !ok:
		p.errorf(n, KindValue, "Invalid peer address %s", v)
	case pfx.Addr().Is4() != a.Addr.Addr().Is4():
		p.errorf(n, KindValue, "Peer address %s does not match address family", v)
	default:
		if a.Addr.Bits() != a.Addr.Addr().BitLen() {
			p.errorf(n, KindConflict, "Cannot specify address prefix when specifying peer address - ignoring")
		}
		a.Peer = pfx.Addr()
		a.Addr = netip.PrefixFrom(a.Addr.Addr(), pfx.Bits())
	}
}

func (ap *vrrpAddrParser) preferredLft(v string) {
	if v == "forever" {
		f := uint32(VRRPLifetimeForever)
		ap.a.PreferredLft = &f
		return
	}
	if x, ok := ap.p.uintWord(ap.n, v, 0, 0xFFFFFFFF); ok {
		l := uint32(x)
		ap.a.PreferredLft = &l
		return
	}
	ap.p.errorf(ap.n, KindValue, "preferred_lft %s is invalid", v)
}

// finish applies keepalived's checks once the line is read.
func (ap *vrrpAddrParser) finish() bool {
	p, n, a := ap.p, ap.n, ap.a
	ap.setBroadcast()
	if ap.static && a.Dev == "" {
		a.Dev = p.cfg.Global.DefaultInterface
		if a.Dev == "" || !p.vrrpIfExists(a.Dev) {
			p.report(n.Pos, Fatal, KindInterface, "Static address %s requires either an interface or default interface must exist", n.Words[0])
			return false
		}
	}
	if a.Addr.Addr().Is6() {
		ap.finish6()
	}
	return true
}

func (ap *vrrpAddrParser) setBroadcast() {
	p, n, a := ap.p, ap.n, ap.a
	switch {
	case a.Peer.IsValid() && (a.Broadcast.IsValid() || ap.brd != ""):
		p.errorf(n, KindConflict, "Cannot specify broadcast and peer addresses - ignoring broadcast address")
		a.Broadcast = netip.Addr{}
	case ap.brd != "" && a.Addr.Bits() <= 30:
		a.Broadcast = vrrpBroadcast(a.Addr, ap.brd == "+")
	case ap.brd != "":
		p.errorf(n, KindValue, "Address prefix length %d too long for broadcast", a.Addr.Bits())
	}
}

// vrrpBroadcast sets (brd +) or clears (brd -) the host bits of an IPv4
// prefix.
func vrrpBroadcast(pfx netip.Prefix, set bool) netip.Addr {
	b := pfx.Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	mask := uint32(0xFFFFFFFF) >> pfx.Bits()
	if set {
		v |= mask
	} else {
		v &^= mask
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// finish6 drops what IPv6 addresses cannot have and sets the default
// preferred lifetime.
func (ap *vrrpAddrParser) finish6() {
	p, n, a := ap.p, ap.n, ap.a
	if a.Scope != RTScopeGlobal {
		p.errorf(n, KindConflict, "Cannot specify scope for IPv6 addresses (%s) - ignoring scope", n.Words[0])
		a.Scope = RTScopeGlobal
	}
	if a.Label != "" {
		p.errorf(n, KindConflict, "Cannot specify label for IPv6 addresses (%s) - ignoring label", n.Words[0])
		a.Label = ""
	}
	if a.PreferredLft == nil {
		l := uint32(VRRPLifetimeForever)
		if a.Addr.Bits() == 128 {
			l = 0
		}
		a.PreferredLft = &l
	}
}
