package ipvs

import (
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/cloudflare/ipvs"
	"github.com/cloudflare/ipvs/netmask"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// Schedulers the kernel ships (net/netfilter/ipvs/ip_vs_*.c) that the
// contract names.
var schedulers = map[string]bool{
	"rr": true, "wrr": true, "lc": true, "wlc": true, "lblc": true, "lblcr": true,
	"dh": true, "sh": true, "sed": true, "nq": true, "fo": true, "ovf": true, "mh": true,
	"twos": true,
}

// family returns the IPVS address family of a service key: Family when
// set, else the family of Addr.
func family(k lvs.ServiceKey) (ipvs.AddressFamily, error) {
	a := k.Addr.Unmap()
	switch {
	case k.Family == 4 || (k.Family == 0 && a.Is4()):
		return ipvs.INET, nil
	case k.Family == 6 || (k.Family == 0 && a.Is6()):
		return ipvs.INET6, nil
	}
	return 0, fmt.Errorf("address family %d: want 4 or 6", k.Family)
}

// addrFamily returns the IPVS family of an address.
func addrFamily(a netip.Addr) ipvs.AddressFamily {
	if a.Is4() {
		return ipvs.INET
	}
	return ipvs.INET6
}

// serviceID converts the identity of a service (what the kernel looks a
// service up by). The other fields are needed only to create or update
// one; see toService.
func serviceID(k lvs.ServiceKey) (ipvs.Service, error) {
	fam, err := family(k)
	if err != nil {
		return ipvs.Service{}, err
	}
	s := ipvs.Service{Family: fam}
	if k.FWMark != 0 {
		s.FWMark = k.FWMark
		return s, nil
	}
	addr := k.Addr.Unmap()
	if !addr.IsValid() {
		return ipvs.Service{}, fmt.Errorf("no address and no fwmark")
	}
	if addrFamily(addr) != fam {
		return ipvs.Service{}, fmt.Errorf("address %s is not IPv%d", addr, k.Family)
	}
	switch k.Protocol {
	case lvs.TCP, lvs.UDP, lvs.SCTP:
	default:
		return ipvs.Service{}, fmt.Errorf("protocol %d: want TCP, UDP or SCTP", uint8(k.Protocol))
	}
	s.Address = addr.WithZone("")
	s.Port = k.Port
	s.Protocol = ipvs.Protocol(k.Protocol)
	return s, nil
}

// toService converts a service with every field the kernel needs to
// create or update it.
func toService(svc lvs.Service) (ipvs.Service, error) {
	s, err := serviceID(svc.Key)
	if err != nil {
		return s, err
	}
	if !schedulers[svc.Scheduler] {
		return s, fmt.Errorf("unknown scheduler %q", svc.Scheduler)
	}
	s.Scheduler = svc.Scheduler
	s.Flags = toFlags(svc.Flags)
	if svc.Persistence != 0 {
		s.Flags |= ipvs.ServicePersistent
		s.Timeout, err = seconds(svc.Persistence, maxPersistence)
		if err != nil {
			return s, fmt.Errorf("persistence timeout: %w", err)
		}
	}
	s.Netmask, err = toNetmask(svc.Netmask, s.Family)
	return s, err
}

// toFlags maps the scheduler flags. IPVS has three generic scheduler
// flags: sh and mh read the first as "fallback" and the second as "port"
// (IP_VS_SVC_F_SCHED_SH_FALLBACK = IP_VS_SVC_F_SCHED_MH_FALLBACK =
// IP_VS_SVC_F_SCHED1, ..._PORT = IP_VS_SVC_F_SCHED2).
func toFlags(f lvs.SchedFlags) ipvs.Flags {
	var out ipvs.Flags
	if f.OnePacket {
		out |= ipvs.ServiceOnePacket
	}
	if f.SHFallback || f.MHFallback {
		out |= ipvs.ServiceSchedulerOpt1
	}
	if f.SHPort || f.MHPort {
		out |= ipvs.ServiceSchedulerOpt2
	}
	return out
}

// fromFlags is the inverse of toFlags: the scheduler decides which names
// the generic flags carry; other schedulers ignore them.
func fromFlags(f ipvs.Flags, sched string) lvs.SchedFlags {
	out := lvs.SchedFlags{OnePacket: f&ipvs.ServiceOnePacket != 0}
	opt1, opt2 := f&ipvs.ServiceSchedulerOpt1 != 0, f&ipvs.ServiceSchedulerOpt2 != 0
	switch sched {
	case "sh":
		out.SHFallback, out.SHPort = opt1, opt2
	case "mh":
		out.MHFallback, out.MHPort = opt1, opt2
	}
	return out
}

// toNetmask converts persistence_granularity: a prefix length, 0 meaning
// a single address (32 or 128). The kernel wants the attribute even for
// services that are not persistent.
func toNetmask(ones int, fam ipvs.AddressFamily) (netmask.Mask, error) {
	bits := 32
	if fam == ipvs.INET6 {
		bits = 128
	}
	if ones == 0 {
		ones = bits
	}
	if ones < 1 || ones > bits {
		return netmask.Mask{}, fmt.Errorf("netmask /%d out of range 1-%d", ones, bits)
	}
	return netmask.MaskFrom(ones, bits), nil
}

// Longest timeouts the kernel takes, in seconds, whatever its HZ (up to
// 1000): it keeps a persistence timeout in an unsigned int of jiffies and
// refuses connection timeouts over INT_MAX / HZ.
const (
	maxPersistence = math.MaxUint32 / 1000
	maxConnTimeout = math.MaxInt32 / 1000
)

// seconds converts a timeout to the kernel's whole seconds, rounding a
// fraction up so that a positive timeout never becomes 0 (which the
// kernel reads as "unchanged" or "none").
func seconds(d time.Duration, limit uint32) (uint32, error) {
	if d < 0 {
		return 0, fmt.Errorf("negative timeout %v", d)
	}
	s := (d + time.Second - 1) / time.Second
	if s > time.Duration(limit) {
		return 0, fmt.Errorf("%v is too long", d)
	}
	return uint32(s), nil
}

// fromService converts a service read back from the kernel.
func fromService(s ipvs.ServiceExtended) lvs.ServiceState {
	out := lvs.ServiceState{Service: lvs.Service{
		Key:       fromServiceKey(s.Service),
		Scheduler: s.Scheduler,
		Flags:     fromFlags(s.Flags, s.Scheduler),
		Netmask:   s.Netmask.Bits(),
	}}
	if s.Flags&ipvs.ServicePersistent != 0 {
		out.Persistence = time.Duration(s.Timeout) * time.Second
	}
	out.Stats = fromStats(s.Stats, s.Stats64)
	return out
}

func fromServiceKey(s ipvs.Service) lvs.ServiceKey {
	k := lvs.ServiceKey{Family: 4}
	if s.Family == ipvs.INET6 {
		k.Family = 6
	}
	if s.FWMark != 0 {
		k.FWMark = s.FWMark
		return k
	}
	k.Protocol = lvs.Protocol(s.Protocol)
	k.Addr = s.Address
	k.Port = s.Port
	return k
}

// fromStats picks the 64-bit counters when the kernel sent them (3.14+),
// else the 32-bit ones.
func fromStats(s32, s64 ipvs.Stats) lvs.Stats {
	s := s64
	if s64 == (ipvs.Stats{}) {
		s = s32
	}
	return lvs.Stats{
		Conns: s.Connections, InPkts: s.IncomingPackets, OutPkts: s.OutgoingPackets,
		InBytes: s.IncomingBytes, OutBytes: s.OutgoingBytes,
		CPS: s.ConnectionRate, InPPS: s.IncomingPacketRate, OutPPS: s.OutgoingPacketRate,
		InBPS: s.IncomingByteRate, OutBPS: s.OutgoingByteRate,
	}
}

// Forwarding methods: lvs.Method <-> IPVS_CONN_F_* (the kernel's Local
// and Bypass have no lvs.Method; see fromMethod).
var methods = map[lvs.Method]ipvs.ForwardType{
	lvs.NAT: ipvs.Masquerade,
	lvs.DR:  ipvs.DirectRoute,
	lvs.TUN: ipvs.Tunnel,
}

// Unmodelled forwarding methods read back from the kernel (set by another
// tool): they map to these values, whose String is "method<N>".
const (
	MethodLocal  lvs.Method = 100 + lvs.Method(ipvs.Local)
	MethodBypass lvs.Method = 100 + lvs.Method(ipvs.Bypass)
)

func fromMethod(f ipvs.ForwardType) lvs.Method {
	for m, ft := range methods {
		if ft == f {
			return m
		}
	}
	return 100 + lvs.Method(f)
}

var (
	tunTypes = map[string]ipvs.TunnelType{"": ipvs.IPIP, "ipip": ipvs.IPIP, "gue": ipvs.GUE, "gre": ipvs.GRE}
	tunFlags = map[string]ipvs.TunnelFlags{
		"": ipvs.TunnelEncapNoChecksum, "nocsum": ipvs.TunnelEncapNoChecksum,
		"csum": ipvs.TunnelEncapChecksum, "remcsum": ipvs.TunnelEncapRemoteChecksum,
	}
	tunTypeNames = map[ipvs.TunnelType]string{ipvs.IPIP: "ipip", ipvs.GUE: "gue", ipvs.GRE: "gre"}
	tunFlagNames = map[ipvs.TunnelFlags]string{
		ipvs.TunnelEncapNoChecksum: "nocsum", ipvs.TunnelEncapChecksum: "csum",
		ipvs.TunnelEncapRemoteChecksum: "remcsum",
	}
)

// toDest converts a destination. Only TUN destinations carry the tunnel
// options; an empty tunnel type or checksum option means ipip, nocsum
// (keepalived's defaults).
func toDest(d lvs.Destination) (ipvs.Destination, error) {
	addr := d.Key.Addr.Unmap()
	if !addr.IsValid() {
		return ipvs.Destination{}, fmt.Errorf("destination has no address")
	}
	fwd, ok := methods[d.Method]
	if !ok {
		return ipvs.Destination{}, fmt.Errorf("unknown forwarding method %s", d.Method)
	}
	if d.Weight < 0 || d.Weight > math.MaxInt32 {
		return ipvs.Destination{}, fmt.Errorf("weight %d out of range 0-%d", d.Weight, math.MaxInt32)
	}
	if d.LowerThreshold > d.UpperThreshold {
		// The kernel refuses it (ERANGE), even with no upper threshold.
		return ipvs.Destination{}, fmt.Errorf("lower threshold %d above upper threshold %d", d.LowerThreshold, d.UpperThreshold)
	}
	out := ipvs.Destination{
		Address:        addr.WithZone(""),
		Port:           d.Key.Port,
		Family:         addrFamily(addr),
		FwdMethod:      fwd,
		Weight:         uint32(d.Weight),
		UpperThreshold: d.UpperThreshold,
		LowerThreshold: d.LowerThreshold,
	}
	if d.Method != lvs.TUN {
		return out, nil
	}
	if out.TunnelType, ok = tunTypes[d.Tunnel.Type]; !ok {
		return out, fmt.Errorf("unknown tunnel type %q", d.Tunnel.Type)
	}
	if out.TunnelFlags, ok = tunFlags[d.Tunnel.Flags]; !ok {
		return out, fmt.Errorf("unknown tunnel checksum option %q", d.Tunnel.Flags)
	}
	if out.TunnelType == ipvs.GUE && d.Tunnel.Port == 0 {
		return out, fmt.Errorf("gue tunnel needs a port")
	}
	out.TunnelPort = d.Tunnel.Port
	return out, nil
}

// destID converts the identity of a destination (address and port), for
// removal.
func destID(k lvs.DestKey) (ipvs.Destination, error) {
	addr := k.Addr.Unmap()
	if !addr.IsValid() {
		return ipvs.Destination{}, fmt.Errorf("destination has no address")
	}
	return ipvs.Destination{Address: addr.WithZone(""), Port: k.Port, Family: addrFamily(addr)}, nil
}

// fromDest converts a destination read back from the kernel. TUN
// destinations come back with their tunnel options spelled out (ipip,
// nocsum when the kernel predates them).
func fromDest(d ipvs.DestinationExtended) lvs.DestState {
	out := lvs.DestState{
		Destination: lvs.Destination{
			Key:            lvs.DestKey{Addr: d.Address, Port: d.Port},
			Weight:         int(d.Weight),
			Method:         fromMethod(d.FwdMethod),
			UpperThreshold: d.UpperThreshold,
			LowerThreshold: d.LowerThreshold,
		},
		ActiveConns:   d.ActiveConnections,
		InactiveConns: d.InactiveConnections,
		PersistConns:  d.PersistentConnections,
		Stats:         fromStats(d.Stats, d.Stats64),
	}
	if d.FwdMethod == ipvs.Tunnel {
		out.Tunnel = lvs.Tunnel{
			Type:  nameOr(tunTypeNames, d.TunnelType, fmt.Sprintf("type%d", d.TunnelType)),
			Port:  d.TunnelPort,
			Flags: nameOr(tunFlagNames, d.TunnelFlags, fmt.Sprintf("flags%#x", uint16(d.TunnelFlags))),
		}
	}
	return out
}

func nameOr[K comparable](names map[K]string, k K, dflt string) string {
	if n, ok := names[k]; ok {
		return n
	}
	return dflt
}
