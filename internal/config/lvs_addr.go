package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ServerAddr is the "IP [PORT]" of a real or sorry server. Port 0 means
// none: a fwmark service, or a NAT server of a fwmark service.
type ServerAddr struct {
	Addr netip.Addr `json:"address"`
	Port uint16     `json:"port,omitempty"`
}

// String renders the address as written in keepalived.conf ("IP PORT").
func (a ServerAddr) String() string {
	if a.Port == 0 {
		return a.Addr.String()
	}
	return a.Addr.String() + " " + strconv.Itoa(int(a.Port))
}

// lvsFamily names an address's family as keepalived's ip_family does.
func lvsFamily(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return ""
	case a.Is4():
		return "inet"
	}
	return "inet6"
}

// lvsParseIP reads an address as keepalived's inet_stosockaddr() does: the
// family is IPv6 if the word holds a ':', and anything from the first '-'
// or '/' on (a range or mask) is ignored.
func lvsParseIP(s string) (netip.Addr, bool) {
	v6 := strings.Contains(s, ":")
	if i := strings.IndexAny(s, "-/"); i >= 0 {
		s = s[:i]
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || a.Is4() == v6 {
		return netip.Addr{}, false
	}
	return a, true
}

// lvsParsePort reads a server port: all zeros (or "") means no port,
// otherwise a decimal number in [1, 65535].
func lvsParsePort(s string) (uint16, bool) {
	if strings.Trim(s, "0") == "" {
		return 0, true
	}
	v, err := strconv.ParseUint(s, 10, 16)
	if err != nil || v == 0 {
		return 0, false
	}
	return uint16(v), true
}

// lvsParseServer reads "IP [PORT]" from the words of n starting at i.
func lvsParseServer(words []string, i int) (ServerAddr, bool) {
	port := ""
	if len(words) > i+1 {
		port = words[i+1]
	}
	a, ok := lvsParseIP(words[i])
	p, pok := lvsParsePort(port)
	return ServerAddr{Addr: a, Port: p}, ok && pok
}

// lvsProto is the lower-case protocol name keepalived's messages use.
func lvsProto(proto string) string {
	if proto == "" {
		return "none"
	}
	return strings.ToLower(proto)
}

// lvsTrio formats an address as keepalived's inet_sockaddrtotrio():
// "[IP]:proto:port".
func lvsTrio(a netip.Addr, proto string, port uint16) string {
	s := ""
	if a.IsValid() {
		s = a.String()
	}
	return fmt.Sprintf("[%s]:%s:%d", s, lvsProto(proto), port)
}

// lvsParseInetAton reads an IPv4 address as getaddrinfo(AI_NUMERICHOST)
// does: one to four parts, each decimal, octal (leading 0) or hex (0x),
// the last part filling the remaining bytes ("64" is 0.0.0.64).
func lvsParseInetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var vals []uint64
	for _, part := range parts {
		base, digits := 10, part
		switch {
		case strings.HasPrefix(part, "0x") || strings.HasPrefix(part, "0X"):
			base, digits = 16, part[2:]
		case len(part) > 1 && part[0] == '0':
			base, digits = 8, part[1:]
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil || strings.ContainsAny(digits, "+-_") {
			return netip.Addr{}, false
		}
		vals = append(vals, v)
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*i)
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}
