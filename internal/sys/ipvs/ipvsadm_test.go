package ipvs

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// This file renders a State the way `ipvsadm -Ln` lays it out, so that
// the VM tests can diff what we read back with what ipvsadm reads.

// listKind is an ipvsadm -L variant.
type listKind string

const (
	listPlain     listKind = ""
	listStats     listKind = "--stats"
	listRate      listKind = "--rate"
	listThreshold listKind = "--thresholds"
	listPersist   listKind = "--persistent-conn"
	listTunInfo   listKind = "--tun-info"
)

// normalizeList turns `ipvsadm -Ln [kind] --exact` output into sorted
// blocks (a service line, then its sorted destination lines), each line
// with single spaces, without the three header lines.
func normalizeList(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) < 3 {
		return ""
	}
	var blocks [][]string
	for _, l := range lines[3:] {
		f := strings.Join(strings.Fields(l), " ")
		if strings.HasPrefix(f, "-> ") && len(blocks) > 0 {
			blocks[len(blocks)-1] = append(blocks[len(blocks)-1], f)
			continue
		}
		blocks = append(blocks, []string{f})
	}
	return joinBlocks(blocks)
}

func joinBlocks(blocks [][]string) string {
	var out []string
	for _, b := range blocks {
		slices.Sort(b[1:])
		out = append(out, strings.Join(b, "\n"))
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// renderList renders states as normalizeList renders ipvsadm's listing.
func renderList(states []lvs.ServiceState, kind listKind) string {
	var blocks [][]string
	for _, s := range states {
		b := []string{serviceLine(s, kind)}
		for _, d := range s.Dests {
			b = append(b, destLine(d, kind))
		}
		blocks = append(blocks, b)
	}
	return joinBlocks(blocks)
}

func serviceLine(s lvs.ServiceState, kind listKind) string {
	var head string
	if s.Key.FWMark != 0 {
		head = fmt.Sprintf("FWM %d IPv%d", s.Key.FWMark, s.Key.Family)
		if s.Key.Family == 4 {
			head = fmt.Sprintf("FWM %d", s.Key.FWMark)
		}
	} else {
		head = fmt.Sprintf("%s %s", s.Key.Protocol, netip.AddrPortFrom(s.Key.Addr, s.Key.Port))
	}
	switch kind {
	case listStats:
		st := s.Stats
		return fmt.Sprintf("%s %d %d %d %d %d", head, st.Conns, st.InPkts, st.OutPkts, st.InBytes, st.OutBytes)
	case listRate:
		st := s.Stats
		return fmt.Sprintf("%s %d %d %d %d %d", head, st.CPS, st.InPPS, st.OutPPS, st.InBPS, st.OutBPS)
	}
	w := []string{head, s.Scheduler}
	if f := schedFlagNames(s.Service); len(f) > 0 {
		w = append(w, "("+strings.Join(f, ",")+")")
	}
	if s.Persistence > 0 {
		w = append(w, "persistent", strconv.Itoa(int(s.Persistence.Seconds())))
		switch {
		case s.Key.Family == 6 && s.Netmask != 128:
			w = append(w, "mask", strconv.Itoa(s.Netmask))
		case s.Key.Family == 4 && s.Netmask != 32:
			w = append(w, "mask", net.IP(net.CIDRMask(s.Netmask, 32)).String())
		}
	}
	if s.Flags.OnePacket {
		w = append(w, "ops")
	}
	return strings.Join(w, " ")
}

func schedFlagNames(s lvs.Service) []string {
	var f []string
	add := func(on bool, name string) {
		if on {
			f = append(f, name)
		}
	}
	add(s.Flags.SHFallback, "sh-fallback")
	add(s.Flags.SHPort, "sh-port")
	add(s.Flags.MHFallback, "mh-fallback")
	add(s.Flags.MHPort, "mh-port")
	return f
}

func destLine(d lvs.DestState, kind listKind) string {
	head := "-> " + netip.AddrPortFrom(d.Key.Addr, d.Key.Port).String()
	st := d.Stats
	switch kind {
	case listStats:
		return fmt.Sprintf("%s %d %d %d %d %d", head, st.Conns, st.InPkts, st.OutPkts, st.InBytes, st.OutBytes)
	case listRate:
		return fmt.Sprintf("%s %d %d %d %d %d", head, st.CPS, st.InPPS, st.OutPPS, st.InBPS, st.OutBPS)
	case listThreshold:
		return fmt.Sprintf("%s %d %d %d %d", head, d.UpperThreshold, d.LowerThreshold, d.ActiveConns, d.InactiveConns)
	case listPersist:
		return fmt.Sprintf("%s %d %d %d %d", head, d.Weight, d.PersistConns, d.ActiveConns, d.InactiveConns)
	case listTunInfo:
		return fmt.Sprintf("%s %s %s %d %d %d", head, d.Method, tunInfo(d.Destination), d.Weight, d.ActiveConns, d.InactiveConns)
	}
	return fmt.Sprintf("%s %s %d %d %d", head, d.Method, d.Weight, d.ActiveConns, d.InactiveConns)
}

// tunInfo is ipvsadm's TunnelInfo column: ipip, gre:±c, gue:PORT:±c,
// with r+c for remote checksum offload.
func tunInfo(d lvs.Destination) string {
	if d.Method != lvs.TUN {
		return "n/a"
	}
	csum := map[string]string{"nocsum": "-c", "csum": "+c", "remcsum": "r+c"}[d.Tunnel.Flags]
	switch d.Tunnel.Type {
	case "gre":
		return "gre:" + csum
	case "gue":
		return fmt.Sprintf("gue:%d:%s", d.Tunnel.Port, csum)
	}
	return d.Tunnel.Type
}
