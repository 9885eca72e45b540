package lvs

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// VSID names one virtual_server block: its service (address and port,
// fwmark or group) and protocol. Index tells apart blocks that share both
// (keepalived accepts them); it is 0 for the first.
type VSID struct {
	Service  config.VirtualService
	Protocol string
	Index    int
}

// IDs returns the VSID of each virtual server, in order.
func IDs(vss []*config.VirtualServer) []VSID {
	seen := map[VSID]int{}
	ids := make([]VSID, len(vss))
	for i, vs := range vss {
		id := VSID{Service: vs.Service, Protocol: vs.Protocol}
		n := seen[id]
		seen[id] = n + 1
		id.Index = n
		ids[i] = id
	}
	return ids
}

// RSKey returns the key of a real server as the dataplane knows it
// within a service given by address (a group entry may replace the port).
func RSKey(rs *config.RealServer) DestKey {
	return DestKey{Addr: rs.Addr.Addr, Port: rs.Addr.Port}
}

// protocolOf maps the config's protocol name; fwmark services have none.
func protocolOf(name string) Protocol {
	switch name {
	case "TCP":
		return TCP
	case "UDP":
		return UDP
	case "SCTP":
		return SCTP
	}
	return 0
}

func familyOf(name string) int {
	if name == "inet6" {
		return 6
	}
	return 4
}

// methodOf maps lvs_method to the contract's forwarding method and tunnel.
func methodOf(m config.LVSMethod) (Method, Tunnel) {
	switch m.Method {
	case "DR":
		return DR, Tunnel{}
	case "TUN":
		return TUN, Tunnel{Type: m.TunnelType, Port: m.TunnelPort, Flags: m.TunnelCsum}
	}
	return NAT, Tunnel{}
}

// netmaskOf turns persistence_granularity into a prefix length.
func netmaskOf(gran string, family int) int {
	full := 32
	if family == 6 {
		full = 128
	}
	if gran == "" {
		return full
	}
	if a, err := netip.ParseAddr(gran); err == nil && a.Is4() {
		b := a.As4()
		n := 0
		for _, x := range b {
			for bit := 7; bit >= 0 && x&(1<<bit) != 0; bit-- {
				n++
			}
			if x != 0xff {
				break
			}
		}
		return n
	}
	if v, err := strconv.Atoi(gran); err == nil && v > 0 && v <= full {
		return v
	}
	return full
}

// serviceTemplate is the part of a Service every key of a virtual server
// shares.
func serviceTemplate(vs *config.VirtualServer) Service {
	fam := familyOf(vs.IPFamily)
	s := Service{
		Scheduler:   vs.Sched,
		Persistence: time.Duration(vs.PersistenceTimeout) * time.Second,
		Netmask:     netmaskOf(vs.PersistenceGranularity, fam),
		Flags:       SchedFlags{OnePacket: vs.OPS},
	}
	switch vs.Sched {
	case "sh":
		s.Flags.SHFallback = vs.SHFallback || vs.Flag1
		s.Flags.SHPort = vs.SHPort || vs.Flag2
	case "mh":
		s.Flags.MHFallback = vs.MHFallback || vs.Flag1
		s.Flags.MHPort = vs.MHPort || vs.Flag2
	}
	return s
}

// serviceEntry is one dataplane service of a virtual server; portFixed
// says the real servers' ports follow the entry's port (a group entry by
// address: DR and TUN servers, and NAT servers without a port).
type serviceEntry struct {
	Service
	entryPort uint16
	byAddr    bool
}

// expand lists the dataplane services of a virtual server: one for an
// address or fwmark, one per address (or fwmark) of its group's entries.
func expand(vs *config.VirtualServer, groups []*config.VirtualServerGroup) []serviceEntry {
	tmpl := serviceTemplate(vs)
	fam := familyOf(vs.IPFamily)
	proto := protocolOf(vs.Protocol)
	svc := vs.Service
	switch {
	case svc.Group != "":
		var g *config.VirtualServerGroup
		for _, x := range groups {
			if x.Name == svc.Group {
				g = x
				break
			}
		}
		if g == nil {
			return nil
		}
		var out []serviceEntry
		for _, e := range g.Entries {
			out = append(out, expandEntry(tmpl, e, fam, proto)...)
		}
		return out
	case svc.IsFwmark && svc.Fwmark != 0:
		s := tmpl
		s.Key = ServiceKey{Family: fam, FWMark: svc.Fwmark}
		return []serviceEntry{{Service: s}}
	}
	s := tmpl
	s.Key = ServiceKey{Family: fam, Protocol: proto, Addr: svc.Addr, Port: svc.Port}
	return []serviceEntry{{Service: s, entryPort: svc.Port, byAddr: true}}
}

// maxRange bounds the addresses one group entry expands to.
const maxRange = 65536

func expandEntry(tmpl Service, e config.VSGEntry, fam int, proto Protocol) []serviceEntry {
	if e.IsFwmark {
		f := fam
		if e.Family != "" {
			f = familyOf(e.Family)
		}
		s := tmpl
		s.Key = ServiceKey{Family: f, FWMark: e.Fwmark}
		return []serviceEntry{{Service: s}}
	}
	end := e.End
	if !end.IsValid() {
		end = e.Addr
	}
	var out []serviceEntry
	for a := e.Addr; a.IsValid() && a.Compare(end) <= 0 && len(out) < maxRange; a = a.Next() {
		s := tmpl
		s.Key = ServiceKey{Family: familyOf(lvsFamily(a)), Protocol: proto, Addr: a, Port: e.Port}
		out = append(out, serviceEntry{Service: s, entryPort: e.Port, byAddr: true})
	}
	return out
}

func lvsFamily(a netip.Addr) string {
	if a.Is4() {
		return "inet"
	}
	return "inet6"
}

// trio renders an address as keepalived's inet_sockaddrtotrio():
// [addr]:proto:port.
func trio(a netip.Addr, proto string, port uint16) string {
	// One allocation (the model names every real server at start).
	b := make([]byte, 0, 64)
	b = a.AppendTo(append(b, '['))
	b = append(b, "]:"...)
	switch {
	case proto == "":
		b = append(b, "none"...)
	case isASCII(proto):
		for i := 0; i < len(proto); i++ {
			c := proto[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
		}
	default:
		b = append(b, strings.ToLower(proto)...)
	}
	b = strconv.AppendUint(append(b, ':'), uint64(port), 10)
	return string(b)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// vsName renders a virtual server as keepalived's format_vs(): group
// members by group name and place, fwmarks as FWM N, others as a trio.
func vsName(vs *config.VirtualServer, groupIndex int) string {
	switch {
	case vs.Service.Group != "":
		return "[" + vs.Service.Group + "]:" + strconv.Itoa(groupIndex)
	case vs.Service.IsFwmark && vs.Service.Fwmark != 0:
		return "FWM " + strconv.FormatUint(uint64(vs.Service.Fwmark), 10)
	}
	return trio(vs.Service.Addr, vs.Protocol, vs.Service.Port)
}

// TimeoutsOf converts lvs_timeouts (seconds; 0 leaves a value alone).
func TimeoutsOf(t config.LVSTimeouts) Timeouts {
	return Timeouts{
		TCP:    time.Duration(t.TCP) * time.Second,
		TCPFin: time.Duration(t.TCPFin) * time.Second,
		UDP:    time.Duration(t.UDP) * time.Second,
	}
}
