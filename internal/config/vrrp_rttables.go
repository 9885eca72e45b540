package config

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"sync"
)

// iproute2 name tables (keepalived's lib/rttables.c): numbers given by
// name in addresses, routes and rules. A value is either a number
// (decimal, 0x hex or 0 octal) no larger than the table's maximum, one of
// the built-in names, or a name listed in /etc/iproute2/<file>.

// RTScope is an address or route scope (RT_SCOPE_*); String gives
// iproute2's name where it has one.
type RTScope uint8

// RTTable is a routing table number (RT_TABLE_*); String gives iproute2's
// name where it has one.
type RTTable uint32

// RTProto is a route or rule protocol (RTPROT_*); String gives iproute2's
// name where it has one.
type RTProto uint8

// RTType is a route type (RTN_*); String gives iproute2's name.
type RTType uint8

// Well-known values.
const (
	RTScopeGlobal RTScope = 0
	RTScopeLink   RTScope = 253
	RTScopeHost   RTScope = 254

	RTTableMain RTTable = 254

	RTTypeUnicast RTType = 1

	// RTProtoKeepalived marks the routes and rules keepalived installs and
	// tracks (RTPROT_KEEPALIVED).
	RTProtoKeepalived RTProto = 18
)

// vrrpRTTable describes one iproute2 name table.
type vrrpRTTable struct {
	file     string
	defaults []vrrpRTName
	max      uint64
}

type vrrpRTName struct {
	id   uint64
	name string
}

// The iproute2 tables keepalived reads, with their built-in names.
var (
	vrrpRTScopes = &vrrpRTTable{file: "rt_scopes", max: 255, defaults: []vrrpRTName{
		{0, "global"}, {255, "nowhere"}, {254, "host"}, {253, "link"}, {200, "site"},
	}}
	vrrpRTTables = &vrrpRTTable{file: "rt_tables", max: 0xFFFFFFFF, defaults: []vrrpRTName{
		{253, "default"}, {254, "main"}, {255, "local"},
	}}
	vrrpRTProtos = &vrrpRTTable{file: "rt_protos", max: 255, defaults: []vrrpRTName{
		{0, "none"}, {1, "redirect"}, {2, "kernel"}, {3, "boot"}, {4, "static"},
		{8, "gated"}, {9, "ra"}, {10, "mrt"}, {11, "zebra"}, {12, "bird"},
		{42, "babel"}, {13, "dnrouted"}, {14, "xorp"}, {15, "ntk"}, {16, "dhcp"},
	}}
	vrrpRTDSFields = &vrrpRTTable{file: "rt_dsfield", max: 255}
	vrrpRTRealms   = &vrrpRTTable{file: "rt_realms", max: 255}
	vrrpRTGroups   = &vrrpRTTable{file: "group", max: 0x7FFFFFFF}
)

// vrrpRTTypes are the route types by name; "brd" is an alias.
var vrrpRTTypes = []vrrpRTName{
	{2, "local"}, {10, "nat"}, {3, "broadcast"}, {3, "brd"}, {4, "anycast"},
	{5, "multicast"}, {8, "prohibit"}, {7, "unreachable"}, {6, "blackhole"},
	{11, "xresolve"}, {1, "unicast"}, {9, "throw"},
}

// vrrpRTReadFile reads an iproute2 table file; a variable so that tests
// can supply their own.
var vrrpRTReadFile = func(name string) ([]byte, error) {
	return os.ReadFile("/etc/iproute2/" + name)
}

var vrrpRTCache sync.Map // file name -> []vrrpRTName

// vrrpParseCNumber reads a number as C's strtoul(s, NULL, 0) does for a
// whole word: decimal, 0x hexadecimal or 0 octal.
func vrrpParseCNumber(s string) (uint64, bool) {
	base := 10
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
	case len(s) > 1 && s[0] == '0':
		s, base = s[1:], 8
	}
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	v, err := strconv.ParseUint(s, base, 64)
	return v, err == nil
}

// lookup resolves a name or number.
func (t *vrrpRTTable) lookup(s string) (uint64, bool) {
	if v, ok := vrrpParseCNumber(s); ok {
		return v, v <= t.max
	}
	for _, n := range t.names() {
		if n.name == s {
			return n.id, true
		}
	}
	return 0, false
}

// names returns the built-in names followed by those of the table file.
func (t *vrrpRTTable) names() []vrrpRTName {
	if v, ok := vrrpRTCache.Load(t.file); ok {
		return v.([]vrrpRTName)
	}
	names := append([]vrrpRTName(nil), t.defaults...)
	if data, err := vrrpRTReadFile(t.file); err == nil {
		names = append(names, vrrpParseRTFile(data, t.max)...)
	}
	vrrpRTCache.Store(t.file, names)
	return names
}

// vrrpParseRTFile reads "NUMBER NAME" lines, skipping comments and lines
// of another shape.
func vrrpParseRTFile(data []byte, max uint64) []vrrpRTName {
	var names []vrrpRTName
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		if id, ok := vrrpParseCNumber(f[0]); ok && id <= max {
			names = append(names, vrrpRTName{id, f[1]})
		}
	}
	return names
}

// vrrpRTType resolves a route type name or number (0..255).
func vrrpRTType(s string) (RTType, bool) {
	for _, n := range vrrpRTTypes {
		if n.name == s {
			return RTType(n.id), true
		}
	}
	if v, ok := vrrpParseCNumber(s); ok && v <= 255 {
		return RTType(v), true
	}
	return 0, false
}

func vrrpRTNameOf(defaults []vrrpRTName, id uint64) string {
	for _, n := range defaults {
		if n.id == id {
			return n.name
		}
	}
	return strconv.FormatUint(id, 10)
}

// String gives the scope's iproute2 name, or its number.
func (s RTScope) String() string { return vrrpRTNameOf(vrrpRTScopes.defaults, uint64(s)) }

// String gives the table's iproute2 name, or its number.
func (t RTTable) String() string { return vrrpRTNameOf(vrrpRTTables.defaults, uint64(t)) }

// String gives the protocol's iproute2 name, or its number.
func (p RTProto) String() string {
	if p == RTProtoKeepalived {
		return "keepalived"
	}
	return vrrpRTNameOf(vrrpRTProtos.defaults, uint64(p))
}

// String gives the route type's iproute2 name, or its number.
func (t RTType) String() string { return vrrpRTNameOf(vrrpRTTypes, uint64(t)) }

// vrrpRealms reads "FROM/TO" or "TO" realms into the kernel's u32 form
// (from << 16 | to).
func vrrpRealms(s string) (uint32, bool) {
	from, to, two := strings.Cut(s, "/")
	a, ok := vrrpRTRealms.lookup(from)
	if !ok {
		return 0, false
	}
	if !two {
		return uint32(a), true
	}
	b, ok := vrrpRTRealms.lookup(to)
	if !ok {
		return 0, false
	}
	return uint32(a<<16 | b), true
}

// vrrpFormatRealms renders realms as "FROM/TO" or "TO".
func vrrpFormatRealms(r uint32) string {
	if r>>16 == 0 {
		return strconv.FormatUint(uint64(r), 10)
	}
	return strconv.FormatUint(uint64(r>>16), 10) + "/" + strconv.FormatUint(uint64(r&0xFFFF), 10)
}
