package config

import (
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// VirtualServerGroup is a virtual_server_group block: the addresses,
// address ranges and firewall marks served by "virtual_server group NAME".
type VirtualServerGroup struct {
	Name string `json:"name" dump:"label"`
	// Entries are the group's lines. (The dump prints them in an
	// "entries" block: dump.go cannot yet print a list's entries
	// directly inside their parent's block.)
	Entries []VSGEntry `json:"entries" dump:"inline"`
	Pos     syntax.Pos `json:"-"`
}

// VSGEntry is one line of a virtual_server_group: an address or an
// inclusive address range with an optional port, or a firewall mark.
type VSGEntry struct {
	// Addr is the address, or the first address of a range.
	Addr netip.Addr `json:"address,omitzero"`
	// End is the last address of a range; it equals Addr for a single
	// address.
	End  netip.Addr `json:"end,omitzero"`
	Port uint16     `json:"port,omitempty"`
	// IsFwmark marks a "fwmark N [inet|inet6]" entry.
	IsFwmark bool   `json:"is_fwmark,omitempty"`
	Fwmark   uint32 `json:"fwmark,omitempty"`
	// Family is a fwmark entry's address family: inet, inet6 or "" when
	// not given.
	Family string     `json:"family,omitempty"`
	Pos    syntax.Pos `json:"-"`
}

// String renders the entry as written in keepalived.conf, ranges in their
// full "first-last" form.
func (e VSGEntry) String() string {
	if e.IsFwmark {
		s := "fwmark " + strconv.FormatUint(uint64(e.Fwmark), 10)
		if e.Family != "" {
			s += " " + e.Family
		}
		return s
	}
	s := e.Addr.String()
	if e.End != e.Addr {
		s += "-" + e.End.String()
	}
	if e.Port != 0 {
		s += " " + strconv.Itoa(int(e.Port))
	}
	return s
}

// family is the group's address family: inet or inet6 when all its
// addresses and fwmark families agree, "" when mixed or unknown.
func (g *VirtualServerGroup) family() string {
	v4, v6, _ := g.families()
	switch {
	case v4 == v6:
		return ""
	case v4:
		return "inet"
	}
	return "inet6"
}

// families tells whether the group has IPv4 and IPv6 entries, and fwmark
// entries without a family.
func (g *VirtualServerGroup) families() (v4, v6, fwmarkNoFamily bool) {
	for _, e := range g.Entries {
		fam := e.Family
		if !e.IsFwmark {
			fam = lvsFamily(e.Addr)
		}
		switch fam {
		case "inet":
			v4 = true
		case "inet6":
			v6 = true
		default:
			fwmarkNoFamily = true
		}
	}
	return v4, v6, fwmarkNoFamily
}

// hasFwmarks and hasAddrs tell which kinds of entry the group holds.
func (g *VirtualServerGroup) hasFwmarks() bool { return g.count(true) > 0 }
func (g *VirtualServerGroup) hasAddrs() bool   { return g.count(false) > 0 }

func (g *VirtualServerGroup) count(fwmark bool) int {
	n := 0
	for _, e := range g.Entries {
		if e.IsFwmark == fwmark {
			n++
		}
	}
	return n
}

// parseVirtualServerGroup reads a virtual_server_group block. Bad entries
// are reported and skipped; a group left empty, or holding IPv4 and IPv6
// addresses and a fwmark without family, is removed.
//
// Syntax:
//
//	virtual_server_group NAME {
//	    IP [PORT]
//	    IP-LASTBYTE [PORT]        # 10.0.0.1-10, or the last group of IPv6 in hex
//	    IP-IP [PORT]              # 10.0.0.1-10.0.0.20
//	    IP/PREFIXLEN [PORT]       # host bits must be zero
//	    fwmark N [inet|inet6]
//	}
func parseVirtualServerGroup(p *parser, n *syntax.Node, c *Config) {
	if !lvsNeed(p, n) {
		return
	}
	g := &VirtualServerGroup{Name: n.Words[1], Pos: n.Pos}
	for _, line := range values(n) {
		if e, ok := p.lvsGroupEntry(line, g.Name); ok {
			g.Entries = append(g.Entries, e)
		}
	}
	end := blockEnd(n)
	v4, v6, noFamily := g.families()
	switch {
	case len(g.Entries) == 0:
		p.report(end, Error, KindMissing, "virtual server group %s has no entries - removing", g.Name)
	case v4 && v6 && noFamily:
		p.report(end, Error, KindConflict, "virtual server group %s cannot have IPv4, IPv6 and fwmark without family - removing", g.Name)
	default:
		c.VirtualServerGroups = append(c.VirtualServerGroups, g)
	}
}

// lvsGroupEntry reads one line of a virtual_server_group (keepalived's
// alloc_vsg_entry()).
func (p *parser) lvsGroupEntry(n *syntax.Node, group string) (VSGEntry, bool) {
	if n.Block {
		p.errorf(n, KindSyntax, "Unexpected '{' - ignoring the block after '%s'", n.Keyword())
	}
	if n.Keyword() == "fwmark" {
		return p.lvsGroupFwmark(n, group)
	}
	port := ""
	if len(n.Words) > 1 {
		port = n.Words[1]
	}
	e := VSGEntry{Pos: n.Pos}
	srv, ok := lvsParseServer(n.Words, 0)
	if !ok {
		suffix := ""
		if strings.Trim(port, "0") != "" {
			suffix = "/port/" + port
		}
		p.errorf(n, KindValue, "Invalid virtual server group IP address %s %s - skipping", n.Keyword(), suffix)
		return e, false
	}
	e.Addr, e.End, e.Port = srv.Addr, srv.Addr, srv.Port
	addr := n.Keyword()
	switch {
	case strings.Contains(addr, "/"):
		ok = p.lvsGroupMask(n, &e)
	case strings.Contains(addr, "-"):
		ok = p.lvsGroupRange(n, &e)
	}
	return e, ok
}

// lvsGroupFwmark reads "fwmark N [inet|inet6]".
func (p *parser) lvsGroupFwmark(n *syntax.Node, group string) (VSGEntry, bool) {
	e := VSGEntry{IsFwmark: true, Pos: n.Pos}
	v, ok := p.uint(n, 1, 0, math.MaxUint32)
	if !ok {
		return e, false
	}
	e.Fwmark = uint32(v)
	if len(n.Words) > 2 {
		switch fam := n.Words[2]; fam {
		case "inet", "inet6":
			e.Family = fam
		default:
			p.errorf(n, KindValue, "(%s): fwmark '%d' family %s unknown - ignoring", group, v, fam)
			return e, false
		}
	}
	return e, true
}

// lvsGroupMask reads the "/PREFIXLEN" of a group entry into its range;
// host bits must be zero.
func (p *parser) lvsGroupMask(n *syntax.Node, e *VSGEntry) bool {
	addr := n.Keyword()
	bits, err := strconv.ParseUint(addr[strings.Index(addr, "/")+1:], 10, 8)
	if err != nil || bits == 0 || int(bits) > e.Addr.BitLen() {
		p.errorf(n, KindValue, "Invalid netmask - %s - skipping", addr)
		return false
	}
	pfx := netip.PrefixFrom(e.Addr, int(bits))
	if pfx.Masked().Addr() != e.Addr {
		p.errorf(n, KindValue, "Address mask bits not empty - %s - skipping", addr)
		return false
	}
	e.End = lvsLastAddr(pfx)
	return true
}

// lvsLastAddr returns the last address of a prefix.
func lvsLastAddr(pfx netip.Prefix) netip.Addr {
	b := pfx.Addr().AsSlice()
	for i := pfx.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// lvsGroupRange reads the "-END" of a group entry: a whole address, or
// the new last byte (IPv4, decimal) or last 16-bit group (IPv6, hex).
func (p *parser) lvsGroupRange(n *syntax.Node, e *VSGEntry) bool {
	addr := n.Keyword()
	endStr := addr[strings.Index(addr, "-")+1:]
	sep := "."
	if e.Addr.Is6() {
		sep = ":"
	}
	if strings.Contains(endStr, sep) {
		return p.lvsGroupFullRange(n, e, endStr)
	}
	base, max := 10, uint64(255)
	if e.Addr.Is6() {
		base, max = 16, 0xffff
	}
	v, rest := lvsStrtoul(endStr, base)
	switch {
	case rest != "":
		p.errorf(n, KindValue, "Virtual server group range '%s' has extra characters at end '%s'", addr, rest)
		return false
	case v > max:
		p.errorf(n, KindValue, "Virtual server group range '%s' end '%s' too large", addr, endStr)
		return false
	}
	b := e.Addr.AsSlice()
	var start uint64
	if e.Addr.Is4() {
		start, b[3] = uint64(b[3]), byte(v)
	} else {
		start = uint64(b[14])<<8 | uint64(b[15])
		b[14], b[15] = byte(v>>8), byte(v)
	}
	if start >= v {
		p.errorf(n, KindValue, "Address range end is not greater than address range start - %s - skipping", addr)
		return false
	}
	e.End, _ = netip.AddrFromSlice(b)
	return true
}

// lvsGroupFullRange reads "FIRST-LAST" with LAST a whole address.
func (p *parser) lvsGroupFullRange(n *syntax.Node, e *VSGEntry, endStr string) bool {
	addr := n.Keyword()
	end, ok := lvsParseIP(endStr)
	switch {
	case !ok:
		p.errorf(n, KindValue, "Invalid range end %s - skipping", addr)
		return false
	case end.Is4() != e.Addr.Is4():
		p.errorf(n, KindValue, "Range address families do not match %s - skipping", addr)
		return false
	case end.Less(e.Addr):
		p.errorf(n, KindValue, "Address range end is less than address range start - %s - skipping", addr)
		return false
	}
	e.End = end
	return true
}

// lvsStrtoul reads the leading digits of s in base as strtoul() does,
// returning the value and the unread rest (saturating on overflow).
func lvsStrtoul(s string, base int) (uint64, string) {
	var v uint64
	i := 0
	for ; i < len(s); i++ {
		d, err := strconv.ParseUint(s[i:i+1], base, 8)
		if err != nil {
			break
		}
		if v > (math.MaxUint64-d)/uint64(base) {
			v = math.MaxUint64
			continue
		}
		v = v*uint64(base) + d
	}
	return v, s[i:]
}
