package lvs

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Format selects the columns of Render, as ipvsadm's options do.
type Format uint8

// Render formats.
const (
	// Plain is ipvsadm -Ln: scheduler and flags, forwarding method,
	// weight, active and inactive connections.
	Plain Format = iota
	// WithStats is ipvsadm -Ln --stats.
	WithStats
	// WithRate is ipvsadm -Ln --rate.
	WithRate
	// Rules is ipvsadm -Sn: the commands that rebuild the table.
	Rules
)

// Render writes the services as ipvsadm lists them (numeric), sorted as
// ipvsadm sorts them.
func Render(w io.Writer, services []ServiceState, f Format) error {
	var b strings.Builder
	if f != Rules {
		b.WriteString("IP Virtual Server version 1.2.1 (size=4096)\n")
		b.WriteString(title(f))
	}
	for _, s := range sorted(services) {
		renderService(&b, s, f)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// RenderString is Render into a string.
func RenderString(services []ServiceState, f Format) string {
	var b strings.Builder
	_ = Render(&b, services, f)
	return b.String()
}

func title(f Format) string {
	switch f {
	case WithStats:
		return "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\n"
	case WithRate:
		return "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n  -> RemoteAddress:Port\n"
	}
	return "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
}

func addrPort(a netip.Addr, port uint16) string {
	return netip.AddrPortFrom(a, port).String()
}

func serviceName(k ServiceKey, f Format) string {
	if f == Rules {
		if k.FWMark != 0 {
			s := "-f " + strconv.FormatUint(uint64(k.FWMark), 10)
			if k.Family == 6 {
				s += " -6"
			}
			return s
		}
		return map[Protocol]string{TCP: "-t", UDP: "-u", SCTP: "--sctp-service"}[k.Protocol] + " " + addrPort(k.Addr, k.Port)
	}
	if k.FWMark != 0 {
		return "FWM  " + strconv.FormatUint(uint64(k.FWMark), 10)
	}
	return k.Protocol.String() + "  " + addrPort(k.Addr, k.Port)
}

func schedFlags(s Service) string {
	var names []string
	fl := s.Flags
	for _, f := range []struct {
		on   bool
		name string
	}{{fl.SHFallback, "sh-fallback"}, {fl.SHPort, "sh-port"}, {fl.MHFallback, "mh-fallback"}, {fl.MHPort, "mh-port"}} {
		if f.on {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, ",")
}

func persistence(s Service, f Format) string {
	if s.Persistence == 0 {
		return ""
	}
	secs := strconv.FormatInt(int64(s.Persistence.Seconds()), 10)
	out := " persistent " + secs
	if f == Rules {
		out = " -p " + secs
	}
	if m := normMask(s); (s.Key.Family == 6 && m != 128) || (s.Key.Family != 6 && m != 32) {
		mask := strconv.Itoa(m)
		if s.Key.Family != 6 {
			mask = netip.AddrFrom4(v4Mask(m)).String()
		}
		out += pick(f == Rules, " -M ", " mask ") + mask
	}
	return out
}

func v4Mask(bits int) [4]byte {
	var v uint32
	if bits > 0 {
		v = ^uint32(0) << (32 - bits)
	}
	return [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

func renderService(b *strings.Builder, s ServiceState, f Format) {
	name := serviceName(s.Key, f)
	switch f {
	case Rules:
		fmt.Fprintf(b, "-A %s -s %s", name, s.Scheduler)
		if fl := schedFlags(s.Service); fl != "" {
			fmt.Fprintf(b, " -b %s", fl)
		}
		b.WriteString(persistence(s.Service, f))
		if s.Flags.OnePacket {
			b.WriteString(" -o")
		}
	case WithStats:
		fmt.Fprintf(b, "%-33s%s", name, nums(s.Stats.Conns, s.Stats.InPkts, s.Stats.OutPkts, s.Stats.InBytes, s.Stats.OutBytes))
	case WithRate:
		fmt.Fprintf(b, "%-33s%s", name, nums(s.Stats.CPS, s.Stats.InPPS, s.Stats.OutPPS, s.Stats.InBPS, s.Stats.OutBPS))
	default:
		fmt.Fprintf(b, "%s %s", name, s.Scheduler)
		if fl := schedFlags(s.Service); fl != "" {
			fmt.Fprintf(b, " (%s)", fl)
		}
		b.WriteString(persistence(s.Service, f))
		if s.Flags.OnePacket {
			b.WriteString(" ops")
		}
	}
	b.WriteString("\n")
	dests := slices.Clone(s.Dests)
	slices.SortFunc(dests, func(a, b DestState) int { return compareDestKeys(a.Key, b.Key) })
	for _, d := range dests {
		renderDest(b, name, d, f)
	}
}

var fwdSwitch = map[Method]string{NAT: "-m", DR: "-g", TUN: "-i"}

func renderDest(b *strings.Builder, svc string, d DestState, f Format) {
	dname := addrPort(d.Key.Addr, d.Key.Port)
	switch f {
	case Rules:
		fmt.Fprintf(b, "-a %s -r %s %s -w %d\n", svc, dname, fwdSwitch[d.Method], d.Weight)
	case WithStats:
		fmt.Fprintf(b, "  -> %-28s%s\n", dname, nums(d.Stats.Conns, d.Stats.InPkts, d.Stats.OutPkts, d.Stats.InBytes, d.Stats.OutBytes))
	case WithRate:
		fmt.Fprintf(b, "  -> %-28s %8d %8d %8d%s\n", dname, d.Stats.CPS, d.Stats.InPPS, d.Stats.OutPPS, nums(d.Stats.InBPS, d.Stats.OutBPS))
	default:
		fmt.Fprintf(b, "  -> %-28s %-7s %-6d %-10d %-10d\n", dname, d.Method, d.Weight, d.ActiveConns, d.InactiveConns)
	}
}

// nums prints counters as ipvsadm's print_largenum(): right-aligned in 9
// columns, scaled with K, M, G, T when they do not fit.
func nums(vs ...uint64) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(largeNum(v))
	}
	return b.String()
}

func largeNum(v uint64) string {
	if v < 100000000 {
		return fmt.Sprintf("%9d", v)
	}
	for _, u := range []string{"K", "M", "G", "T", "P"} {
		v /= 1000
		if v < 100000000 {
			return fmt.Sprintf("%8d%s", v, u)
		}
	}
	return fmt.Sprintf("%8dE", v/1000)
}
